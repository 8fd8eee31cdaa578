//! One contract for the hot store, run against both backends: the embedded redb store
//! (always) and ScyllaDB, here the Cassandra 5 that `deploy/local/services.sh up
//! cassandra` starts (`FINSTREAM_TEST_CASSANDRA`; ignored by default, run by `make test`).

use finstream_schemas::{
    Bar, ChatAction, ChatMessage, Codec, DocumentChunk, DocumentIngest, Event, GreeksUpdate,
    IndicatorUpdate, OptionQuote, OptionRight, Quote, Strike, Trade,
};
use finstream_storage::hot::{ChatCursor, EmbeddedStore, HotStore, ScyllaConfig, ScyllaStore};

const DAY: i64 = 86_400_000_000_000;
const T0: i64 = 19_723 * DAY + 14 * 3_600_000_000_000; // 2024-01-01 14:00 UTC

fn trade(symbol: &str, t: i64, price: f64, n: u32) -> Event {
    Event::Trade(Trade {
        id: format!("{symbol}-t{n}"),
        symbol: symbol.into(),
        price,
        size: 100.0,
        event_time: t,
        trade_id: Some(i64::from(n)),
        exchange: Some("V".into()),
        conditions: vec!["@".into()],
        tape: Some("C".into()),
        source: "test".into(),
    })
}

fn quote(symbol: &str, t: i64, bid: f64) -> Event {
    Event::Quote(Quote {
        id: format!("{symbol}-q{t}"),
        symbol: symbol.into(),
        bid_price: bid,
        bid_size: 1.0,
        ask_price: bid + 0.01,
        ask_size: 2.0,
        event_time: t,
        bid_exchange: None,
        ask_exchange: None,
        conditions: vec![],
        tape: None,
        source: "test".into(),
    })
}

fn bar(symbol: &str, start: i64, close: f64, revision: i32) -> Event {
    Event::Bar(Bar {
        id: format!("{symbol}-1m-{start}-{revision}"),
        symbol: symbol.into(),
        timeframe: "1m".into(),
        start_time: start,
        end_time: start + 60_000_000_000,
        open: 1.0,
        high: 2.0,
        low: 0.5,
        close,
        volume: 10.0,
        trade_count: 3,
        vwap: 1.5,
        revision,
        event_time: start + 60_000_000_000 + i64::from(revision),
    })
}

fn option_quote(contract: &str, t: i64, bid: f64) -> Event {
    Event::OptionQuote(OptionQuote {
        id: format!("{contract}-{t}"),
        contract: contract.into(),
        underlying: "AAPL".into(),
        expiration: 19_800,
        strike: Strike::from_f64(190.0),
        right: OptionRight::Call,
        bid_price: bid,
        bid_size: 1.0,
        ask_price: bid + 0.1,
        ask_size: 1.0,
        last_price: None,
        volume: 10,
        open_interest: 100,
        event_time: t,
        source: "test".into(),
    })
}

fn greeks(contract: &str, t: i64, delta: f64) -> Event {
    Event::GreeksUpdate(GreeksUpdate {
        id: format!("{contract}-g{t}"),
        contract: contract.into(),
        underlying: "AAPL".into(),
        expiration: 19_800,
        strike: Strike::from_f64(190.0),
        right: OptionRight::Call,
        spot: 190.0,
        option_price: 5.0,
        rate: 0.05,
        dividend_yield: 0.0,
        time_to_expiry: 0.2,
        implied_volatility: Some(0.25),
        delta: Some(delta),
        gamma: Some(0.01),
        theta: Some(-0.05),
        vega: Some(0.3),
        rho: Some(0.1),
        vanna: None,
        charm: None,
        vomma: None,
        event_time: t,
    })
}

fn chat(room: &str, n: u32) -> Event {
    Event::ChatMessage(ChatMessage {
        id: format!("m{n:06}"),
        room: room.into(),
        user: "ana".into(),
        action: ChatAction::Post,
        role: "user".into(),
        content: format!("message {n}"),
        context_json: "{}".into(),
        target_id: None,
        thread_parent: None,
        event_time: T0 + i64::from(n),
    })
}

async fn contract(store: HotStore) {
    // Latest trade and quote: the newest event time wins, whatever the write order.
    store
        .write(&[
            trade("AAPL", T0 + 2, 101.0, 2),
            trade("AAPL", T0 + 1, 100.0, 1),
        ])
        .await
        .expect("write trades");
    store
        .write(&[trade("AAPL", T0, 99.0, 0)])
        .await
        .expect("write an older trade late");
    let latest = store
        .latest_trade("AAPL")
        .await
        .expect("latest")
        .expect("some");
    assert_eq!(latest.price, 101.0);
    assert!(store.latest_trade("NONE").await.expect("latest").is_none());
    store
        .write(&[quote("AAPL", T0 + 5, 10.0), quote("AAPL", T0 + 3, 9.0)])
        .await
        .expect("quotes");
    assert_eq!(
        store
            .latest_quote("AAPL")
            .await
            .expect("q")
            .expect("some")
            .bid_price,
        10.0
    );

    // Trades by time range, across a day boundary, with paging; writes are idempotent.
    let next_day = trade("AAPL", T0 + DAY, 102.0, 3);
    store
        .write(&[next_day.clone(), next_day])
        .await
        .expect("again");
    let all = store
        .trades("AAPL", T0 - DAY, T0 + 2 * DAY, None, 100)
        .await
        .expect("trades");
    let prices: Vec<f64> = all.iter().map(|t| t.price).collect();
    assert_eq!(prices, [99.0, 100.0, 101.0, 102.0]);
    let page1 = store
        .trades("AAPL", T0 - DAY, T0 + 2 * DAY, None, 2)
        .await
        .expect("page 1");
    let last = page1.last().expect("two");
    let page2 = store
        .trades(
            "AAPL",
            T0 - DAY,
            T0 + 2 * DAY,
            Some((last.event_time, last.id.clone())),
            2,
        )
        .await
        .expect("page 2");
    let ids: Vec<&str> = page1.iter().chain(&page2).map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["AAPL-t0", "AAPL-t1", "AAPL-t2", "AAPL-t3"]);
    let window = store
        .trades("AAPL", T0 + 1, T0 + 2, None, 10)
        .await
        .expect("window");
    assert_eq!(window.len(), 1, "the end of a range is exclusive");

    // Quotes by range.
    assert_eq!(
        store
            .quotes("AAPL", T0, T0 + DAY, None, 10)
            .await
            .expect("quotes")
            .len(),
        2
    );

    // Bars: the highest revision wins; the newest N or the oldest N.
    let minute = 60_000_000_000;
    let mut bars: Vec<Event> = (0..5)
        .map(|i| bar("AAPL", T0 + i * minute, i as f64, 0))
        .collect();
    bars.push(bar("AAPL", T0 + 4 * minute, 40.0, 2));
    bars.push(bar("AAPL", T0 + 4 * minute, 4.5, 1));
    store.write(&bars).await.expect("bars");
    let newest = store
        .bars("AAPL", "1m", T0, T0 + DAY, 2, true)
        .await
        .expect("bars");
    let closes: Vec<f64> = newest.iter().map(|b| b.close).collect();
    assert_eq!(closes, [3.0, 40.0]);
    let oldest = store
        .bars("AAPL", "1m", T0, T0 + DAY, 2, false)
        .await
        .expect("bars");
    assert_eq!(
        oldest.iter().map(|b| b.close).collect::<Vec<_>>(),
        [0.0, 1.0]
    );

    // Indicators: the latest per indicator.
    let ind = |name: &str, t: i64, v: f64| {
        Event::IndicatorUpdate(IndicatorUpdate {
            id: format!("{name}-{t}"),
            symbol: "AAPL".into(),
            timeframe: "1m".into(),
            indicator: name.into(),
            bar_start: t,
            values: [("value".to_string(), v)].into_iter().collect(),
            bar_revision: 0,
            event_time: t,
        })
    };
    store
        .write(&[
            ind("sma(20)", T0 + 2, 2.0),
            ind("sma(20)", T0 + 1, 1.0),
            ind("rsi(14)", T0, 50.0),
        ])
        .await
        .expect("indicators");
    let mut got = store.indicators("AAPL", "1m").await.expect("indicators");
    got.sort_by(|a, b| a.indicator.cmp(&b.indicator));
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].values["value"], 2.0);

    // The option chain: latest quote and Greeks per contract.
    store
        .write(&[
            option_quote("AAPL240119C00190000", T0 + 1, 5.0),
            option_quote("AAPL240119C00190000", T0, 4.0),
            option_quote("AAPL240119P00190000", T0, 3.0),
            greeks("AAPL240119C00190000", T0 + 1, 0.55),
            greeks("AAPL240119C00190000", T0, 0.5),
        ])
        .await
        .expect("chain");
    let chain = store.option_quotes("AAPL").await.expect("chain");
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].bid_price, 5.0);
    let g = store.greeks("AAPL").await.expect("greeks");
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].delta, Some(0.55));

    // Chat: pages by cursor.
    let messages: Vec<Event> = (1..=10).map(|n| chat("general", n)).collect();
    store.write(&messages).await.expect("chat");
    let page = store
        .chat("general", ChatCursor::Latest, 3)
        .await
        .expect("latest");
    assert_eq!(
        page.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["m000008", "m000009", "m000010"]
    );
    let before = store
        .chat("general", ChatCursor::Before("m000008".into()), 3)
        .await
        .expect("before");
    assert_eq!(
        before.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["m000005", "m000006", "m000007"]
    );
    let after = store
        .chat("general", ChatCursor::After("m000009".into()), 5)
        .await
        .expect("after");
    assert_eq!(after.len(), 1);
    assert!(
        store
            .chat("other", ChatCursor::Latest, 3)
            .await
            .expect("empty room")
            .is_empty()
    );
    // A retention cut removes the older events of that room only.
    store.write(&[chat("other", 1)]).await.expect("other room");
    store
        .delete_chat_before("general", "m000004")
        .await
        .expect("cut");
    let kept = store
        .chat("general", ChatCursor::Earliest, 20)
        .await
        .expect("kept");
    assert_eq!(kept.first().map(|m| m.id.as_str()), Some("m000004"));
    assert_eq!(kept.len(), 7);
    assert_eq!(
        store
            .chat("other", ChatCursor::Earliest, 5)
            .await
            .expect("other")
            .len(),
        1
    );

    // Documents and their chunks.
    store
        .write(&[
            Event::DocumentIngest(DocumentIngest {
                id: "doc1".into(),
                content_sha256: "abc".into(),
                location: "objects/doc1.pdf".into(),
                filename: "a.pdf".into(),
                media_type: "application/pdf".into(),
                size_bytes: 10,
                title: Some("Annual report".into()),
                tickers: vec!["AAPL".into()],
                tags: vec![],
                submitted_by: "ana".into(),
                event_time: T0,
            }),
            Event::DocumentChunk(DocumentChunk {
                id: "doc1-1".into(),
                document_id: "doc1".into(),
                chunk_index: 1,
                text: "second".into(),
                page: Some(2),
                start_offset: 10,
                end_offset: 20,
                embedding: vec![0.5; 4],
                model: "m".into(),
                title: None,
                tickers: vec![],
                tags: vec![],
                event_time: T0,
            }),
            Event::DocumentChunk(DocumentChunk {
                id: "doc1-0".into(),
                document_id: "doc1".into(),
                chunk_index: 0,
                text: "first".into(),
                page: Some(1),
                start_offset: 0,
                end_offset: 10,
                embedding: vec![0.25; 4],
                model: "m".into(),
                title: None,
                tickers: vec![],
                tags: vec![],
                event_time: T0,
            }),
        ])
        .await
        .expect("documents");
    let doc = store.document("doc1").await.expect("doc").expect("some");
    assert_eq!(doc.title.as_deref(), Some("Annual report"));
    let chunks = store.chunks("doc1").await.expect("chunks");
    assert_eq!(
        chunks.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
        ["first", "second"]
    );
    store.ping().await.expect("ping");
}

#[tokio::test]
async fn embedded_store_meets_the_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = EmbeddedStore::open(&dir.path().join("hot.redb")).expect("open");
    contract(HotStore::Embedded(store, Codec::embedded())).await;
}

#[tokio::test]
async fn embedded_store_backs_up_and_restores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hot.redb");
    let store = EmbeddedStore::open(&path).expect("open");
    let hot = HotStore::Embedded(store.clone(), Codec::embedded());
    hot.write(&[trade("AAPL", T0, 1.0, 0)])
        .await
        .expect("write");
    let backup = dir.path().join("backup.redb");
    assert_eq!(store.backup(backup.clone()).await.expect("backup"), 2);
    hot.write(&[trade("AAPL", T0 + 1, 2.0, 1)])
        .await
        .expect("write");
    drop(hot);
    drop(store);
    finstream_storage::hot::embedded::restore(&backup, &path).expect("restore");
    let store = EmbeddedStore::open(&path).expect("reopen");
    let hot = HotStore::Embedded(store, Codec::embedded());
    assert_eq!(
        hot.latest_trade("AAPL")
            .await
            .expect("latest")
            .expect("some")
            .price,
        1.0
    );
}

#[tokio::test]
#[ignore = "needs Cassandra: deploy/local/services.sh up cassandra, then FINSTREAM_TEST_CASSANDRA"]
async fn scylla_store_meets_the_contract() {
    let node = std::env::var("FINSTREAM_TEST_CASSANDRA").expect("FINSTREAM_TEST_CASSANDRA");
    let keyspace = format!("contract_{}", std::process::id());
    let store = ScyllaStore::connect(ScyllaConfig {
        nodes: vec![node],
        keyspace,
        ..ScyllaConfig::default()
    })
    .await
    .expect("connect");
    contract(HotStore::Scylla(store.clone(), Codec::embedded())).await;
    store.drop_keyspace().await.expect("drop");
}
