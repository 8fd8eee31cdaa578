//! `/v1/stream` resume: a client that drops mid-stream and reconnects, to another gateway
//! process, with the offsets it had seen gets everything it missed and nothing twice,
//! while the market goes on (on the in-process log, and on Kafka with
//! `FINSTREAM_TEST_KAFKA`); one that asks for offsets the log no longer holds is told so.

mod common;

use common::{SECOND, T0, Ws, bar, open_config, start};
use finstream_bus::{Bus, KafkaConfig, OutRecord, kafka};
use finstream_gateway::Backends;
use finstream_schemas::Codec;
use futures::SinkExt;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

const SYMBOLS: usize = 10;
/// Symbols the client subscribes to (the others' bars share its partitions).
const WATCHED: usize = 5;

async fn gateway(bus: &Bus, shutdown: &CancellationToken) -> String {
    let port = start(&open_config(), bus.clone(), Backends::default(), shutdown).await;
    format!("127.0.0.1:{port}")
}

async fn next_json(ws: &mut Ws) -> serde_json::Value {
    common::next_json(ws, Duration::from_secs(10))
        .await
        .expect("a frame within 10 s")
}

/// Subscribes once the gateway's fan-out reads the bars topic (its positions name it).
async fn subscribe_when_ready(addr: &str) -> (Ws, BTreeMap<String, i64>) {
    for _ in 0..60 {
        let (ws, positions) = subscribe(addr, None).await;
        if positions.keys().any(|k| k.starts_with("market.bars.v1/")) {
            return (ws, positions);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the gateway at {addr} never started reading market.bars.v1");
}

/// Connects and subscribes to the watched symbols' bars (resuming from `resume` if
/// given); returns the socket and the subscription's positions.
async fn subscribe(
    addr: &str,
    resume: Option<&BTreeMap<String, i64>>,
) -> (Ws, BTreeMap<String, i64>) {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/v1/stream"))
        .await
        .expect("connects");
    let symbols: Vec<String> = (0..WATCHED).map(|s| format!("S{s}")).collect();
    let mut msg =
        serde_json::json!({"action": "subscribe", "symbols": symbols, "channels": ["bars"]});
    if let Some(r) = resume {
        msg["resume"] = serde_json::json!(r);
    }
    ws.send(Message::Text(msg.to_string().into()))
        .await
        .expect("send");
    let reply = next_json(&mut ws).await;
    assert_eq!(reply["type"], "subscribed", "{reply}");
    let positions = serde_json::from_value(reply["positions"].clone()).expect("positions");
    (ws, positions)
}

/// What a client keeps: the newest offset per topic partition, and the bars it got.
#[derive(Default)]
struct Client {
    seen: BTreeMap<String, i64>,
    bars: Vec<(String, i64)>,
}

impl Client {
    fn merge(&mut self, positions: &BTreeMap<String, i64>) {
        for (k, &v) in positions {
            let e = self.seen.entry(k.clone()).or_insert(v);
            *e = (*e).max(v);
        }
    }

    /// Takes one frame; true if it was a bar.
    fn take(&mut self, v: &serde_json::Value) -> bool {
        if v["type"] != "bar" {
            return false;
        }
        let key = format!("{}/{}", v["topic"].as_str().expect("topic"), v["partition"]);
        let offset = v["offset"].as_i64().expect("offset");
        let e = self.seen.entry(key).or_insert(offset);
        *e = (*e).max(offset);
        self.bars.push((
            v["symbol"].as_str().expect("symbol").to_string(),
            v["data"]["start_time"].as_i64().expect("start"),
        ));
        true
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_subscription_misses_nothing_and_repeats_nothing() {
    resume_on_another_gateway(Bus::memory(1_000_000)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Kafka: deploy/local/services.sh up kafka, then FINSTREAM_TEST_KAFKA"]
async fn a_resumed_subscription_misses_nothing_and_repeats_nothing_on_kafka() {
    let brokers = std::env::var("FINSTREAM_TEST_KAFKA").expect("FINSTREAM_TEST_KAFKA");
    let cfg = KafkaConfig {
        brokers,
        topic_prefix: format!(
            "resume{}x{}.",
            std::process::id(),
            finstream_schemas::now_nanos() % 1_000_000
        ),
        ..KafkaConfig::default()
    };
    kafka::create_topics(&cfg, &finstream_schemas::CATALOG)
        .await
        .expect("topics");
    resume_on_another_gateway(Bus::kafka(cfg)).await;
}

/// Two gateway processes' worth of gateways on one log; the client's first connection
/// goes to one, its resumed connection to the other.
async fn resume_on_another_gateway(bus: Bus) {
    const BARS: i64 = 400;
    let codec = Codec::embedded();
    let shutdown = CancellationToken::new();
    let addr = gateway(&bus, &shutdown).await;
    let other = gateway(&bus, &shutdown).await;

    let (mut ws, positions) = subscribe_when_ready(&addr).await;
    drop(subscribe_when_ready(&other).await);
    let mut first = Client::default();
    first.merge(&positions);

    // The market runs throughout: 10 symbols, a bar each every few milliseconds.
    let market = {
        let bus = bus.clone();
        let codec = codec.clone();
        tokio::spawn(async move {
            let producer = bus.producer().expect("producer");
            for i in 0..BARS {
                let chunk: Vec<OutRecord> = (0..SYMBOLS)
                    .map(|s| OutRecord::event(&codec, &bar(s, i)).expect("encodes"))
                    .collect();
                producer.send_all(chunk).await.expect("produced");
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
        })
    };

    // The first connection reads a part of the stream, then drops without a goodbye.
    while first.bars.len() < 300 {
        let v = next_json(&mut ws).await;
        first.take(&v);
    }
    drop(ws);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Reconnect while the market goes on, from what the first connection had seen.
    let resume = first.seen.clone();
    let (mut ws, positions) = subscribe(&other, Some(&resume)).await;
    let mut second = Client::default();
    second.merge(&positions);
    let mut resumed = None;
    let last: BTreeSet<String> = (0..WATCHED).map(|s| format!("S{s}")).collect();
    let mut finished: BTreeSet<String> = BTreeSet::new();
    while finished != last {
        let v = next_json(&mut ws).await;
        if v["type"] == "resumed" {
            resumed = Some(v);
            continue;
        }
        if second.take(&v) {
            let (symbol, start) = second.bars.last().cloned().expect("a bar");
            if start == T0 + (BARS - 1) * SECOND {
                finished.insert(symbol);
            }
        }
    }
    market.await.expect("market");
    let resumed = resumed.expect("a resumed frame came before the last bars");
    assert_eq!(resumed["complete"], true, "{resumed}");
    assert!(
        resumed["replayed"].as_u64().expect("replayed") > 0,
        "the disconnection missed nothing? {resumed}"
    );

    // Together, the two connections got every bar of the watched symbols exactly once,
    // and each symbol's bars came in order on each connection.
    let mut all: Vec<(String, i64)> = first.bars.clone();
    all.extend(second.bars.iter().cloned());
    let unique: BTreeSet<(String, i64)> = all.iter().cloned().collect();
    assert_eq!(unique.len(), all.len(), "some bars came twice");
    let expected: BTreeSet<(String, i64)> = (0..WATCHED)
        .flat_map(|s| (0..BARS).map(move |i| (format!("S{s}"), T0 + i * SECOND)))
        .collect();
    let missing: Vec<_> = expected.difference(&unique).take(5).collect();
    assert!(missing.is_empty(), "missed bars, e.g. {missing:?}");
    assert_eq!(unique, expected);
    for client in [&first, &second] {
        let mut newest: BTreeMap<&str, i64> = BTreeMap::new();
        for (symbol, start) in &client.bars {
            let prev = newest.insert(symbol, *start);
            assert!(prev.is_none_or(|p| p < *start), "{symbol}: out of order");
        }
    }
    println!(
        "first connection: {} bars; second: {} bars, of which {} replayed",
        first.bars.len(),
        second.bars.len(),
        resumed["replayed"]
    );
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_from_offsets_the_log_no_longer_holds_says_so() {
    // The in-process log keeps 50 records per partition.
    let bus = Bus::memory(50);
    let codec = Codec::embedded();
    let shutdown = CancellationToken::new();
    let addr = gateway(&bus, &shutdown).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let producer = bus.producer().expect("producer");
    for i in 0..200 {
        let chunk: Vec<OutRecord> = (0..SYMBOLS)
            .map(|s| OutRecord::event(&codec, &bar(s, i)).expect("encodes"))
            .collect();
        producer.send_all(chunk).await.expect("produced");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let key = "market.bars.v1/0".to_string();
    let resume = BTreeMap::from([(key.clone(), 3)]);
    let (mut ws, positions) = subscribe(&addr, Some(&resume)).await;
    assert!(positions[&key] > 50, "positions: {positions:?}");
    let mut replayed = 0;
    let resumed = loop {
        let v = next_json(&mut ws).await;
        if v["type"] == "resumed" {
            break v;
        }
        assert_eq!(v["type"], "bar", "{v}");
        assert_eq!(v["partition"], 0, "{v}");
        replayed += 1;
    };
    assert_eq!(resumed["complete"], false, "{resumed}");
    assert_eq!(resumed["replayed"], replayed, "{resumed}");
    let problem = resumed["problems"][0].as_str().expect("a problem");
    assert!(
        problem.contains(&key) && problem.contains("no longer holds offsets 4 to"),
        "{problem}"
    );

    // A malformed resume is refused with what to send, and the connection goes on.
    ws.send(Message::Text(
        serde_json::json!({"action": "subscribe", "symbols": ["S1"], "resume": {"bars/0": 1}})
            .to_string()
            .into(),
    ))
    .await
    .expect("send");
    let v = next_json(&mut ws).await;
    assert_eq!(v["type"], "error", "{v}");
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("not a topic partition")),
        "{v}"
    );
    ws.send(Message::Text(r#"{"action":"ping"}"#.into()))
        .await
        .expect("send");
    loop {
        let v = next_json(&mut ws).await;
        if v["type"] == "pong" {
            break;
        }
    }
    shutdown.cancel();
}
