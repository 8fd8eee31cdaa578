//! `finstream run --source alpaca` against the local fake of Alpaca's servers: live
//! trades from Alpaca's stream become bars on finstream's own WebSocket stream.

mod common;
#[path = "../sources/tests/fake_alpaca/mod.rs"]
mod fake_alpaca;

use common::*;
use fake_alpaca::{Fake, KEY, SECRET};
use finstream_schemas::alpaca::{StreamMessage, StreamTrade};
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alpaca_trades_become_bars_in_one_process() {
    let srv = Fake::start().await;
    let data = tempfile::tempdir().expect("tmp");
    let env = vec![
        ("APCA_API_KEY_ID".to_string(), KEY.to_string()),
        ("APCA_API_SECRET_KEY".to_string(), SECRET.to_string()),
        ("FINSTREAM__ALPACA__STREAM_URL".to_string(), srv.ws.clone()),
        ("FINSTREAM__ALPACA__DATA_URL".to_string(), srv.http.clone()),
    ];
    let app = Finstream::start(
        &[
            "run",
            "--http",
            "127.0.0.1:0",
            "--data-dir",
            data.path().to_str().expect("utf-8"),
            "--source",
            "alpaca",
        ],
        &env,
        true,
    );
    wait_http_ok(&format!("{}/ready", app.url()), Duration::from_secs(30)).await;
    let mut ws = subscribe(&app.ws_url("/v1/stream"), &["AAPL"]).await;
    for _ in 0..200 {
        if srv.fake.total_connections.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let t0 = (finstream_schemas::now_nanos() / SECOND) * SECOND;
    let trade = |i: i64, dt: i64, price: f64, size: f64| StreamTrade {
        symbol: "AAPL".into(),
        id: Some(i),
        exchange: Some("V".into()),
        price,
        size,
        conditions: vec!["@".into()],
        time: t0 + dt,
        tape: Some("C".into()),
    };
    for t in [
        trade(1, 100_000_000, 190.0, 10.0),
        trade(2, 600_000_000, 191.5, 5.0),
        trade(3, 1_200_000_000, 189.0, 20.0),
        trade(4, 2_500_000_000, 190.5, 1.0),
    ] {
        srv.fake.publish(StreamMessage::Trade(t)).await;
    }
    let mut bars = Vec::new();
    while bars.len() < 2 {
        let v = next_json(&mut ws, Duration::from_secs(15))
            .await
            .expect("bars arrive");
        bars.extend(one_second_bar(&v));
    }
    let first = &bars[0];
    assert_eq!(
        (
            first.start_time,
            first.open,
            first.high,
            first.low,
            first.close,
            first.volume,
            first.trade_count
        ),
        (t0, 190.0, 191.5, 190.0, 191.5, 15.0, 2)
    );
    assert_eq!(
        (bars[1].start_time, bars[1].close, bars[1].trade_count),
        (t0 + SECOND, 189.0, 1)
    );
}
