//! `/v1/stream` with a fast and a slow subscriber on the same symbols: the fast one gets
//! every update in order while the slow one stops reading; the slow one is conflated and
//! then closed with a reason, and what it did get is never older-after-newer.

mod common;

use common::{Ws, bar, open_config, start};
use finstream_bus::{Bus, OutRecord};
use finstream_gateway::{Backends, GatewayConfig};
use finstream_schemas::Codec;
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

const SYMBOLS: usize = 50;
const BARS_PER_SYMBOL: i64 = 1500;

async fn subscribe(addr: &str) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/v1/stream"))
        .await
        .expect("connects");
    let symbols: Vec<String> = (0..SYMBOLS).map(|s| format!("S{s}")).collect();
    let msg = serde_json::json!({"action": "subscribe", "symbols": symbols, "channels": ["bars"]});
    ws.send(Message::Text(msg.to_string().into()))
        .await
        .expect("send");
    // The subscription reply.
    let reply = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("reply");
    assert!(matches!(reply, Some(Ok(Message::Text(_)))));
    ws
}

/// (symbol, start) of a bar update.
fn key(text: &str) -> Option<(String, i64)> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    Some((
        v["symbol"].as_str()?.to_string(),
        v["data"]["start_time"].as_i64()?,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_subscriber_is_conflated_then_closed_and_the_fast_one_gets_everything() {
    let bus = Bus::memory(1_000_000);
    let codec = Codec::embedded();
    let shutdown = CancellationToken::new();
    let config = GatewayConfig {
        ws_queue: 4096,
        ws_slow_close_secs: 2,
        ..open_config()
    };
    let port = start(&config, bus.clone(), Backends::default(), &shutdown).await;
    let addr = format!("127.0.0.1:{port}");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut fast = subscribe(&addr).await;
    let mut slow = subscribe(&addr).await;
    let total = SYMBOLS as i64 * BARS_PER_SYMBOL;
    let fast_reader = tokio::spawn(async move {
        let mut last: HashMap<String, i64> = HashMap::new();
        let mut count = 0i64;
        let deadline = Instant::now() + Duration::from_secs(60);
        while count < total && Instant::now() < deadline {
            match tokio::time::timeout(Duration::from_secs(10), fast.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    if let Some((symbol, start)) = key(t.as_str()) {
                        let prev = last.insert(symbol, start);
                        assert!(prev.is_none_or(|p| p < start), "fast: out of order");
                        count += 1;
                    }
                }
                Ok(Some(Ok(_))) => {}
                other => panic!("fast subscriber's stream ended: {other:?}"),
            }
        }
        count
    });

    // The market: bars in order, a chunk at a time, as a processor would publish them.
    let producer = bus.producer().expect("producer");
    for i in 0..BARS_PER_SYMBOL {
        let chunk: Vec<OutRecord> = (0..SYMBOLS)
            .map(|s| OutRecord::event(&codec, &bar(s, i)).expect("encodes"))
            .collect();
        producer.send_all(chunk).await.expect("produced");
        if i % 2 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let fast_count = fast_reader.await.expect("fast reader");
    assert_eq!(fast_count, total, "the fast subscriber got every update");

    // The slow one has read nothing yet (its socket buffers filled long ago, its writer
    // has been stalled for over ws_slow_close_secs): now it reads.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut last: HashMap<String, i64> = HashMap::new();
    let mut received = 0i64;
    let reason = loop {
        match tokio::time::timeout(Duration::from_secs(15), slow.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                if let Some((symbol, start)) = key(t.as_str()) {
                    let prev = last.insert(symbol, start);
                    assert!(prev.is_none_or(|p| p < start), "slow: older after newer");
                    received += 1;
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                break frame.map(|f| f.reason.to_string()).unwrap_or_default();
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("the slow subscriber was not closed with a reason: {other:?}"),
        }
    };
    println!("slow subscriber: {received} of {total} updates, then closed: {reason}");
    assert!(reason.contains("too slow"), "{reason:?}");
    assert!(
        received < total,
        "the slow subscriber cannot have had everything"
    );
    shutdown.cancel();
}
