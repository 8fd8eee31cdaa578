//! The `greeks` processor on the in-process log: option quotes are solved against the
//! underlying's latest trade, and the numbers are the analytics library's; crossed quotes
//! are dead-lettered; quotes outside the no-arbitrage bounds are published without Greeks.

use finstream_analytics::options::{OptionInputs, OptionKind, implied_volatility, valuation};
use finstream_bus::runner::{self, RunnerConfig};
use finstream_bus::{Bus, OutRecord, StartFrom};
use finstream_processors::greeks::{GreeksConfig, GreeksProcessor};
use finstream_schemas::{
    AvroEvent, Codec, DeadLetter, ErrorKind, GreeksUpdate, OptionQuote, OptionRight, Strike, Trade,
    catalog,
};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const DAY: i64 = 86_400_000_000_000;
const T0: i64 = 19_700 * DAY + 15 * 3_600_000_000_000; // a day at 15:00 UTC

fn record<T: AvroEvent>(codec: &Codec, e: &T) -> OutRecord {
    OutRecord::event(codec, e).expect("encodes")
}

fn trade(price: f64, t: i64) -> Trade {
    Trade {
        id: format!("t{t}"),
        symbol: "AAPL".into(),
        price,
        size: 100.0,
        event_time: t,
        trade_id: None,
        exchange: None,
        conditions: vec![],
        tape: None,
        source: "test".into(),
    }
}

fn quote(id: &str, strike: f64, right: OptionRight, bid: f64, ask: f64, t: i64) -> OptionQuote {
    OptionQuote {
        id: id.into(),
        contract: format!("AAPL-{id}"),
        underlying: "AAPL".into(),
        expiration: 19_730,
        strike: Strike::from_f64(strike),
        right,
        bid_price: bid,
        bid_size: 10.0,
        ask_price: ask,
        ask_size: 10.0,
        last_price: None,
        volume: 0,
        open_interest: 0,
        event_time: t,
        source: "test".into(),
    }
}

async fn read_all<T: AvroEvent>(bus: &Bus, codec: &Codec, topic: &str) -> Vec<T> {
    let mut c = bus
        .reader(&[topic], StartFrom::Earliest)
        .await
        .expect("reader");
    let mut out = Vec::new();
    loop {
        let batch = c
            .poll_batch(10_000, Duration::from_millis(100))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_are_solved_against_the_latest_spot() {
    let codec = Codec::embedded();
    let bus = Bus::memory(10_000);
    let producer = bus.producer().expect("producer");
    // A quote before any trade is skipped; then spot 190, then 191.
    producer
        .send_all(vec![record(
            &codec,
            &quote("early", 190.0, OptionRight::Call, 4.0, 4.2, T0),
        )])
        .await
        .expect("produce");
    producer
        .send_all(vec![record(&codec, &trade(190.0, T0 + 1))])
        .await
        .expect("produce");
    producer
        .send_all(vec![
            record(
                &codec,
                &quote("atm", 190.0, OptionRight::Call, 4.0, 4.2, T0 + 2),
            ),
            record(
                &codec,
                &quote("crossed", 190.0, OptionRight::Put, 4.5, 4.0, T0 + 3),
            ),
            record(
                &codec,
                &quote("below", 150.0, OptionRight::Call, 30.0, 30.0, T0 + 4),
            ),
        ])
        .await
        .expect("produce");
    producer
        .send_all(vec![record(&codec, &trade(191.0, T0 + 5))])
        .await
        .expect("produce");
    producer
        .send_all(vec![record(
            &codec,
            &quote("put", 185.0, OptionRight::Put, 2.0, 2.1, T0 + 6),
        )])
        .await
        .expect("produce");

    let config = GreeksConfig::default();
    let shutdown = CancellationToken::new();
    let mut rc = RunnerConfig::new("greeks", &[catalog::TRADES, catalog::OPTION_QUOTES]);
    rc.poll_wait = Duration::from_millis(10);
    let handle = tokio::spawn(runner::run(
        bus.clone(),
        codec.clone(),
        None,
        rc,
        GreeksProcessor::new(&config).expect("valid"),
        shutdown.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    shutdown.cancel();
    let stats = handle.await.expect("joins").expect("runs");
    assert_eq!(stats.records_in, 7);

    let updates: Vec<GreeksUpdate> = read_all(&bus, &codec, catalog::GREEKS).await;
    let ids: Vec<&str> = updates.iter().map(|u| u.contract.as_str()).collect();
    assert_eq!(
        ids,
        vec!["AAPL-atm", "AAPL-below", "AAPL-put"],
        "the early quote is skipped, the crossed one dead-lettered"
    );

    let atm = &updates[0];
    let years = ((19_730 * DAY + 20 * 3_600_000_000_000 - (T0 + 2)) as f64 / DAY as f64) / 365.0;
    let inputs = OptionInputs {
        kind: OptionKind::Call,
        spot: 190.0,
        strike: 190.0,
        years,
        rate: 0.04,
        dividend_yield: 0.0,
    };
    let iv = implied_volatility(&inputs, 4.1).expect("solvable");
    let v = valuation(&inputs, iv).expect("prices");
    assert_eq!(
        (atm.spot, atm.option_price, atm.time_to_expiry),
        (190.0, 4.1, years)
    );
    assert_eq!(atm.implied_volatility, Some(iv));
    assert_eq!(
        (atm.delta, atm.gamma, atm.theta, atm.vega, atm.rho),
        (
            Some(v.delta),
            Some(v.gamma),
            Some(v.theta_per_day),
            Some(v.vega_per_point),
            Some(v.rho_per_point)
        )
    );

    let below = &updates[1];
    assert_eq!(
        (below.implied_volatility, below.delta),
        (None, None),
        "a mid below intrinsic has no volatility"
    );
    assert_eq!(updates[2].spot, 191.0, "the latest trade is the spot");

    let dead: Vec<DeadLetter> = read_all(&bus, &codec, catalog::DEAD_LETTERS).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].error_kind, ErrorKind::Invalid);
    assert!(dead[0].error.contains("crossed"), "{}", dead[0].error);
}
