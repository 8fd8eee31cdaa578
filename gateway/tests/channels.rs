//! `/v1/stream` channels: trades, quotes and Greeks (by underlying) go to those who ask for
//! them by name; a subscription without `channels` gets the analytics only.

mod common;

use common::{T0, Ws, next_json, open_config, start};
use finstream_bus::{Bus, OutRecord};
use finstream_gateway::Backends;
use finstream_schemas::{Bar, Codec, GreeksUpdate, OptionRight, Quote, Strike, Trade};
use futures::SinkExt;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

fn trade(symbol: &str, n: i64) -> Trade {
    Trade {
        id: format!("{symbol}-t{n}"),
        symbol: symbol.into(),
        price: 500.0 + n as f64,
        size: 100.0,
        // Out of order on purpose: raw feeds are not deduplicated by time.
        event_time: T0 - n,
        trade_id: Some(n),
        exchange: Some("V".into()),
        conditions: vec![],
        tape: Some("B".into()),
        source: "test".into(),
    }
}

fn quote(symbol: &str) -> Quote {
    Quote {
        id: format!("{symbol}-q"),
        symbol: symbol.into(),
        bid_price: 499.9,
        bid_size: 3.0,
        ask_price: 500.1,
        ask_size: 4.0,
        event_time: T0,
        bid_exchange: None,
        ask_exchange: None,
        conditions: vec![],
        tape: None,
        source: "test".into(),
    }
}

fn greeks(underlying: &str) -> GreeksUpdate {
    GreeksUpdate {
        id: format!("{underlying}-g"),
        contract: format!("{underlying}261218C00500000"),
        underlying: underlying.into(),
        expiration: 20_805,
        strike: Strike {
            thousandths: 500_000,
        },
        right: OptionRight::Call,
        spot: 500.0,
        option_price: 12.5,
        rate: 0.04,
        dividend_yield: 0.0,
        time_to_expiry: 0.07,
        implied_volatility: Some(0.2),
        delta: Some(0.52),
        gamma: Some(0.02),
        theta: Some(-0.1),
        vega: Some(0.5),
        rho: Some(0.1),
        vanna: None,
        charm: None,
        vomma: None,
        event_time: T0,
    }
}

fn bar(symbol: &str) -> Bar {
    Bar {
        id: format!("{symbol}-b"),
        symbol: symbol.into(),
        timeframe: "1m".into(),
        start_time: T0,
        end_time: T0 + 60_000_000_000,
        open: 1.0,
        high: 2.0,
        low: 0.5,
        close: 1.5,
        volume: 100.0,
        trade_count: 3,
        vwap: 1.25,
        revision: 0,
        event_time: T0 + 60_000_000_000,
    }
}

async fn subscribe(addr: &str, msg: serde_json::Value) -> (Ws, serde_json::Value) {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/v1/stream"))
        .await
        .expect("connects");
    ws.send(Message::Text(msg.to_string().into()))
        .await
        .expect("send");
    let reply = next_json(&mut ws, Duration::from_secs(5))
        .await
        .expect("a reply");
    (ws, reply)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_feeds_and_greeks_come_by_name_and_analytics_by_default() {
    let bus = Bus::memory(10_000);
    let codec = Codec::embedded();
    let shutdown = CancellationToken::new();
    let port = start(&open_config(), bus.clone(), Backends::default(), &shutdown).await;
    let addr = format!("127.0.0.1:{port}");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (mut raw, reply) = subscribe(
        &addr,
        serde_json::json!({"action": "subscribe", "symbols": ["SPY"], "channels": ["trades", "quotes", "greeks"]}),
    )
    .await;
    assert_eq!(
        reply["channels"],
        serde_json::json!(["trades", "quotes", "greeks"]),
        "{reply}"
    );
    let (mut default, reply) = subscribe(
        &addr,
        serde_json::json!({"action": "subscribe", "symbols": ["SPY"]}),
    )
    .await;
    assert_eq!(
        reply["channels"],
        serde_json::json!(["bars", "indicators", "events"]),
        "{reply}"
    );
    let (_, reply) = subscribe(
        &addr,
        serde_json::json!({"action": "subscribe", "symbols": ["SPY"], "channels": ["ticks"]}),
    )
    .await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert!(
        reply["message"]
            .as_str()
            .is_some_and(|m| m.contains("trades, quotes, bars, indicators, greeks or events")),
        "{reply}"
    );

    let producer = bus.producer().expect("producer");
    producer
        .send_all(vec![
            OutRecord::event(&codec, &trade("QQQ", 0)).expect("encodes"),
            OutRecord::event(&codec, &trade("SPY", 1)).expect("encodes"),
            OutRecord::event(&codec, &trade("SPY", 2)).expect("encodes"),
            OutRecord::event(&codec, &quote("SPY")).expect("encodes"),
            OutRecord::event(&codec, &greeks("SPY")).expect("encodes"),
            OutRecord::event(&codec, &greeks("QQQ")).expect("encodes"),
            OutRecord::event(&codec, &bar("SPY")).expect("encodes"),
        ])
        .await
        .expect("produced");

    let mut got = Vec::new();
    while let Some(v) = next_json(&mut raw, Duration::from_secs(2)).await {
        got.push(v);
    }
    let kinds: Vec<(&str, &str)> = got
        .iter()
        .map(|v| {
            (
                v["type"].as_str().unwrap_or("?"),
                v["data"]["id"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    // Trades in log order (the second is older by event time, and still comes).
    let trades: Vec<_> = kinds.iter().filter(|k| k.0 == "trade").collect();
    assert_eq!(
        trades,
        [&("trade", "SPY-t1"), &("trade", "SPY-t2")],
        "{kinds:?}"
    );
    assert!(kinds.contains(&("quote", "SPY-q")), "{kinds:?}");
    assert!(kinds.contains(&("greeks", "SPY-g")), "{kinds:?}");
    assert_eq!(
        kinds.len(),
        4,
        "only SPY's trades, quote and Greeks: {kinds:?}"
    );
    let g = got
        .iter()
        .find(|v| v["type"] == "greeks")
        .expect("greeks frame");
    assert_eq!(g["symbol"], "SPY");
    assert_eq!(g["topic"], "analytics.greeks.v1");
    assert_eq!(g["data"]["contract"], "SPY261218C00500000");
    assert_eq!(g["data"]["delta"], 0.52);
    assert_eq!(
        g["data"]["strike"], 500.0,
        "the strike is a number, not Avro bytes"
    );

    let mut got = Vec::new();
    while let Some(v) = next_json(&mut default, Duration::from_secs(2)).await {
        got.push(v["type"].as_str().unwrap_or("?").to_string());
    }
    assert_eq!(got, ["bar"], "the default subscription gets the bar only");
    shutdown.cancel();
}
