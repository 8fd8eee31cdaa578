//! Replaying recorded trades and quotes from CSV into the in-process log.

use finstream_bus::{Bus, StartFrom};
use finstream_schemas::{Codec, Quote, Trade, catalog};
use finstream_sources::replay::{Pace, ReplayKind, read_csv, replay};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

async fn read_topic<T: finstream_schemas::AvroEvent>(
    bus: &Bus,
    codec: &Codec,
    topic: &str,
) -> Vec<T> {
    let mut c = bus
        .reader(&[topic], StartFrom::Earliest)
        .await
        .expect("reader");
    let mut out = Vec::new();
    loop {
        let batch = c
            .poll_batch(1000, Duration::from_millis(50))
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

#[tokio::test]
async fn trades_replay_paced_by_their_event_times() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("day.csv");
    std::fs::write(
        &file,
        "time,symbol,price,size,exchange\n2024-01-02T14:30:00Z,aapl,187.1,100,V\n2024-01-02T14:30:00.5Z,AAPL,187.2,50,\n1704205801,MSFT,370.5,10,Q\n1704205802000,AAPL,187.0,5,V\n",
    )
    .expect("write");
    let events = read_csv(&file, ReplayKind::Trades).expect("reads");
    assert_eq!(events.len(), 4);
    let bus = Bus::memory(1000);
    let codec = Codec::embedded();
    let started = Instant::now();
    let n = replay(
        &events,
        Pace::Speed(10.0),
        &bus.producer().expect("producer"),
        &codec,
        &CancellationToken::new(),
    )
    .await
    .expect("replays");
    // Two seconds of market time at ten times real time take at least 0.2 s.
    assert!(
        started.elapsed() >= Duration::from_millis(180),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(n, 4);
    let trades: Vec<Trade> = read_topic(&bus, &codec, catalog::TRADES).await;
    let mut aapl: Vec<(f64, Option<String>)> = trades
        .iter()
        .filter(|t| t.symbol == "AAPL")
        .map(|t| (t.price, t.exchange.clone()))
        .collect();
    aapl.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(aapl.len(), 3);
    assert!(
        trades
            .iter()
            .all(|t| t.source == "replay" && t.id.starts_with("replay:day:"))
    );
    // Replaying the same file again gives the same ids.
    let again = read_csv(&file, ReplayKind::Trades).expect("reads");
    assert_eq!(events, again);
}

#[tokio::test]
async fn quotes_replay_as_fast_as_possible_and_bad_rows_name_their_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("q.csv");
    std::fs::write(&file, "time,symbol,bid_price,bid_size,ask_price,ask_size\n1704205800,SPY,470.1,3,470.2,5\n1704209400,SPY,471.0,1,471.1,2\n").expect("write");
    let events = read_csv(&file, ReplayKind::Quotes).expect("reads");
    let bus = Bus::memory(1000);
    let codec = Codec::embedded();
    let started = Instant::now();
    replay(
        &events,
        Pace::Max,
        &bus.producer().expect("producer"),
        &codec,
        &CancellationToken::new(),
    )
    .await
    .expect("replays");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "an hour of market time is not waited for at Max"
    );
    let quotes: Vec<Quote> = read_topic(&bus, &codec, catalog::QUOTES).await;
    assert_eq!(
        quotes.iter().map(|q| q.ask_price).collect::<Vec<_>>(),
        vec![470.2, 471.1]
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "time,symbol,price,size\n1704205800,AAPL,1,1\n1704205801,AAPL,x,1\n",
    )
    .expect("write");
    let err = read_csv(&bad, ReplayKind::Trades)
        .expect_err("bad price")
        .to_string();
    assert!(err.contains("line 3") && err.contains("\"x\""), "{err}");
    let err = read_csv(&bad, ReplayKind::Quotes)
        .expect_err("wrong kind")
        .to_string();
    assert!(err.contains("bid_price"), "{err}");
}
