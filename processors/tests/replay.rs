//! The indicators processor on the in-process log: a crash at any moment loses no bar,
//! indicator value or market event and publishes none twice (EMA-type indicators
//! included, through checkpoints), and a malformed trade is dead-lettered while the stream
//! goes on.

use bytes::Bytes;
use finstream_bus::runner::{self, RunnerConfig};
use finstream_bus::{Bus, OutRecord, StartFrom};
use finstream_processors::indicators::{IndicatorsConfig, IndicatorsProcessor, MovementSettings};
use finstream_schemas::{
    Bar, Codec, DeadLetter, ErrorKind, IndicatorUpdate, MarketEvent, Trade, catalog,
};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const T0: i64 = 1_704_205_800_000_000_000; // 2024-01-02T14:30:00Z
const SYMBOLS: [&str; 5] = ["AAPL", "MSFT", "NVDA", "AMD", "SPY"];

fn trades(n: usize) -> Vec<Trade> {
    (0..n)
        .map(|i| {
            let symbol = SYMBOLS[i % SYMBOLS.len()];
            // Ten trades a second overall, prices wandering deterministically.
            let t = T0 + (i as i64) * 100_000_000 + (i as i64 % 7) * 1_000;
            Trade {
                id: format!("test:{symbol}:{i}"),
                symbol: symbol.into(),
                price: 100.0 + ((i * 37) % 101) as f64 / 10.0,
                size: 1.0 + (i % 13) as f64,
                event_time: t,
                trade_id: Some(i as i64),
                exchange: None,
                conditions: vec![],
                tape: None,
                source: "test".into(),
            }
        })
        .collect()
}

fn record(codec: &Codec, t: &Trade) -> OutRecord {
    OutRecord::event(codec, t).expect("encodes")
}

fn config(batch: usize) -> RunnerConfig {
    let mut c = RunnerConfig::new("indicators", &[catalog::TRADES]);
    c.batch_size = batch;
    c.poll_wait = Duration::from_millis(5);
    c.checkpoint_interval = Duration::ZERO;
    c
}

/// The default indicators (EMA, RSI, MACD, ADX: unbounded memory), every pattern, and
/// movements with a short lookback, so that the test data raises events.
fn processor() -> IndicatorsProcessor {
    IndicatorsProcessor::new(&IndicatorsConfig {
        patterns: vec!["all".into()],
        movement: MovementSettings {
            lookback: 5,
            gap_threshold: 0.001,
            volume_spike_ratio: 1.5,
            ..MovementSettings::default()
        },
        ..IndicatorsConfig::default()
    })
    .expect("valid config")
}

/// Every record on a topic, decoded, in order of partition and offset.
async fn read_all<T: finstream_schemas::AvroEvent>(
    bus: &Bus,
    codec: &Codec,
    topic: &str,
) -> Vec<T> {
    let mut c = bus
        .consumer(&format!("reader-{}", uuid()), &[topic], StartFrom::Earliest)
        .expect("consumer");
    let mut out = Vec::new();
    loop {
        let batch = c
            .poll_batch(10_000, Duration::from_millis(50))
            .await
            .expect("poll");
        if batch.is_empty() {
            return out;
        }
        out.extend(
            batch
                .iter()
                .map(|r| codec.decode::<T>(&r.payload).expect("decodes")),
        );
    }
}

fn uuid() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Runs the processor until the whole input is committed, then stops it gracefully.
async fn run_to_end(bus: &Bus, codec: &Codec, batch: usize, total: usize) {
    let shutdown = CancellationToken::new();
    let handle = tokio::spawn(runner::run(
        bus.clone(),
        codec.clone(),
        None,
        config(batch),
        processor(),
        shutdown.clone(),
    ));
    wait_processed(bus, total).await;
    shutdown.cancel();
    handle.await.expect("joins").expect("runs");
}

async fn wait_processed(bus: &Bus, total: usize) {
    let Bus::Memory(log) = bus else {
        panic!("memory bus")
    };
    for _ in 0..2_000 {
        let mut committed_marks = 0;
        for p in 0..log.partitions(catalog::TRADES).expect("topic") {
            if let Some((_, meta)) = log.committed("finstream.indicators", catalog::TRADES, p) {
                committed_marks += meta
                    .rsplit('=')
                    .next()
                    .and_then(|s| s.parse::<i64>().ok())
                    .map_or(0, |m| m + 1);
            }
        }
        if committed_marks as usize >= total {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("processor did not finish the input");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_lose_no_bar_and_publish_none_twice() {
    let codec = Codec::embedded();
    let input = trades(6_000);

    // Reference: one uninterrupted run.
    let reference = Bus::memory(1_000_000);
    reference
        .producer()
        .expect("producer")
        .send_all(input.iter().map(|t| record(&codec, t)).collect())
        .await
        .expect("produce");
    run_to_end(&reference, &codec, 97, input.len()).await;
    let want_bars: Vec<Bar> = read_all(&reference, &codec, catalog::BARS).await;
    let want_sma: Vec<IndicatorUpdate> = read_all(&reference, &codec, catalog::INDICATORS).await;
    let want_events: Vec<MarketEvent> = read_all(&reference, &codec, catalog::EVENTS).await;
    assert!(
        want_bars.len() > 500,
        "reference produced {} bars",
        want_bars.len()
    );
    for spec in ["ema(20)", "macd(12,26,9)", "rsi(14)", "adx(14)"] {
        assert!(
            want_sma.iter().filter(|u| u.indicator == spec).count() > 50,
            "too few {spec} values to compare"
        );
    }
    assert!(
        want_events.iter().any(|e| e.name.starts_with("cdl"))
            && want_events.iter().any(|e| e.name == "volume_spike"),
        "the reference raised no pattern or movement to compare"
    );

    // Crash run: the processor is aborted (no graceful shutdown) again and again while
    // trades arrive, then restarted.
    let bus = Bus::memory(1_000_000);
    let producer = bus.producer().expect("producer");
    for (round, chunk) in input.chunks(700).enumerate() {
        producer
            .send_all(chunk.iter().map(|t| record(&codec, t)).collect())
            .await
            .expect("produce");
        let handle = tokio::spawn(runner::run(
            bus.clone(),
            codec.clone(),
            None,
            config(97),
            processor(),
            CancellationToken::new(),
        ));
        tokio::time::sleep(Duration::from_millis(3 + (round as u64 * 7) % 20)).await;
        handle.abort();
        let _ = handle.await;
    }
    run_to_end(&bus, &codec, 97, input.len()).await;

    let got_bars: Vec<Bar> = read_all(&bus, &codec, catalog::BARS).await;
    let got_sma: Vec<IndicatorUpdate> = read_all(&bus, &codec, catalog::INDICATORS).await;
    let got_events: Vec<MarketEvent> = read_all(&bus, &codec, catalog::EVENTS).await;
    assert_same("bars", &got_bars, &want_bars, |b| b.id.clone());
    assert_same("indicator updates", &got_sma, &want_sma, |u| u.id.clone());
    assert_same("market events", &got_events, &want_events, |e| e.id.clone());
}

/// Same events by id, none twice; reports the first difference only.
fn assert_same<T: PartialEq + std::fmt::Debug>(
    what: &str,
    got: &[T],
    want: &[T],
    id: impl Fn(&T) -> String,
) {
    let got_by_id: BTreeMap<String, &T> = got.iter().map(|e| (id(e), e)).collect();
    let want_by_id: BTreeMap<String, &T> = want.iter().map(|e| (id(e), e)).collect();
    assert_eq!(
        got.len(),
        got_by_id.len(),
        "{} {what} published twice",
        got.len() - got_by_id.len()
    );
    for (k, w) in &want_by_id {
        match got_by_id.get(k) {
            None => panic!("{what}: {k} is missing after the crashes"),
            Some(g) => assert_eq!(g, w, "{what}: {k} differs from the uninterrupted run"),
        }
    }
    let extra: Vec<&String> = got_by_id
        .keys()
        .filter(|k| !want_by_id.contains_key(*k))
        .take(3)
        .collect();
    assert!(extra.is_empty(), "{what}: unexpected {extra:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_trade_is_dead_lettered_and_the_stream_goes_on() {
    let codec = Codec::embedded();
    let bus = Bus::memory(10_000);
    let producer = bus.producer().expect("producer");
    let input = trades(400);
    let mut records: Vec<OutRecord> = input[..200].iter().map(|t| record(&codec, t)).collect();
    records.push(OutRecord {
        topic: catalog::TRADES.into(),
        key: Some(Bytes::from_static(b"AAPL")),
        payload: Bytes::from_static(b"{\"price\": 1}"),
        timestamp_ms: 0,
    });
    let mut negative = input[200].clone();
    negative.price = -5.0;
    records.push(record(&codec, &negative));
    records.extend(input[201..].iter().map(|t| record(&codec, t)));
    let total = records.len();
    producer.send_all(records).await.expect("produce");
    run_to_end(&bus, &codec, 50, total).await;

    let dead: Vec<DeadLetter> = read_all(&bus, &codec, catalog::DEAD_LETTERS).await;
    assert_eq!(dead.len(), 2, "{dead:?}");
    let decode = dead
        .iter()
        .find(|d| d.error_kind == ErrorKind::Decode)
        .expect("decode failure");
    assert!(decode.error.contains("magic byte"), "{}", decode.error);
    assert_eq!(decode.payload, b"{\"price\": 1}".to_vec());
    assert_eq!(decode.key.as_deref(), Some(&b"AAPL"[..]));
    assert_eq!(decode.source_topic, catalog::TRADES);
    let invalid = dead
        .iter()
        .find(|d| d.error_kind == ErrorKind::Invalid)
        .expect("invalid trade");
    assert!(
        invalid.error.contains("price must be a positive number"),
        "{}",
        invalid.error
    );
    assert_eq!(
        codec
            .decode::<Trade>(&invalid.payload)
            .expect("original bytes")
            .price,
        -5.0
    );

    // Bars after the poison events are still built.
    let bars: Vec<Bar> = read_all(&bus, &codec, catalog::BARS).await;
    let last_trade_time = input[398].event_time;
    assert!(
        bars.iter()
            .any(|b| b.end_time > input[202].event_time && b.end_time <= last_trade_time),
        "no bar after the poison events"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_trade_revises_its_bar_and_the_indicator_within_the_lateness() {
    let codec = Codec::embedded();
    let bus = Bus::memory(10_000);
    let s = 1_000_000_000;
    let trade = |i: i64, t: i64, price: f64| Trade {
        id: format!("late:{i}"),
        symbol: "AAPL".into(),
        price,
        size: 10.0,
        event_time: T0 + t,
        trade_id: Some(i),
        exchange: None,
        conditions: vec![],
        tape: None,
        source: "test".into(),
    };
    let input = [
        trade(0, 0, 100.0),
        trade(1, s + 100, 101.0),     // closes the 0s bar
        trade(2, 300_000_000, 105.0), // late for the 0s bar, within 500 ms: a revision
        trade(3, 2 * s, 102.0),       // closes the 1s bar; the 0s bar becomes final
        trade(4, 400_000_000, 99.0),  // too late: dropped
        trade(5, 3 * s, 103.0),
    ];
    let producer = bus.producer().expect("producer");
    producer
        .send_all(input.iter().map(|t| record(&codec, t)).collect())
        .await
        .expect("produce");
    let indicators = IndicatorsConfig {
        timeframes: vec!["1s".into()],
        indicators: vec!["sma(1)".into()],
        patterns: vec![],
        watermark_delay_ms: 0,
        allowed_lateness_ms: 500,
        ..IndicatorsConfig::default()
    };
    let shutdown = CancellationToken::new();
    let handle = tokio::spawn(runner::run(
        bus.clone(),
        codec.clone(),
        None,
        config(10),
        IndicatorsProcessor::new(&indicators).expect("valid"),
        shutdown.clone(),
    ));
    wait_processed(&bus, input.len()).await;
    shutdown.cancel();
    handle.await.expect("joins").expect("runs");

    let bars: Vec<Bar> = read_all(&bus, &codec, catalog::BARS).await;
    let summary: Vec<(i64, i32, f64, f64)> = bars
        .iter()
        .map(|b| ((b.start_time - T0) / s, b.revision, b.high, b.close))
        .collect();
    assert_eq!(
        summary,
        vec![
            (0, 0, 100.0, 100.0),
            (0, 1, 105.0, 105.0),
            (1, 0, 101.0, 101.0),
            (2, 0, 102.0, 102.0)
        ]
    );
    assert_eq!(bars[1].id, format!("AAPL:1s:{T0}:r1"));
    let sma: Vec<(i64, i32, f64)> = read_all::<IndicatorUpdate>(&bus, &codec, catalog::INDICATORS)
        .await
        .iter()
        .map(|u| ((u.bar_start - T0) / s, u.bar_revision, u.values["value"]))
        .collect();
    assert_eq!(
        sma,
        vec![(0, 0, 100.0), (0, 1, 105.0), (1, 0, 101.0), (2, 0, 102.0)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revision_republishes_events_and_retracts_those_it_no_longer_shows() {
    let codec = Codec::embedded();
    let bus = Bus::memory(10_000);
    let s = 1_000_000_000;
    let trade = |i: i64, t: i64, price: f64| Trade {
        id: format!("ev:{i}"),
        symbol: "MSFT".into(),
        price,
        size: 10.0,
        event_time: T0 + t,
        trade_id: Some(i),
        exchange: None,
        conditions: vec![],
        tape: None,
        source: "test".into(),
    };
    let input = [
        trade(0, 0, 100.0),
        trade(1, s + 500_000_000, 110.0), // bar 1 opens 10% above bar 0's close: a gap
        trade(2, 2 * s + 100_000_000, 111.0), // closes bar 1
        trade(3, s + 100_000_000, 100.0), // late, earlier in bar 1: it now opens at 100
        trade(4, 3 * s, 112.0),
    ];
    bus.producer()
        .expect("producer")
        .send_all(input.iter().map(|t| record(&codec, t)).collect())
        .await
        .expect("produce");
    let indicators = IndicatorsConfig {
        timeframes: vec!["1s".into()],
        indicators: vec![],
        patterns: vec![],
        movement: MovementSettings {
            lookback: 1,
            gap_threshold: 0.01,
            ..MovementSettings::default()
        },
        allowed_lateness_ms: 500,
        ..IndicatorsConfig::default()
    };
    let shutdown = CancellationToken::new();
    let handle = tokio::spawn(runner::run(
        bus.clone(),
        codec.clone(),
        None,
        config(10),
        IndicatorsProcessor::new(&indicators).expect("valid"),
        shutdown.clone(),
    ));
    wait_processed(&bus, input.len()).await;
    shutdown.cancel();
    handle.await.expect("joins").expect("runs");

    let events: Vec<MarketEvent> = read_all(&bus, &codec, catalog::EVENTS).await;
    let bar1 = T0 + s;
    let summary: Vec<(String, i32, bool)> = events
        .iter()
        .filter(|e| e.bar_start == bar1)
        .map(|e| (e.name.clone(), e.bar_revision, e.retracted))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("gap_up".into(), 0, false),
            ("breakout_up".into(), 0, false),
            ("new_high".into(), 0, false),
            ("breakout_up".into(), 1, false),
            ("new_high".into(), 1, false),
            ("gap_up".into(), 1, true),
        ]
    );
    let gap = &events[0];
    assert_eq!(gap.id, format!("MSFT:1s:gap_up:{bar1}:r0"));
    assert_eq!(
        gap.direction,
        finstream_schemas::MarketEventDirection::Bullish
    );
    assert_eq!(
        gap.category,
        finstream_schemas::MarketEventCategory::Movement
    );
    assert_eq!(gap.values["previous_close"], 100.0);
    assert_eq!(gap.values["open"], 110.0);
    assert!((gap.values["fraction"] - 0.1).abs() < 1e-12);
    assert_eq!(gap.pattern_value, None);
}
