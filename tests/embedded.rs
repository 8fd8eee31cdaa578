//! `finstream run`: every role in one process, no services. The synthetic market's trades
//! become bars that a WebSocket subscriber receives; bad client messages get a clear
//! error without closing the stream; SIGTERM stops it cleanly.

mod common;

use common::*;
use futures::SinkExt;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synthetic_trades_become_bars_on_the_websocket_stream() {
    let data = tempfile::tempdir().expect("tmp");
    // The built-in page: no web app folder.
    let env = vec![
        (
            "FINSTREAM__SYNTHETIC__TRADES_PER_SECOND".to_string(),
            "400".to_string(),
        ),
        (
            "FINSTREAM__GATEWAY__WEB_DIR".to_string(),
            data.path().join("no-web-app").display().to_string(),
        ),
    ];
    let mut app = Finstream::run_in(data.path(), &env);
    wait_http_ok(&format!("{}/ready", app.url()), Duration::from_secs(30)).await;
    let health: serde_json::Value = reqwest::get(format!("{}/health", app.url()))
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "healthy");
    let page = reqwest::get(format!("{}/", app.url()))
        .await
        .expect("index")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("/v1/stream") && page.contains("<table"),
        "the built-in page is missing"
    );
    let missing = reqwest::get(format!("{}/nope", app.url()))
        .await
        .expect("404");
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.expect("json error");
    assert_eq!(body["code"], 404);

    let mut ws = subscribe(&app.ws_url("/v1/stream"), &["AAPL", "MSFT"]).await;

    // A malformed message is answered with an error, and the stream goes on.
    ws.send(Message::text("{\"action\":\"subscribe\"}"))
        .await
        .expect("sends");
    let mut saw_error = false;
    let mut bars = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::time::Instant::now() < deadline && (bars.len() < 4 || !saw_error) {
        let Some(v) = next_json(&mut ws, Duration::from_secs(10)).await else {
            break;
        };
        if v["type"] == "error" {
            assert_eq!(v["code"], 400);
            assert!(
                v["message"].as_str().unwrap_or("").contains("symbols"),
                "{v}"
            );
            saw_error = true;
        }
        if let Some(bar) = one_second_bar(&v) {
            assert!(
                v["offset"].as_i64().is_some() && v["partition"].as_i64().is_some(),
                "{v}"
            );
            bars.push(bar);
        }
    }
    assert!(saw_error, "no error frame for a subscribe without symbols");
    assert!(bars.len() >= 4, "received {} bars in 30 s", bars.len());
    for b in &bars {
        assert!(
            b.symbol == "AAPL" || b.symbol == "MSFT",
            "unsubscribed symbol {}",
            b.symbol
        );
        assert_eq!(b.timeframe, "1s");
        assert_eq!(b.end_time - b.start_time, SECOND);
        assert!(
            b.low <= b.open && b.open <= b.high && b.low <= b.close && b.close <= b.high,
            "{b:?}"
        );
        assert!(
            b.low <= b.vwap && b.vwap <= b.high && b.volume > 0.0 && b.trade_count > 0,
            "{b:?}"
        );
    }
    let mut ids: Vec<&str> = bars.iter().map(|b| b.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), bars.len(), "a bar arrived twice");

    let metrics = reqwest::get(format!("{}/metrics", app.url()))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("finstream_processor_records_in_total"),
        "{metrics}"
    );
    // The WebSocket upgrade above, by route template and status.
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("finstream_http_requests_total{")
                && l.contains(r#"route="/v1/stream""#)
                && l.contains(r#"status="101""#)),
        "{metrics}"
    );
    assert!(
        metrics.contains("finstream_http_request_seconds"),
        "{metrics}"
    );
    // The bars above were written to this socket: their latency from event time is in
    // the fan-out histogram, and the fan-out's consumer reports its lag.
    let fanout_count = metrics
        .lines()
        .find(|l| l.starts_with("finstream_gateway_fanout_seconds_count"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    assert!(fanout_count >= 1.0, "{metrics}");
    assert!(
        metrics.contains("finstream_gateway_consumer_lag_seconds"),
        "{metrics}"
    );

    drop(ws);
    let status = app.terminate(Duration::from_secs(15));
    assert!(
        status.success(),
        "finstream run exited with {status} after SIGTERM"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_is_refused_with_the_key_named() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(["config"])
        .env("FINSTREAM__GATEWAY__LISTN", "x")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("listn"), "{stderr}");
}
