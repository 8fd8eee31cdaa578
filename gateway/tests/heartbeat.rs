//! A connection's writer waits on its queue alone (`stream.rs`): its heartbeat pings and
//! the close frame of a shutdown reach it through that queue. A quiet `/v1/stream` or
//! `/v1/chat` connection is pinged, a busy one is not, and a gateway that shuts down
//! closes every connection with 1001 and says why.

mod common;

use common::{Ws, bar, next_json, open_config, start};
use finstream_bus::{Bus, OutRecord};
use finstream_gateway::{Backends, GatewayConfig};
use finstream_schemas::Codec;
use futures::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

async fn open(port: u16, path: &str, first: serde_json::Value) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}{path}"))
        .await
        .expect("connects");
    ws.send(Message::Text(first.to_string().into()))
        .await
        .expect("send");
    ws
}

/// What arrives until `enough` says so or `within` has passed: (pings, JSON frames).
async fn read(
    ws: &mut Ws,
    within: Duration,
    enough: impl Fn(&[serde_json::Value]) -> bool,
) -> (usize, Vec<serde_json::Value>) {
    let deadline = tokio::time::Instant::now() + within;
    let (mut pings, mut texts) = (0, Vec::new());
    while !enough(&texts) {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(Some(Ok(Message::Text(t)))) => {
                texts.push(serde_json::from_str(t.as_str()).expect("JSON frame"));
            }
            Ok(Some(Ok(_))) => {}
            Ok(other) => panic!("the stream ended: {other:?}"),
            Err(_) => break,
        }
    }
    (pings, texts)
}

fn bars(frames: &[serde_json::Value]) -> usize {
    frames.iter().filter(|f| f["type"] == "bar").count()
}

async fn closed_with(ws: &mut Ws) -> (u16, String) {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => {
                return (u16::from(frame.code), frame.reason.to_string());
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("no close frame with a code: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_connections_are_pinged_and_a_shutdown_closes_them_with_its_reason() {
    let bus = Bus::memory(100_000);
    let codec = Codec::embedded();
    let shutdown = CancellationToken::new();
    let config = GatewayConfig {
        ws_heartbeat_secs: 1,
        ..open_config()
    };
    let port = start(&config, bus.clone(), Backends::default(), &shutdown).await;

    let subscribe =
        serde_json::json!({"action": "subscribe", "symbols": ["S0"], "channels": ["bars"]});
    let mut quiet = open(port, "/v1/stream", subscribe.clone()).await;
    let mut busy = open(port, "/v1/stream", subscribe).await;
    let mut chat = open(
        port,
        "/v1/chat",
        serde_json::json!({"action": "join", "room": "heartbeat"}),
    )
    .await;
    for ws in [&mut quiet, &mut busy] {
        let reply = next_json(ws, Duration::from_secs(5)).await;
        assert_eq!(
            reply.as_ref().map(|r| r["type"].clone()),
            Some("subscribed".into()),
            "{reply:?}"
        );
    }

    // Bars every 200 ms for 3.6 heartbeats: the busy connection reads them, the quiet
    // one is not read meanwhile.
    let producer = bus.producer().expect("producer");
    let publishing = tokio::spawn(async move {
        for i in 0..18 {
            let record = OutRecord::event(&codec, &bar(0, i)).expect("encodes");
            producer.send_all(vec![record]).await.expect("produced");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let (busy_pings, busy_frames) =
        read(&mut busy, Duration::from_secs(20), |f| bars(f) == 18).await;
    publishing.await.expect("publisher");
    assert_eq!(bars(&busy_frames), 18, "the busy one got every bar");
    assert_eq!(
        busy_pings, 0,
        "a connection written to within each heartbeat is not pinged"
    );

    // Nothing is written to the quiet one after its last bar: from the second heartbeat
    // after that on, it is pinged. The chat connection has been quiet since its hello.
    let (quiet_pings, quiet_frames) =
        read(&mut quiet, Duration::from_millis(2500), |_| false).await;
    assert_eq!(bars(&quiet_frames), 18, "the quiet one got every bar too");
    assert!(quiet_pings >= 1, "the quiet connection was not pinged");
    let (chat_pings, chat_frames) = read(&mut chat, Duration::from_millis(2500), |_| false).await;
    // Over 8 s quiet by the end of this read, beats each second: a ping at every beat but
    // the first (which finds the hello written). Counting its own pings as writes would
    // halve that (4 by 8 s).
    assert!(
        chat_pings >= 5,
        "the quiet chat connection got {chat_pings} pings in over 8 s at one beat a second"
    );
    assert!(
        chat_frames.iter().any(|f| f["type"] == "hello"),
        "{chat_frames:?}"
    );

    shutdown.cancel();
    for ws in [&mut quiet, &mut busy, &mut chat] {
        assert_eq!(
            closed_with(ws).await,
            (1001, "gateway shutting down".to_string())
        );
    }
}
