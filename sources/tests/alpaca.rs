//! The Alpaca connector against a local fake that follows the published protocol:
//! handshake in JSON and msgpack, every documented error code, reconnects with gap
//! backfill, silent sockets, rate limits and paging to `next_page_token: null`.

mod fake_alpaca;

use fake_alpaca::{Fake, KEY, Running, SECRET};
use finstream_schemas::alpaca::{self, ClientAction, Encoding, StreamMessage, StreamTrade};
use finstream_sources::alpaca::rest::RestClient;
use finstream_sources::alpaca::{AlpacaConfig, stream};
use futures::{SinkExt, StreamExt};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

const T0: i64 = 1_714_075_200_000_000_000;

fn config(srv: &Running) -> AlpacaConfig {
    AlpacaConfig {
        key_id: Some(KEY.into()),
        secret_key: Some(SECRET.into()),
        data_url: srv.http.clone(),
        stream_url: srv.ws.clone(),
        symbols: vec!["AAPL".into()],
        quotes: false,
        reconnect_min_ms: 100,
        reconnect_max_ms: 400,
        ..AlpacaConfig::default()
    }
}

fn trade(i: i64) -> StreamTrade {
    StreamTrade {
        symbol: "AAPL".into(),
        id: Some(i),
        exchange: Some("V".into()),
        price: 180.0 + i as f64 / 100.0,
        size: 10.0,
        conditions: vec!["@".into()],
        time: T0 + i * 1_000_000,
        tape: Some("C".into()),
    }
}

struct Connector {
    out: mpsc::Receiver<StreamMessage>,
    shutdown: CancellationToken,
    handle: tokio::task::JoinHandle<
        Result<stream::StreamStats, finstream_sources::alpaca::AlpacaError>,
    >,
}

fn start(cfg: AlpacaConfig) -> Connector {
    let (tx, out) = mpsc::channel(1000);
    let shutdown = CancellationToken::new();
    let s = shutdown.clone();
    let handle = tokio::spawn(async move { stream::run(&cfg, tx, s).await });
    Connector {
        out,
        shutdown,
        handle,
    }
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..300 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn next_trade(out: &mut mpsc::Receiver<StreamMessage>) -> StreamTrade {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), out.recv()).await {
            Ok(Some(StreamMessage::Trade(t))) => return t,
            Ok(Some(_)) => continue,
            other => panic!("no trade: {other:?}"),
        }
    }
}

/// Waits until the connector is connected and subscribed (the fake answers trades only then).
async fn wait_subscribed(srv: &Running, connections: usize) {
    let fake = &srv.fake;
    wait_for("the connection", || {
        fake.total_connections.load(Ordering::SeqCst) >= connections
    })
    .await;
    tokio::time::sleep(Duration::from_millis(150)).await;
}

#[tokio::test]
async fn streams_trades_in_json_and_msgpack() {
    for msgpack in [false, true] {
        let srv = Fake::start().await;
        let mut run = start(AlpacaConfig {
            msgpack,
            ..config(&srv)
        });
        wait_subscribed(&srv, 1).await;
        srv.fake.publish(StreamMessage::Trade(trade(1))).await;
        let mut other = trade(2);
        other.symbol = "MSFT".into();
        srv.fake.publish(StreamMessage::Trade(other)).await;
        srv.fake.publish(StreamMessage::Trade(trade(3))).await;
        assert_eq!(
            next_trade(&mut run.out).await,
            trade(1),
            "msgpack={msgpack}"
        );
        assert_eq!(
            next_trade(&mut run.out).await,
            trade(3),
            "unsubscribed symbols are not delivered"
        );
        run.shutdown.cancel();
        let stats = run.handle.await.expect("joins").expect("stops cleanly");
        assert_eq!(stats.connections, 1);
    }
}

#[tokio::test]
async fn a_dropped_connection_is_replaced_and_the_gap_backfilled_without_duplicates() {
    let srv = Fake::start().await;
    let mut run = start(config(&srv));
    wait_subscribed(&srv, 1).await;
    srv.fake.publish(StreamMessage::Trade(trade(1))).await;
    assert_eq!(next_trade(&mut run.out).await.id, Some(1));

    srv.fake.drop_all();
    // Trades that happen while the connector is away: only REST will have them.
    srv.fake.record_only(trade(2)).await;
    srv.fake.record_only(trade(3)).await;
    wait_subscribed(&srv, 2).await;
    srv.fake.publish(StreamMessage::Trade(trade(4))).await;
    let got: Vec<Option<i64>> = vec![
        next_trade(&mut run.out).await.id,
        next_trade(&mut run.out).await.id,
        next_trade(&mut run.out).await.id,
    ];
    assert_eq!(got, vec![Some(2), Some(3), Some(4)]);
    run.shutdown.cancel();
    let stats = run.handle.await.expect("joins").expect("stops");
    assert_eq!((stats.connections, stats.backfilled_trades), (2, 2));
}

#[tokio::test]
async fn a_silent_socket_is_detected_and_replaced() {
    let srv = Fake::start().await;
    let mut run = start(AlpacaConfig {
        silence_timeout_secs: 3,
        ..config(&srv)
    });
    wait_subscribed(&srv, 1).await;
    srv.fake.silent.store(true, Ordering::SeqCst);
    let fake = srv.fake.clone();
    wait_for("a reconnect after silence", || {
        fake.total_connections.load(Ordering::SeqCst) >= 2
    })
    .await;
    srv.fake.silent.store(false, Ordering::SeqCst);
    // The new connection may need one more try if it met the silent fake mid-handshake.
    tokio::time::sleep(Duration::from_millis(600)).await;
    srv.fake.publish(StreamMessage::Trade(trade(9))).await;
    assert_eq!(next_trade(&mut run.out).await.id, Some(9));
    run.shutdown.cancel();
    let _ = run.handle.await;
}

#[tokio::test]
async fn fatal_stream_errors_stop_with_a_message_that_says_what_to_fix() {
    let srv = Fake::start().await;
    let cases: Vec<(AlpacaConfig, &str)> = vec![
        (
            AlpacaConfig {
                secret_key: Some("wrong".into()),
                ..config(&srv)
            },
            "402",
        ),
        (
            AlpacaConfig {
                feed: "sip".into(),
                ..config(&srv)
            },
            "409",
        ),
        (
            AlpacaConfig {
                feed: "indicative".into(),
                stream_version: "v1beta1".into(),
                ..config(&srv)
            },
            "412",
        ),
    ];
    for (cfg, code) in cases {
        let run = start(cfg);
        let err = tokio::time::timeout(Duration::from_secs(10), run.handle)
            .await
            .expect("stops")
            .expect("joins")
            .expect_err("fatal");
        assert!(
            err.is_fatal() && err.to_string().contains(code),
            "{code}: {err}"
        );
    }
    srv.fake.symbol_limit.store(1, Ordering::SeqCst);
    let run = start(AlpacaConfig {
        symbols: vec!["AAPL".into(), "MSFT".into()],
        ..config(&srv)
    });
    let err = tokio::time::timeout(Duration::from_secs(10), run.handle)
        .await
        .expect("stops")
        .expect("joins")
        .expect_err("fatal");
    assert!(err.to_string().contains("405"), "{err}");
}

#[tokio::test]
async fn transient_stream_errors_reconnect() {
    let srv = Fake::start().await;
    // 406: the one allowed connection is taken; the connector retries until it is free.
    srv.fake.max_connections.store(0, Ordering::SeqCst);
    let mut run = start(config(&srv));
    let fake = srv.fake.clone();
    wait_for("retries after 406", || {
        fake.total_connections.load(Ordering::SeqCst) >= 2
    })
    .await;
    srv.fake.max_connections.store(1, Ordering::SeqCst);
    let before = srv.fake.total_connections.load(Ordering::SeqCst);
    wait_subscribed(&srv, before + 1).await;
    for code in [407, 500] {
        let n = srv.fake.total_connections.load(Ordering::SeqCst);
        srv.fake.send_error(code, "going away");
        wait_subscribed(&srv, n + 1).await;
    }
    srv.fake.publish(StreamMessage::Trade(trade(5))).await;
    assert_eq!(next_trade(&mut run.out).await.id, Some(5));
    run.shutdown.cancel();
    let _ = run.handle.await;
}

/// The protocol errors a well-behaved connector never triggers, checked with a raw client
/// so the fake (and later the gateway) is known to speak them: 400, 401, 403, 404, 410, 413.
#[tokio::test]
async fn the_fake_speaks_every_documented_error_code() {
    let srv = Fake::start().await;
    srv.fake.max_connections.store(10, Ordering::SeqCst);
    let url = format!("{}/v2/iex", srv.ws);
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connects");
    let recv = async |ws: &mut tokio_tungstenite::WebSocketStream<_>| -> StreamMessage {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    return alpaca::decode_frame(t.as_bytes(), Encoding::Json)
                        .expect("decodes")
                        .remove(0);
                }
                Some(Ok(_)) => continue,
                other => panic!("{other:?}"),
            }
        }
    };
    assert_eq!(
        recv(&mut ws).await,
        StreamMessage::Success {
            msg: "connected".into()
        }
    );
    ws.send(Message::text("{not json")).await.expect("send");
    assert!(matches!(
        recv(&mut ws).await,
        StreamMessage::Error { code: 400, .. }
    ));
    ws.send(Message::text(
        "{\"action\":\"subscribe\",\"trades\":[\"AAPL\"]}",
    ))
    .await
    .expect("send");
    assert!(matches!(
        recv(&mut ws).await,
        StreamMessage::Error { code: 401, .. }
    ));
    let auth = alpaca::encode_action(
        &ClientAction::Auth {
            key: KEY.into(),
            secret: SECRET.into(),
        },
        Encoding::Json,
    );
    ws.send(Message::text(
        String::from_utf8(auth.clone()).expect("utf-8"),
    ))
    .await
    .expect("send");
    assert_eq!(
        recv(&mut ws).await,
        StreamMessage::Success {
            msg: "authenticated".into()
        }
    );
    ws.send(Message::text(String::from_utf8(auth).expect("utf-8")))
        .await
        .expect("send");
    assert!(matches!(
        recv(&mut ws).await,
        StreamMessage::Error { code: 403, .. }
    ));
    ws.send(Message::text(
        "{\"action\":\"subscribe\",\"trades\":[\"AAPL\"],\"bars\":[\"*\"]}",
    ))
    .await
    .expect("send");
    match recv(&mut ws).await {
        StreamMessage::Subscription(c) => {
            assert_eq!(
                (c.trades.clone(), c.bars.clone(), c.corrections.clone()),
                (
                    vec!["AAPL".to_string()],
                    vec!["*".to_string()],
                    vec!["AAPL".to_string()]
                )
            );
        }
        other => panic!("{other:?}"),
    }
    ws.send(Message::text(
        "{\"action\":\"unsubscribe\",\"bars\":[\"*\"]}",
    ))
    .await
    .expect("send");
    match recv(&mut ws).await {
        StreamMessage::Subscription(c) => {
            assert!(c.bars.is_empty() && c.trades == vec!["AAPL".to_string()])
        }
        other => panic!("{other:?}"),
    }

    srv.fake.auth_timeout_ms.store(200, Ordering::SeqCst);
    let (mut idle, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connects");
    assert_eq!(
        recv(&mut idle).await,
        StreamMessage::Success {
            msg: "connected".into()
        }
    );
    assert!(matches!(
        recv(&mut idle).await,
        StreamMessage::Error { code: 404, .. }
    ));

    // The options feed: msgpack only; no bars; no * for quotes.
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("{}/v1beta1/indicative", srv.ws),
    )
    .expect("request");
    req.headers_mut().insert(
        "Content-Type",
        "application/msgpack".parse().expect("header"),
    );
    req.headers_mut()
        .insert("APCA-API-KEY-ID", KEY.parse().expect("header"));
    req.headers_mut()
        .insert("APCA-API-SECRET-KEY", SECRET.parse().expect("header"));
    let (mut opt, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connects");
    let recv_pack = async |ws: &mut tokio_tungstenite::WebSocketStream<_>| -> StreamMessage {
        loop {
            match ws.next().await {
                Some(Ok(Message::Binary(b))) => {
                    return alpaca::decode_frame(&b, Encoding::MsgPack)
                        .expect("decodes")
                        .remove(0);
                }
                Some(Ok(_)) => continue,
                other => panic!("{other:?}"),
            }
        }
    };
    assert_eq!(
        recv_pack(&mut opt).await,
        StreamMessage::Success {
            msg: "connected".into()
        }
    );
    assert_eq!(
        recv_pack(&mut opt).await,
        StreamMessage::Success {
            msg: "authenticated".into()
        },
        "auth by headers"
    );
    let sub = |c: alpaca::Channels| {
        Message::binary(alpaca::encode_action(
            &ClientAction::Subscribe(c),
            Encoding::MsgPack,
        ))
    };
    opt.send(sub(alpaca::Channels {
        quotes: vec!["*".into()],
        ..Default::default()
    }))
    .await
    .expect("send");
    assert!(matches!(
        recv_pack(&mut opt).await,
        StreamMessage::Error { code: 413, .. }
    ));
    opt.send(sub(alpaca::Channels {
        bars: vec!["AAPL".into()],
        ..Default::default()
    }))
    .await
    .expect("send");
    assert!(matches!(
        recv_pack(&mut opt).await,
        StreamMessage::Error { code: 410, .. }
    ));
}

#[tokio::test]
async fn rest_pages_to_a_null_token_and_waits_out_rate_limits() {
    let srv = Fake::start().await;
    for i in 0..10 {
        srv.fake.record_only(trade(i)).await;
    }
    srv.fake.page_size.store(3, Ordering::SeqCst);
    let rest = RestClient::new(&config(&srv)).expect("client");
    let got = rest
        .trades("AAPL", T0, T0 + 1_000_000_000, "iex")
        .await
        .expect("trades");
    assert_eq!(
        got.iter().map(|t| t.id).collect::<Vec<_>>(),
        (0..10).map(Some).collect::<Vec<_>>()
    );
    assert_eq!(
        srv.fake.rest_requests.load(Ordering::SeqCst),
        4,
        "3 + 3 + 3 + 1, then next_page_token is null"
    );

    srv.fake.rate_limit_next.store(2, Ordering::SeqCst);
    let bars = rest
        .bars(&["AAPL".into()], "1Min", T0, T0 + 1_000_000_000, "iex")
        .await
        .expect("bars after two 429s");
    assert_eq!(bars.get("AAPL").map(Vec::len), Some(10));

    let wrong = RestClient::new(&AlpacaConfig {
        secret_key: Some("nope".into()),
        ..config(&srv)
    })
    .expect("client");
    let err = wrong
        .trades("AAPL", T0, T0 + 1, "iex")
        .await
        .expect_err("refused");
    assert!(
        err.is_fatal() && err.to_string().contains("APCA_API_KEY_ID"),
        "{err}"
    );
    let err = rest
        .trades("AAPL", T0, T0 + 1, "sip")
        .await
        .expect_err("not entitled");
    assert!(err.is_fatal(), "{err}");
}

#[tokio::test]
async fn option_quotes_stream_in_msgpack_and_become_option_quote_events() {
    use finstream_schemas::alpaca::StreamQuote;
    use finstream_sources::alpaca::stream::option_quote_event;
    let srv = Fake::start().await;
    let contract = "AAPL240503P00155000";
    let cfg = AlpacaConfig {
        option_contracts: vec![contract.into()],
        ..config(&srv)
    }
    .options_stream();
    assert!(cfg.msgpack && cfg.stream_version == "v1beta1" && cfg.feed == "indicative");
    let mut run = start(cfg);
    wait_subscribed(&srv, 1).await;
    let quote = StreamQuote {
        symbol: contract.into(),
        bid_exchange: Some("N".into()),
        bid_price: 0.32,
        bid_size: 73.0,
        ask_exchange: Some("W".into()),
        ask_price: 0.35,
        ask_size: 119.0,
        conditions: vec!["A".into()],
        time: T0,
        tape: None,
    };
    srv.fake.publish(StreamMessage::Quote(quote.clone())).await;
    let got = loop {
        match tokio::time::timeout(Duration::from_secs(10), run.out.recv()).await {
            Ok(Some(StreamMessage::Quote(q))) => break q,
            Ok(Some(_)) => continue,
            other => panic!("no option quote: {other:?}"),
        }
    };
    assert_eq!(got, quote);
    let e = option_quote_event("indicative", &got).expect("an OCC symbol");
    assert_eq!(
        (e.underlying.as_str(), e.strike.as_f64(), e.expiration),
        ("AAPL", 155.0, 19846)
    );
    assert!(
        option_quote_event(
            "indicative",
            &StreamQuote {
                symbol: "AAPL".into(),
                ..quote
            }
        )
        .is_err()
    );
    run.shutdown.cancel();
    let _ = run.handle.await;
}

fn option_quote(contract: &str, bid: f64, time: i64) -> alpaca::StreamQuote {
    alpaca::StreamQuote {
        symbol: contract.into(),
        bid_exchange: Some("N".into()),
        bid_price: bid,
        bid_size: 73.0,
        ask_exchange: Some("W".into()),
        ask_price: bid + 0.05,
        ask_size: 119.0,
        conditions: vec!["A".into()],
        time,
        tape: None,
    }
}

/// An AAPL chain: calls and puts at five strikes and two expiries, plus an SPY contract.
async fn load_chain(srv: &Running) {
    for (expiry, days) in [("240503", 0), ("240517", 1)] {
        for strike in [150, 155, 160, 165, 170] {
            for right in ['C', 'P'] {
                let contract = format!("AAPL{expiry}{right}{:08}", strike * 1000);
                let quote = option_quote(&contract, f64::from(strike) / 100.0, T0 + days);
                let trade = StreamTrade {
                    symbol: contract.clone(),
                    price: f64::from(strike) / 100.0 + 0.02,
                    ..trade(0)
                };
                srv.fake.set_option_quote("AAPL", quote, Some(trade)).await;
            }
        }
    }
    srv.fake
        .set_option_quote("SPY", option_quote("SPY240503C00500000", 1.0, T0), None)
        .await;
}

#[tokio::test]
async fn option_chain_snapshots_follow_the_filters_through_every_page() {
    use finstream_sources::alpaca::rest::ChainFilter;
    let srv = Fake::start().await;
    load_chain(&srv).await;
    srv.fake.page_size.store(3, Ordering::SeqCst);
    let rest = RestClient::new(&config(&srv)).expect("client");

    let all = rest
        .option_chain("AAPL", &ChainFilter::default(), "indicative", None)
        .await
        .expect("chain");
    assert_eq!(all.len(), 20);
    assert_eq!(
        srv.fake.rest_requests.load(Ordering::SeqCst),
        7,
        "20 contracts in pages of 3"
    );
    let put = all
        .iter()
        .find(|s| s.contract == "AAPL240503P00155000")
        .expect("a put");
    assert_eq!(put.latest_quote.as_ref().map(|q| q.bid_price), Some(1.55));
    assert_eq!(put.latest_trade.as_ref().map(|t| t.price), Some(1.57));
    assert_eq!(put.implied_volatility, Some(0.3));

    let filter = ChainFilter {
        kind: Some("put".into()),
        strike_price_gte: Some(155.0),
        strike_price_lte: Some(165.0),
        expiration_date_lte: Some("2024-05-10".into()),
        ..ChainFilter::default()
    };
    let mut puts: Vec<String> = rest
        .option_chain("AAPL", &filter, "indicative", None)
        .await
        .expect("chain")
        .into_iter()
        .map(|s| s.contract)
        .collect();
    puts.sort();
    assert_eq!(
        puts,
        vec![
            "AAPL240503P00155000",
            "AAPL240503P00160000",
            "AAPL240503P00165000"
        ]
    );
    let changed = rest
        .option_chain("AAPL", &ChainFilter::default(), "indicative", Some(T0 + 1))
        .await
        .expect("chain");
    assert_eq!(
        changed.len(),
        10,
        "only the May 17 contracts were updated at T0 + 1"
    );

    let bad = ChainFilter {
        kind: Some("straddle".into()),
        ..ChainFilter::default()
    };
    let err = rest
        .option_chain("AAPL", &bad, "indicative", None)
        .await
        .expect_err("422");
    assert!(
        err.is_fatal() && err.to_string().contains("invalid type"),
        "{err}"
    );
}

#[tokio::test]
async fn chain_polling_publishes_new_quotes_keyed_by_underlying_and_rides_out_a_429() {
    use finstream_bus::{Bus, StartFrom};
    use finstream_schemas::{Codec, OptionQuote, catalog};
    use finstream_sources::alpaca::chain;
    let srv = Fake::start().await;
    load_chain(&srv).await;
    srv.fake.rate_limit_next.store(1, Ordering::SeqCst);
    let cfg = AlpacaConfig {
        option_chains: vec!["AAPL".into(), "SPY".into()],
        option_chain_poll_ms: 1_000,
        ..config(&srv)
    };
    let bus = Bus::memory(10_000);
    let codec = Codec::embedded();
    let shutdown = CancellationToken::new();
    let poller = {
        let (bus, codec, s) = (bus.clone(), codec.clone(), shutdown.clone());
        tokio::spawn(
            async move { chain::run(&cfg, bus.producer().expect("producer"), codec, s).await },
        )
    };
    let mut reader = bus
        .reader(&[catalog::OPTION_QUOTES], StartFrom::Earliest)
        .await
        .expect("reader");
    let mut quotes: Vec<(i32, Vec<u8>, OptionQuote)> = Vec::new();
    let read = |quotes: &mut Vec<(i32, Vec<u8>, OptionQuote)>,
                batch: Vec<finstream_bus::Record>| {
        for r in batch {
            let key = r.key.as_deref().unwrap_or_default().to_vec();
            quotes.push((r.partition, key, codec.decode(&r.payload).expect("decodes")));
        }
    };
    for _ in 0..100 {
        let batch = reader
            .poll_batch(1_000, Duration::from_millis(100))
            .await
            .expect("poll");
        read(&mut quotes, batch);
        if quotes.len() >= 21 {
            break;
        }
    }
    assert_eq!(
        quotes.len(),
        21,
        "every contract of both chains once, after the 429"
    );
    let trades_partition =
        |symbol: &str| finstream_bus::partitioner::partition_for(symbol.as_bytes(), 6);
    for (partition, key, q) in &quotes {
        assert_eq!(key.as_slice(), q.underlying.as_bytes());
        assert_eq!(
            *partition,
            trades_partition(&q.underlying),
            "{}",
            q.contract
        );
        assert!(q.contract.starts_with(&q.underlying));
    }
    let put = quotes
        .iter()
        .map(|(_, _, q)| q)
        .find(|q| q.contract == "AAPL240503P00155000")
        .expect("the put");
    assert_eq!(
        put.id,
        format!("alpaca:indicative:AAPL240503P00155000:{T0}:q")
    );
    assert_eq!((put.bid_price, put.last_price), (1.55, Some(1.57)));
    assert_eq!(put.strike.thousandths, 155_000);

    // One quote moves, now (later polls ask only for what changed since the previous one,
    // by the wall clock); the next poll publishes it alone.
    let now = finstream_schemas::now_nanos();
    srv.fake
        .set_option_quote("AAPL", option_quote("AAPL240503P00155000", 1.60, now), None)
        .await;
    let mut more = Vec::new();
    for _ in 0..50 {
        let batch = reader
            .poll_batch(1_000, Duration::from_millis(100))
            .await
            .expect("poll");
        read(&mut more, batch);
        if !more.is_empty() {
            // Give a second poll the chance to publish (wrongly) again.
            tokio::time::sleep(Duration::from_millis(1_200)).await;
            read(
                &mut more,
                reader
                    .poll_batch(1_000, Duration::from_millis(100))
                    .await
                    .expect("poll"),
            );
            break;
        }
    }
    let moved: Vec<(&str, f64)> = more
        .iter()
        .map(|(_, _, q)| (q.contract.as_str(), q.bid_price))
        .collect();
    assert_eq!(moved, vec![("AAPL240503P00155000", 1.60)]);
    shutdown.cancel();
    let stats = poller.await.expect("joins").expect("runs");
    assert_eq!(stats.published, 22);
    assert!(stats.polls >= 2, "{stats:?}");
}

#[tokio::test]
async fn a_used_up_rate_limit_window_holds_the_next_request_until_it_resets() {
    use finstream_sources::alpaca::rest::ChainFilter;
    let srv = Fake::start().await;
    load_chain(&srv).await;
    srv.fake.page_size.store(10, Ordering::SeqCst);
    srv.fake.exhaust_window_next.store(1, Ordering::SeqCst);
    let rest = RestClient::new(&config(&srv)).expect("client");
    let all = rest
        .option_chain("AAPL", &ChainFilter::default(), "indicative", None)
        .await
        .expect("chain");
    assert_eq!(all.len(), 20);
    let times = srv.fake.request_times.lock().expect("times").clone();
    assert_eq!(times.len(), 2);
    // The reset is the next whole second, so the second page waits at least until then.
    let next_second = (times[0] / 1_000 + 1) * 1_000;
    assert!(
        times[1] >= next_second,
        "the second page went out at {} ms, before the window reset at {next_second} ms",
        times[1]
    );
}
