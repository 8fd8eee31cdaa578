//! The Alpaca-compatible stream over a real socket, in both encodings: the handshake and
//! its error codes, incremental subscriptions echoed whole, `*`, and trades, quotes and
//! bars from the bus as Alpaca's messages (msgpack: `T` first, timestamps as the
//! timestamp extension).

mod common;

use common::{T0, Ws, open_config, start};
use finstream_bus::{Bus, OutRecord};
use finstream_gateway::{Backends, GatewayConfig};
use finstream_schemas::alpaca::{
    BarKind, Channels, ClientAction, Encoding, StreamMessage, decode_frame, encode_action,
};
use finstream_schemas::{Bar, Codec, Quote, Trade};
use futures::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;

struct Served {
    addr: String,
    bus: Bus,
    codec: Codec,
    shutdown: CancellationToken,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn serve(max_symbols: usize) -> Served {
    let bus = Bus::memory(10_000);
    let codec = Codec::embedded();
    let shutdown = CancellationToken::new();
    let config = GatewayConfig {
        ws_max_symbols: max_symbols,
        ..open_config()
    };
    let port = start(&config, bus.clone(), Backends::default(), &shutdown).await;
    let addr = format!("127.0.0.1:{port}");
    // Give the stream's reader time to position itself at the end of the topics.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Served {
        addr,
        bus,
        codec,
        shutdown,
    }
}

struct Client {
    ws: Ws,
    encoding: Encoding,
}

impl Client {
    async fn connect(
        s: &Served,
        path: &str,
        encoding: Encoding,
        creds: Option<(&str, &str)>,
    ) -> Self {
        let mut req = format!("ws://{}{path}", s.addr)
            .into_client_request()
            .expect("request");
        if encoding == Encoding::MsgPack {
            req.headers_mut().insert(
                "content-type",
                "application/msgpack".parse().expect("header"),
            );
        }
        if let Some((k, v)) = creds {
            req.headers_mut()
                .insert("APCA-API-KEY-ID", k.parse().expect("header"));
            req.headers_mut()
                .insert("APCA-API-SECRET-KEY", v.parse().expect("header"));
        }
        let (ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("connects");
        Client { ws, encoding }
    }

    async fn next(&mut self) -> Vec<StreamMessage> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(5), self.ws.next())
                .await
                .expect("a frame within 5 s")
                .expect("open")
                .expect("readable");
            let bytes = match frame {
                Message::Text(t) => {
                    assert_eq!(
                        self.encoding,
                        Encoding::Json,
                        "text frame on a msgpack stream"
                    );
                    t.as_bytes().to_vec()
                }
                Message::Binary(b) => {
                    assert_eq!(
                        self.encoding,
                        Encoding::MsgPack,
                        "binary frame on a JSON stream"
                    );
                    b.to_vec()
                }
                _ => continue,
            };
            return decode_frame(&bytes, self.encoding).expect("a valid frame");
        }
    }

    async fn send(&mut self, action: &ClientAction) {
        let bytes = encode_action(action, self.encoding);
        let msg = match self.encoding {
            Encoding::Json => Message::Text(String::from_utf8(bytes).expect("utf8").into()),
            Encoding::MsgPack => Message::Binary(bytes.into()),
        };
        self.ws.send(msg).await.expect("sends");
    }

    async fn send_raw(&mut self, text: &str) {
        self.ws
            .send(Message::Text(text.into()))
            .await
            .expect("sends");
    }

    async fn expect_error(&mut self, code: i64) {
        match self.next().await.as_slice() {
            [StreamMessage::Error { code: c, .. }] => assert_eq!(*c, code),
            other => panic!("expected error {code}, got {other:?}"),
        }
    }

    async fn expect_success(&mut self, msg: &str) {
        match self.next().await.as_slice() {
            [StreamMessage::Success { msg: m }] => assert_eq!(m, msg),
            other => panic!("expected {msg}, got {other:?}"),
        }
    }

    async fn subscription(&mut self) -> Channels {
        match self.next().await.as_slice() {
            [StreamMessage::Subscription(c)] => c.clone(),
            other => panic!("expected a subscription, got {other:?}"),
        }
    }
}

fn auth(key: &str) -> ClientAction {
    ClientAction::Auth {
        key: key.into(),
        secret: "secret".into(),
    }
}

fn trade(symbol: &str, n: i64) -> Trade {
    Trade {
        id: format!("{symbol}-{n}"),
        symbol: symbol.into(),
        price: 100.0 + n as f64,
        size: 10.0,
        event_time: T0 + n,
        trade_id: Some(n),
        exchange: Some("V".into()),
        conditions: vec!["@".into()],
        tape: Some("C".into()),
        source: "test".into(),
    }
}

async fn publish(s: &Served, records: Vec<OutRecord>) {
    s.bus
        .producer()
        .expect("producer")
        .send_all(records)
        .await
        .expect("produced");
}

#[tokio::test]
async fn handshake_errors_follow_alpacas_codes() {
    let s = serve(3).await;
    let mut c = Client::connect(&s, "/v2/iex", Encoding::Json, None).await;
    c.expect_success("connected").await;
    c.send(&ClientAction::Subscribe(Channels {
        trades: vec!["AAPL".into()],
        ..Channels::default()
    }))
    .await;
    c.expect_error(401).await;
    c.send_raw("{\"action\":").await;
    c.expect_error(400).await;
    c.send(&ClientAction::Auth {
        key: String::new(),
        secret: String::new(),
    })
    .await;
    c.expect_error(402).await;
    c.send(&auth("key")).await;
    c.expect_success("authenticated").await;
    c.send(&auth("key")).await;
    c.expect_error(403).await;
    c.send(&ClientAction::Subscribe(Channels {
        trades: vec!["A".into(), "B".into()],
        quotes: vec!["C".into(), "D".into()],
        ..Channels::default()
    }))
    .await;
    c.expect_error(405).await;
    // The refused change left the subscription as it was: empty.
    c.send(&ClientAction::Subscribe(Channels {
        bars: vec!["*".into()],
        ..Channels::default()
    }))
    .await;
    let sub = c.subscription().await;
    assert_eq!(sub.bars, ["*"]);
    assert!(sub.trades.is_empty());

    // Headers authenticate at connect; options and unknown feeds are refused by HTTP.
    let mut h = Client::connect(&s, "/v2/sip", Encoding::MsgPack, Some(("k", "s"))).await;
    h.expect_success("connected").await;
    h.expect_success("authenticated").await;
    let r = reqwest_get(&format!("http://{}/v1beta1/opra", s.addr)).await;
    assert_eq!(r.0, 404);
    assert!(r.1.contains("options stream"), "{}", r.1);
    let r = reqwest_get(&format!("http://{}/v2/iex", s.addr)).await;
    assert_eq!(r.0, 400);
    assert!(r.1.contains("WebSocket"), "{}", r.1);
}

async fn reqwest_get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.expect("request");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn subscribers_get_trades_quotes_and_bars_in_both_encodings() {
    let s = serve(100).await;
    let mut json = Client::connect(&s, "/v2/iex", Encoding::Json, None).await;
    json.expect_success("connected").await;
    json.send(&auth("k")).await;
    json.expect_success("authenticated").await;
    json.send(&ClientAction::Subscribe(Channels {
        trades: vec!["aapl".into()],
        quotes: vec!["AAPL".into()],
        ..Channels::default()
    }))
    .await;
    let sub = json.subscription().await;
    assert_eq!(sub.trades, ["AAPL"]);
    assert_eq!(sub.corrections, ["AAPL"]);
    assert_eq!(sub.cancel_errors, ["AAPL"]);

    let mut pack = Client::connect(&s, "/v2/iex", Encoding::MsgPack, None).await;
    pack.expect_success("connected").await;
    pack.send(&auth("k")).await;
    pack.expect_success("authenticated").await;
    pack.send(&ClientAction::Subscribe(Channels {
        trades: vec!["*".into()],
        bars: vec!["MSFT".into()],
        updated_bars: vec!["MSFT".into()],
        daily_bars: vec!["MSFT".into()],
        ..Channels::default()
    }))
    .await;
    let sub = pack.subscription().await;
    assert_eq!(sub.trades, ["*"]);

    let codec = &s.codec;
    let bar = |timeframe: &str, revision: i32| Bar {
        id: format!("MSFT-{timeframe}-{revision}"),
        symbol: "MSFT".into(),
        timeframe: timeframe.into(),
        start_time: T0,
        end_time: T0 + 60_000_000_000,
        open: 1.0,
        high: 2.0,
        low: 0.5,
        close: 1.5,
        volume: 100.0,
        trade_count: 7,
        vwap: 1.25,
        revision,
        event_time: T0 + 1,
    };
    let quote = Quote {
        id: "q".into(),
        symbol: "AAPL".into(),
        bid_price: 99.0,
        bid_size: 1.0,
        ask_price: 101.0,
        ask_size: 2.0,
        event_time: T0 + 5,
        bid_exchange: Some("Q".into()),
        ask_exchange: Some("V".into()),
        conditions: vec!["R".into()],
        tape: Some("C".into()),
        source: "test".into(),
    };
    publish(
        &s,
        vec![
            OutRecord::event(codec, &trade("AAPL", 1)).expect("encodes"),
            OutRecord::event(codec, &trade("MSFT", 2)).expect("encodes"),
            OutRecord::event(codec, &quote).expect("encodes"),
            OutRecord::event(codec, &bar("1m", 0)).expect("encodes"),
            OutRecord::event(codec, &bar("1m", 1)).expect("encodes"),
            OutRecord::event(codec, &bar("1d", 0)).expect("encodes"),
            OutRecord::event(codec, &bar("5m", 0)).expect("encodes"),
        ],
    )
    .await;

    // JSON: the AAPL trade and quote only.
    let mut got = Vec::new();
    while got.len() < 2 {
        got.extend(json.next().await);
    }
    // Trades and quotes are different topics: no order between them.
    got.sort_by_key(|m| matches!(m, StreamMessage::Quote(_)));
    assert!(
        matches!(&got[0], StreamMessage::Trade(t) if t.symbol == "AAPL" && t.id == Some(1) && t.time == T0 + 1),
        "{got:?}"
    );
    assert!(
        matches!(&got[1], StreamMessage::Quote(q) if q.ask_size == 2.0 && q.time == T0 + 5),
        "{got:?}"
    );
    // msgpack: both trades (star), MSFT's minute bar, its update and its daily bar; the
    // 5-minute bar has no Alpaca channel.
    let mut got = Vec::new();
    while got.len() < 5 {
        got.extend(pack.next().await);
    }
    let kinds: Vec<String> = got
        .iter()
        .map(|m| match m {
            StreamMessage::Trade(t) => format!("t:{}", t.symbol),
            StreamMessage::Bar { kind, bar } => format!(
                "{}:{}:{}",
                match kind {
                    BarKind::Minute => "b",
                    BarKind::Updated => "u",
                    BarKind::Daily => "d",
                },
                bar.symbol,
                bar.time
            ),
            other => format!("{other:?}"),
        })
        .collect();
    let b = format!(":MSFT:{T0}");
    let mut kinds = kinds;
    kinds.sort();
    assert_eq!(
        kinds,
        [
            format!("b{b}"),
            format!("d{b}"),
            "t:AAPL".to_string(),
            "t:MSFT".into(),
            format!("u{b}")
        ]
    );

    // Unsubscribing quotes leaves trades.
    json.send(&ClientAction::Unsubscribe(Channels {
        quotes: vec!["AAPL".into()],
        ..Channels::default()
    }))
    .await;
    let sub = json.subscription().await;
    assert!(sub.quotes.is_empty());
    assert_eq!(sub.trades, ["AAPL"]);
    publish(
        &s,
        vec![
            OutRecord::event(codec, &quote).expect("encodes"),
            OutRecord::event(codec, &trade("AAPL", 3)).expect("encodes"),
        ],
    )
    .await;
    let next = json.next().await;
    assert!(
        matches!(next.as_slice(), [StreamMessage::Trade(t)] if t.id == Some(3)),
        "{next:?}"
    );
}

#[tokio::test]
async fn msgpack_frames_carry_t_first_and_timestamp_extensions() {
    let s = serve(100).await;
    let mut pack = Client::connect(&s, "/v2/iex", Encoding::MsgPack, Some(("k", "s"))).await;
    pack.expect_success("connected").await;
    pack.expect_success("authenticated").await;
    pack.send(&ClientAction::Subscribe(Channels {
        trades: vec!["AAPL".into()],
        ..Channels::default()
    }))
    .await;
    pack.subscription().await;
    publish(
        &s,
        vec![OutRecord::event(&s.codec, &trade("AAPL", 9)).expect("encodes")],
    )
    .await;
    let frame = loop {
        match tokio::time::timeout(Duration::from_secs(5), pack.ws.next()).await {
            Ok(Some(Ok(Message::Binary(b)))) => break b,
            Ok(Some(Ok(_))) => continue,
            other => panic!("no binary frame: {other:?}"),
        }
    };
    let value = rmpv::decode::read_value(&mut &frame[..]).expect("msgpack");
    let rmpv::Value::Array(items) = value else {
        panic!("a frame is an array")
    };
    let rmpv::Value::Map(fields) = &items[0] else {
        panic!("a message is a map")
    };
    assert_eq!(fields[0].0.as_str(), Some("T"));
    assert_eq!(fields[0].1.as_str(), Some("t"));
    let t = fields
        .iter()
        .find(|(k, _)| k.as_str() == Some("t"))
        .map(|(_, v)| v);
    assert!(matches!(t, Some(rmpv::Value::Ext(-1, _))), "{t:?}");
}
