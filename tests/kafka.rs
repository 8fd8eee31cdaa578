//! The distributed path against the real Kafka started by `deploy/local` (`make test`):
//! separate `finstream process indicators` and `finstream gateway` processes, trades
//! produced by a plain rdkafka producer as any external producer would, bars received
//! over the WebSocket; a malformed payload dead-lettered; and a processor killed with
//! SIGKILL again and again mid-stream without losing or duplicating a bar.

mod common;

use common::*;
use finstream_schemas::{Bar, Codec, DeadLetter, ErrorKind, Trade, catalog};
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use std::collections::BTreeMap;
use std::time::Duration;

fn brokers() -> String {
    std::env::var("FINSTREAM_TEST_KAFKA")
        .expect("FINSTREAM_TEST_KAFKA is set by `make test` (deploy/local/services.sh env)")
}

fn kafka_env(prefix: &str) -> Vec<(String, String)> {
    vec![
        ("FINSTREAM__BUS__BACKEND".into(), "kafka".into()),
        ("FINSTREAM__KAFKA__BROKERS".into(), brokers()),
        ("FINSTREAM__KAFKA__TOPIC_PREFIX".into(), prefix.into()),
        // The stream is what these tests watch; credentials have tests of their own.
        ("FINSTREAM__GATEWAY__AUTH__REQUIRED".into(), "false".into()),
    ]
}

fn create_topics(prefix: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(["topics", "create"])
        .envs(kafka_env(prefix))
        .output()
        .expect("finstream topics create runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "topics create failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("{prefix}{}: created", catalog::TRADES)),
        "{stdout}"
    );
}

/// A plain producer, configured as an external application would configure it.
fn producer() -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("linger.ms", "5")
        .create()
        .expect("producer")
}

async fn produce(p: &FutureProducer, topic: &str, key: &str, payload: &[u8]) {
    p.send(
        FutureRecord::to(topic).key(key).payload(payload),
        Duration::from_secs(10),
    )
    .await
    .expect("delivered");
}

async fn produce_trades(p: &FutureProducer, prefix: &str, codec: &Codec, trades: &[Trade]) {
    let topic = format!("{prefix}{}", catalog::TRADES);
    let futures: Vec<_> = trades
        .iter()
        .map(|t| {
            let payload = encode(codec, t);
            let key = t.symbol.clone();
            let topic = topic.clone();
            let p = p.clone();
            async move { produce(&p, &topic, &key, &payload).await }
        })
        .collect();
    futures::future::join_all(futures).await;
}

/// Every record of a topic from the beginning, until it has been quiet for `quiet`.
async fn read_topic(topic: &str, quiet: Duration) -> Vec<Vec<u8>> {
    let c: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("group.id", unique("reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    c.subscribe(&[topic]).expect("subscribe");
    let mut out = Vec::new();
    while let Ok(Ok(m)) = tokio::time::timeout(quiet, c.recv()).await {
        out.push(m.payload().unwrap_or_default().to_vec());
    }
    out
}

/// Reads bars from the WebSocket until every expected one arrived or `within` passed.
async fn collect_bars(ws: &mut Ws, want: usize, within: Duration) -> Vec<Bar> {
    let mut bars = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while bars.len() < want && tokio::time::Instant::now() < deadline {
        match next_json(ws, Duration::from_secs(5)).await {
            Some(v) => bars.extend(one_second_bar(&v)),
            None => continue,
        }
    }
    bars
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Kafka from deploy/local: run `make test`"]
async fn external_trades_become_bars_and_poison_goes_to_the_dead_letter_topic() {
    let prefix = unique("t");
    let prefix = format!("{prefix}.");
    create_topics(&prefix);
    let env = kafka_env(&prefix);
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut processor_env = env.clone();
    processor_env.push((
        "FINSTREAM__METRICS__LISTEN".into(),
        format!("127.0.0.1:{metrics_port}"),
    ));
    let _processor = Finstream::start(&["process", "indicators"], &processor_env, false);
    let gateway = Finstream::start(&["gateway", "--http", "127.0.0.1:0"], &env, true);
    wait_http_ok(&format!("{}/ready", gateway.url()), Duration::from_secs(60)).await;
    let mut ws = subscribe_to(
        &gateway.ws_url("/v1/stream"),
        &["AAPL", "MSFT"],
        Some(&["bars"]),
    )
    .await;

    let codec = Codec::embedded();
    let p = producer();
    let trades_topic = format!("{prefix}{}", catalog::TRADES);
    // Poison first: not Avro at all, then a framed trade with a negative price.
    produce(
        &p,
        &trades_topic,
        "AAPL",
        b"{\"symbol\":\"AAPL\",\"price\":1}",
    )
    .await;
    let t0 = test_epoch();
    let mut bad = trades(&["AAPL"], t0, 1, 1, "bad")[0].clone();
    bad.price = -1.0;
    produce(&p, &trades_topic, "AAPL", &encode(&codec, &bad)).await;

    let symbols = ["AAPL", "MSFT", "NVDA"];
    let input = trades(&symbols, t0, 20, 5, "good");
    produce_trades(&p, &prefix, &codec, &input).await;
    produce_trades(
        &p,
        &prefix,
        &codec,
        &closing_trades(&symbols, t0 + 20 * SECOND, "good"),
    )
    .await;

    let want: BTreeMap<_, _> = expected_bars(&input)
        .into_iter()
        .filter(|((s, _), _)| s != "NVDA")
        .collect();
    let got = collect_bars(&mut ws, want.len(), Duration::from_secs(60)).await;
    let got_map: BTreeMap<_, _> = got.iter().map(bar_key).collect();
    assert_eq!(got.len(), got_map.len(), "a bar arrived twice");
    assert_eq!(
        got_map, want,
        "bars over the WebSocket differ from the trades' OHLCV"
    );
    assert!(
        got.iter().all(|b| b.symbol != "NVDA"),
        "received a bar of an unsubscribed symbol"
    );

    let dead: Vec<DeadLetter> = read_topic(
        &format!("{prefix}{}", catalog::DEAD_LETTERS),
        Duration::from_secs(5),
    )
    .await
    .iter()
    .map(|b| {
        codec
            .decode::<DeadLetter>(b)
            .expect("a dead letter decodes")
    })
    .collect();
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert_eq!(dead[0].error_kind, ErrorKind::Decode);
    assert!(dead[0].error.contains("magic byte"), "{}", dead[0].error);
    assert_eq!(
        dead[0].payload,
        b"{\"symbol\":\"AAPL\",\"price\":1}".to_vec()
    );
    assert_eq!(
        (dead[0].source_topic.as_str(), dead[0].processor.as_str()),
        (catalog::TRADES, "indicators")
    );
    assert_eq!(dead[1].error_kind, ErrorKind::Invalid);
    assert_eq!(dead[1].source_offset, dead[0].source_offset + 1);

    // The processor reports what it did on its own metrics endpoint.
    let metrics = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let dead_line = metrics
        .lines()
        .find(|l| l.starts_with("finstream_processor_dead_letters_total"))
        .unwrap_or("");
    assert!(dead_line.ends_with(" 2"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Kafka from deploy/local: run `make test`"]
async fn a_processor_killed_mid_stream_loses_no_bar_and_duplicates_none() {
    let prefix = format!("{}.", unique("k"));
    create_topics(&prefix);
    let mut env = kafka_env(&prefix);
    // Static membership: a restarted processor takes its partitions back at once.
    env.push((
        "FINSTREAM__KAFKA__GROUP_INSTANCE_ID".into(),
        "indicators-0".into(),
    ));
    let gateway = Finstream::start(&["gateway", "--http", "127.0.0.1:0"], &env, true);
    wait_http_ok(&format!("{}/ready", gateway.url()), Duration::from_secs(60)).await;
    let symbols = ["AAPL", "MSFT", "NVDA", "AMD", "SPY", "QQQ"];
    let mut ws = subscribe_to(&gateway.ws_url("/v1/stream"), &symbols, Some(&["bars"])).await;

    let codec = Codec::embedded();
    let p = producer();
    let t0 = test_epoch();
    let seconds = 240;
    let input = trades(&symbols, t0, seconds, 20, "kill");
    let mut processor = Finstream::start(&["process", "indicators"], &env, false);
    // Trades keep arriving in small batches while the processor is killed without warning
    // at varying moments and restarted.
    let feed = {
        let (p, prefix, codec, input) = (p.clone(), prefix.clone(), codec.clone(), input.clone());
        tokio::spawn(async move {
            for chunk in input.chunks(120) {
                produce_trades(&p, &prefix, &codec, chunk).await;
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
        })
    };
    let mut kills = 0;
    while !feed.is_finished() {
        tokio::time::sleep(Duration::from_millis(250 + 190 * (kills % 5))).await;
        processor.kill_hard();
        kills += 1;
        processor = Finstream::start(&["process", "indicators"], &env, false);
    }
    feed.await.expect("the feed finishes");
    assert!(
        kills >= 3,
        "only {kills} kills happened while trades were arriving"
    );
    produce_trades(
        &p,
        &prefix,
        &codec,
        &closing_trades(&symbols, t0 + seconds * SECOND, "kill"),
    )
    .await;

    let want = expected_bars(&input);
    let got = collect_bars(&mut ws, want.len(), Duration::from_secs(120)).await;
    let got_map: BTreeMap<_, _> = got.iter().map(bar_key).collect();
    assert_eq!(
        got.len(),
        got_map.len(),
        "the WebSocket delivered a bar twice"
    );
    let missing: Vec<_> = want
        .keys()
        .filter(|k| !got_map.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        missing.is_empty(),
        "after {kills} kills, {} bars are missing, e.g. {missing:?}",
        want.len() - got_map.len()
    );
    assert_eq!(
        got_map, want,
        "bars differ from the trades' OHLCV after {kills} kills"
    );

    // On the topic itself, a bar may be re-published after a kill, but only identically.
    let on_topic: Vec<Bar> = read_topic(
        &format!("{prefix}{}", catalog::BARS),
        Duration::from_secs(5),
    )
    .await
    .iter()
    .map(|b| codec.decode::<Bar>(b).expect("a bar decodes"))
    .filter(|b| b.timeframe == "1s")
    .collect();
    let mut by_id: BTreeMap<String, Bar> = BTreeMap::new();
    for b in &on_topic {
        if let Some(prev) = by_id.insert(b.id.clone(), b.clone()) {
            assert_eq!(
                &prev, b,
                "bar {} was re-published with different content",
                b.id
            );
        }
    }
    let distinct: BTreeMap<_, _> = by_id.values().map(bar_key).collect();
    assert_eq!(
        distinct, want,
        "the bars topic does not hold exactly the expected bars"
    );
    println!(
        "{kills} kills; {} bars expected, {} records on the topic, {} delivered once each",
        want.len(),
        on_topic.len(),
        got.len()
    );
}
