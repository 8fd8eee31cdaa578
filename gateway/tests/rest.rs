//! The REST API over HTTP against a real embedded hot store and Parquet history: paging
//! that neither skips nor repeats, timeframes built from stored bars, option chains with
//! Greeks, SQL, and the error model (`{"code","message"}` with the right status).

mod common;

use common::{open_config, start};
use finstream_bus::Bus;
use finstream_gateway::{Backends, GatewayConfig};
use finstream_schemas::{
    Bar, Codec, Event, GreeksUpdate, IndicatorUpdate, MarketEvent, MarketEventCategory,
    MarketEventDirection, OptionQuote, OptionRight, Quote, Strike, Trade,
};
use finstream_storage::hot::{EmbeddedStore, HotStore};
use finstream_storage::sql::{QueryLimits, SqlEngine};
use finstream_storage::{History, Table};
use serde_json::Value;
use std::collections::BTreeMap;
use tokio_util::sync::CancellationToken;

const MINUTE: i64 = 60_000_000_000;
const DAY: i64 = 86_400_000_000_000;
/// 2024-01-02 (a Tuesday) 14:30 UTC.
const T0: i64 = 19_724 * DAY + 14 * 60 * MINUTE + 30 * MINUTE;

fn minute_bar(symbol: &str, i: i64) -> Event {
    let close = 100.0 + i as f64 * 0.1;
    Event::Bar(Bar {
        id: format!("{symbol}-{i}"),
        symbol: symbol.into(),
        timeframe: "1m".into(),
        start_time: T0 + i * MINUTE,
        end_time: T0 + (i + 1) * MINUTE,
        open: close - 0.05,
        high: close + 0.2,
        low: close - 0.3,
        close,
        volume: 10.0 + i as f64,
        trade_count: 2,
        vwap: close - 0.01,
        revision: 0,
        event_time: T0 + (i + 1) * MINUTE - 1,
    })
}

fn trade(symbol: &str, t: i64, n: i64) -> Event {
    Event::Trade(Trade {
        id: format!("{symbol}-{n:05}"),
        symbol: symbol.into(),
        price: 100.0 + n as f64 * 0.01,
        size: 5.0,
        event_time: t,
        trade_id: Some(n),
        exchange: Some("V".into()),
        conditions: vec!["@".into()],
        tape: Some("C".into()),
        source: "test".into(),
    })
}

fn option(contract: &str, strike: f64, right: OptionRight, expiration: i32) -> [Event; 2] {
    let quote = OptionQuote {
        id: format!("{contract}-q"),
        contract: contract.into(),
        underlying: "AAPL".into(),
        expiration,
        strike: Strike::from_f64(strike),
        right,
        bid_price: 1.0,
        bid_size: 10.0,
        ask_price: 1.1,
        ask_size: 12.0,
        last_price: Some(1.05),
        volume: 100,
        open_interest: 1000,
        event_time: T0,
        source: "test".into(),
    };
    let delta = if right == OptionRight::Call {
        0.5
    } else {
        -0.5
    };
    let greeks = GreeksUpdate {
        id: format!("{contract}-g"),
        contract: contract.into(),
        underlying: "AAPL".into(),
        expiration,
        strike: Strike::from_f64(strike),
        right,
        spot: 100.0,
        option_price: 1.05,
        rate: 0.05,
        dividend_yield: 0.0,
        time_to_expiry: 0.1,
        implied_volatility: Some(0.25),
        delta: Some(delta),
        gamma: Some(0.04),
        theta: Some(-0.02),
        vega: Some(0.1),
        rho: Some(0.03),
        vanna: None,
        charm: None,
        vomma: None,
        event_time: T0,
    };
    [Event::OptionQuote(quote), Event::GreeksUpdate(greeks)]
}

struct Served {
    base: String,
    http: reqwest::Client,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn serve(with_backends: bool) -> Served {
    serve_with(with_backends, GatewayConfig::default().page_max).await
}

async fn serve_with(with_backends: bool, page_max: usize) -> Served {
    let dir = tempfile::tempdir().expect("tempdir");
    let codec = Codec::embedded();
    let backends = if with_backends {
        let store = EmbeddedStore::open(&dir.path().join("hot.redb")).expect("store");
        let store = HotStore::Embedded(store, codec.clone());
        let mut events: Vec<Event> = Vec::new();
        for i in 0..250 {
            events.push(minute_bar("AAPL", i));
        }
        for i in 0..40 {
            events.push(minute_bar("MSFT", i));
        }
        // Trades sharing times in pairs, so that paging has to use the id as well.
        for n in 0..95 {
            events.push(trade("AAPL", T0 + (n / 2) * 1_000_000, n));
        }
        events.push(Event::Quote(Quote {
            id: "q1".into(),
            symbol: "AAPL".into(),
            bid_price: 124.9,
            bid_size: 3.0,
            ask_price: 125.1,
            ask_size: 4.0,
            event_time: T0,
            bid_exchange: Some("Q".into()),
            ask_exchange: Some("V".into()),
            conditions: vec!["R".into()],
            tape: Some("C".into()),
            source: "test".into(),
        }));
        events.push(Event::IndicatorUpdate(IndicatorUpdate {
            id: "i1".into(),
            symbol: "AAPL".into(),
            timeframe: "1m".into(),
            indicator: "rsi(14)".into(),
            bar_start: T0,
            values: BTreeMap::from([("value".to_string(), 61.5)]),
            bar_revision: 0,
            event_time: T0,
        }));
        events.push(Event::MarketEvent(MarketEvent {
            id: "e1".into(),
            symbol: "AAPL".into(),
            timeframe: "1m".into(),
            bar_start: T0,
            category: MarketEventCategory::Movement,
            name: "gap_up".into(),
            direction: MarketEventDirection::Bullish,
            pattern_value: None,
            values: BTreeMap::new(),
            bar_revision: 0,
            retracted: false,
            event_time: T0,
        }));
        let exp = 19_800; // 2024-03-18
        events.extend(option("AAPL240318C00095000", 95.0, OptionRight::Call, exp));
        events.extend(option("AAPL240318P00095000", 95.0, OptionRight::Put, exp));
        events.extend(option("AAPL240318C00105000", 105.0, OptionRight::Call, exp));
        events.extend(option(
            "AAPL240419C00100000",
            100.0,
            OptionRight::Call,
            exp + 32,
        ));
        store.write(&events).await.expect("write");

        let history = History::local(&dir.path().join("history")).expect("history");
        let trades: Vec<Event> = (0..10).map(|n| trade("AAPL", T0 + n, n)).collect();
        history
            .write(Table::Trades, 0, 0, 0, 9, &trades)
            .await
            .expect("history write");
        Backends {
            store: Some(store),
            sql: Some(SqlEngine::new(history, QueryLimits::default())),
            ..Backends::default()
        }
    } else {
        Backends::default()
    };
    let config = GatewayConfig {
        page_max,
        ..open_config()
    };
    let shutdown = CancellationToken::new();
    let port = start(&config, Bus::memory(1000), backends, &shutdown).await;
    let base = format!("http://127.0.0.1:{port}");
    Served {
        base,
        http: reqwest::Client::new(),
        shutdown,
        _dir: dir,
    }
}

impl Served {
    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.expect("a JSON body"))
    }

    /// Every page of a paged request, following `next_page_token` until it is `null`.
    async fn pages(&self, path: &str) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let url = match &token {
                Some(t) => format!("{path}&page_token={t}"),
                None => path.to_string(),
            };
            let (status, body) = self.get(&url).await;
            assert_eq!(status, 200, "{body}");
            token = match &body["next_page_token"] {
                Value::Null => None,
                Value::String(t) => Some(t.clone()),
                other => panic!("next_page_token must be a string or null, not {other}"),
            };
            pages.push(body);
            if token.is_none() || pages.len() > 1000 {
                return pages;
            }
        }
    }

    async fn post(&self, path: &str, body: &str) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.expect("a JSON body"))
    }
}

const WINDOW: &str = "start=2024-01-02T00:00:00%2B00:00&end=2024-01-03T00:00:00Z";

fn assert_error(status: u16, body: &Value, want: u16, mentions: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["code"], want, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(mentions),
        "{message:?} should mention {mentions:?}"
    );
}

#[tokio::test]
async fn alpaca_bars_page_without_gaps_or_repeats_and_end_with_null() {
    let s = serve(true).await;
    let pages = s
        .pages(&format!(
            "/v2/stocks/AAPL/bars?timeframe=1Min&limit=100&{WINDOW}"
        ))
        .await;
    let mut times = Vec::new();
    for body in &pages {
        assert_eq!(body["symbol"], "AAPL");
        for b in body["bars"].as_array().expect("bars") {
            times.push(b["t"].as_str().expect("t").to_string());
            assert!(
                b["n"].is_i64() && b["vw"].is_f64() && b["o"].is_f64(),
                "{b}"
            );
        }
    }
    assert_eq!(pages.len(), 3);
    assert_eq!(times.len(), 250);
    assert!(times.windows(2).all(|w| w[0] < w[1]), "strictly increasing");
    assert_eq!(times[0], "2024-01-02T14:30:00.000000000Z");
}

#[tokio::test]
async fn the_page_cap_splits_large_requests_into_pages() {
    let s = serve_with(true, 30).await;
    let pages = s
        .pages(&format!(
            "/v2/stocks/bars?symbols=AAPL&timeframe=1Min&limit=10000&{WINDOW}"
        ))
        .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|body| body["bars"]["AAPL"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [30, 30, 30, 30, 30, 30, 30, 30, 10]);
}

#[tokio::test]
async fn multi_symbol_pages_count_the_limit_across_symbols() {
    let s = serve(true).await;
    let pages = s
        .pages(&format!(
            "/v2/stocks/bars?symbols=MSFT,AAPL&timeframe=1Min&limit=120&{WINDOW}"
        ))
        .await;
    let mut per_symbol: BTreeMap<String, usize> = BTreeMap::new();
    for body in &pages {
        let mut page = 0;
        for (sym, bars) in body["bars"].as_object().expect("bars by symbol") {
            let n = bars.as_array().map_or(0, Vec::len);
            *per_symbol.entry(sym.clone()).or_default() += n;
            page += n;
        }
        assert!(page <= 120);
    }
    assert_eq!(per_symbol.get("AAPL"), Some(&250));
    assert_eq!(per_symbol.get("MSFT"), Some(&40));
    assert_eq!(pages.len(), 3);
}

#[tokio::test]
async fn coarser_timeframes_are_built_from_minute_bars() {
    let s = serve(true).await;
    let (status, body) = s
        .get(&format!(
            "/v2/stocks/AAPL/bars?timeframe=2Min&limit=3&{WINDOW}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let bars = body["bars"].as_array().expect("bars");
    assert_eq!(bars.len(), 3);
    // Minute bars 0 and 1 make the first two-minute bar.
    let b = &bars[0];
    assert_eq!(b["t"], "2024-01-02T14:30:00.000000000Z");
    assert!((b["o"].as_f64().unwrap_or(0.0) - 99.95).abs() < 1e-9);
    assert!((b["c"].as_f64().unwrap_or(0.0) - 100.1).abs() < 1e-9);
    assert!((b["h"].as_f64().unwrap_or(0.0) - 100.3).abs() < 1e-9);
    assert!((b["v"].as_f64().unwrap_or(0.0) - 21.0).abs() < 1e-9);
    assert_eq!(b["n"], 4);
    let vwap = (99.99 * 10.0 + 100.09 * 11.0) / 21.0;
    assert!((b["vw"].as_f64().unwrap_or(0.0) - vwap).abs() < 1e-9);
    assert!(body["next_page_token"].is_string());
    // The whole window in 1-hour bars: 14:00 (half an hour), 15:00, 16:00, 17:00, 18:00.
    let (_, body) = s
        .get(&format!("/v2/stocks/AAPL/bars?timeframe=1Hour&{WINDOW}"))
        .await;
    assert_eq!(
        body["bars"].as_array().map(Vec::len),
        Some(0),
        "no stored 1h bars"
    );
    let (_, body) = s
        .get(&format!("/v1/bars/AAPL?timeframe=3Hour&{WINDOW}"))
        .await;
    assert_eq!(body["bars"].as_array().map(Vec::len), Some(0));
    let (_, body) = s
        .get(&format!("/v1/bars/AAPL?timeframe=30Min&{WINDOW}"))
        .await;
    let bars = body["bars"].as_array().expect("bars");
    assert_eq!(bars.len(), 9, "250 minutes from 14:30 span nine half hours");
    assert_eq!(bars[0]["start"], "2024-01-02T14:30:00.000000000Z");
    assert!(body["next_page_token"].is_null());
}

#[tokio::test]
async fn trades_page_by_time_and_id_when_times_repeat() {
    let s = serve(true).await;
    let mut ids = Vec::new();
    for body in s
        .pages(&format!("/v2/stocks/AAPL/trades?limit=10&{WINDOW}"))
        .await
    {
        for t in body["trades"].as_array().expect("trades") {
            ids.push(t["i"].as_i64().expect("i"));
            assert_eq!(t["x"], "V");
        }
    }
    assert_eq!(ids, (0..95).collect::<Vec<i64>>());
}

#[tokio::test]
async fn latest_and_snapshots_come_from_the_store() {
    let s = serve(true).await;
    let (status, body) = s.get("/v2/stocks/AAPL/quotes/latest").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["quote"]["as"], 4.0);
    assert_eq!(body["quote"]["bx"], "Q");
    let (_, body) = s.get("/v2/stocks/trades/latest?symbols=AAPL,ZZZZ").await;
    assert_eq!(body["trades"]["AAPL"]["i"], 94);
    assert!(body["trades"].get("ZZZZ").is_none());
    let (status, body) = s.get("/v2/stocks/ZZZZ/trades/latest").await;
    assert_error(status, &body, 404, "ZZZZ");
    let (status, body) = s.get("/v2/stocks/snapshots?symbols=AAPL").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["AAPL"]["latestTrade"]["i"], 94);
    assert_eq!(body["AAPL"]["latestQuote"]["bp"], 124.9);
    let (status, body) = s.get("/v1/snapshot/aapl").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["symbol"], "AAPL");
    assert_eq!(body["indicators"]["1m"]["rsi(14)"]["value"], 61.5);
}

#[tokio::test]
async fn option_chains_carry_greeks_and_filter() {
    let s = serve(true).await;
    let (status, body) = s.get("/v1beta1/options/snapshots/AAPL").await;
    assert_eq!(status, 200, "{body}");
    let snaps = body["snapshots"].as_object().expect("snapshots");
    assert_eq!(snaps.len(), 4);
    let c = &snaps["AAPL240318C00095000"];
    assert_eq!(c["greeks"]["delta"], 0.5);
    assert_eq!(c["impliedVolatility"], 0.25);
    assert_eq!(c["latestQuote"]["as"], 12.0);
    assert!(body["next_page_token"].is_null());
    let (_, body) = s
        .get("/v1beta1/options/snapshots/AAPL?type=put&strike_price_lte=100")
        .await;
    let keys: Vec<&String> = body["snapshots"].as_object().expect("map").keys().collect();
    assert_eq!(keys, ["AAPL240318P00095000"]);
    // Paging through the chain two at a time.
    let (_, first) = s.get("/v1beta1/options/snapshots/AAPL?limit=2").await;
    let token = first["next_page_token"]
        .as_str()
        .expect("a token")
        .to_string();
    let (_, second) = s
        .get(&format!(
            "/v1beta1/options/snapshots/AAPL?limit=2&page_token={token}"
        ))
        .await;
    let mut all: Vec<String> = first["snapshots"]
        .as_object()
        .expect("map")
        .keys()
        .cloned()
        .collect();
    all.extend(
        second["snapshots"]
            .as_object()
            .expect("map")
            .keys()
            .cloned(),
    );
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    let (status, body) = s
        .get("/v1/options/AAPL?expiration=2024-03-18&strike_min=100")
        .await;
    assert_eq!(status, 200, "{body}");
    let contracts = body["contracts"].as_array().expect("contracts");
    assert_eq!(contracts.len(), 1);
    assert_eq!(contracts[0]["contract"], "AAPL240318C00105000");
    assert_eq!(contracts[0]["type"], "call");
    assert_eq!(contracts[0]["vega"], 0.1);
    let (status, body) = s.get("/options/AAPL?type=straddle").await;
    assert_error(status, &body, 400, "call or put");
}

#[tokio::test]
async fn sql_answers_in_json_and_refuses_writes() {
    let s = serve(true).await;
    let (status, body) = s
        .post(
            "/v1/sql",
            r#"{"query":"SELECT count(*) AS n, max(price) AS top FROM trades WHERE symbol = 'AAPL'"}"#,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rows"][0]["n"], 10);
    assert_eq!(body["row_count"], 1);
    assert_eq!(body["columns"][0]["name"], "n");
    let (status, body) = s.post("/v1/sql", r#"{"query":"DROP TABLE trades"}"#).await;
    assert_error(status, &body, 400, "");
    let (status, body) = s.post("/v1/sql", r#"{"query":"SELEC 1"}"#).await;
    assert_error(status, &body, 400, "");
    let (status, body) = s
        .post("/v1/sql", r#"{"query":"SELECT 1","format":"xml"}"#)
        .await;
    assert_error(status, &body, 400, "csv");
    let (status, body) = s.post("/v1/sql", r#"{"sql":"SELECT 1"}"#).await;
    assert_error(status, &body, 400, "query");
    let r = s
        .http
        .post(format!("{}/v1/sql", s.base))
        .header("content-type", "application/json")
        .body(r#"{"query":"SELECT 1 AS one","format":"csv"}"#)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    assert_eq!(r.text().await.unwrap_or_default().trim(), "one\n1");
}

#[tokio::test]
async fn analyze_gathers_price_indicators_events_and_options_when_asked() {
    let s = serve(true).await;
    let (status, body) = s
        .post(
            "/v1/analyze",
            r#"{"symbol":"AAPL","query":"how is it trading?"}"#,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let price = body["latest_price"].as_f64().unwrap_or(0.0);
    assert!((price - 100.94).abs() < 1e-9, "{price}");
    assert!(body["options"].is_null());
    assert_eq!(body["snapshot"]["events"][0]["name"], "gap_up");
    assert_eq!(body["bars"].as_array().map(Vec::len), Some(30));
    assert_eq!(body["bars"][29]["start"], "2024-01-02T18:39:00.000000000Z");
    let summary = body["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("AAPL last 100.94") && summary.contains("rsi(14)"),
        "{summary}"
    );
    let (status, body) = s
        .post(
            "/analyze",
            r#"{"symbol":"AAPL","query":"what do the calls' greeks say?"}"#,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["options"]["contracts"].as_array().map(Vec::len),
        Some(4)
    );
    assert!(
        body["covers"]
            .as_array()
            .is_some_and(|c| c.contains(&Value::from("options")))
    );
    let (status, body) = s
        .post("/v1/analyze", r#"{"symbol":"NOPE","query":"x"}"#)
        .await;
    assert_error(status, &body, 404, "NOPE");
}

#[tokio::test]
async fn bad_requests_say_what_to_fix() {
    let s = serve(true).await;
    let cases = [
        ("/v2/stocks/AAPL/bars?timeframe=7Day", "timeframe"),
        (
            "/v2/stocks/AAPL/bars?limit=0",
            "limit must be between 1 and 10000",
        ),
        (
            "/v2/stocks/AAPL/bars?start=yesterday",
            "start must be RFC 3339",
        ),
        (
            "/v2/stocks/AAPL/bars?start=2024-01-03&end=2024-01-02",
            "is after end",
        ),
        ("/v2/stocks/AAPL/bars?page_token=garbage!", "page_token"),
        ("/v2/stocks/AAPL/trades?sort=desc", "sort=desc"),
        ("/v2/stocks/bars", "symbols is required"),
        ("/v2/stocks/bars?limit=ten&symbols=A", "query parameters"),
        ("/v1/bars/AAPL?timeframe=13s", "timeframe"),
        ("/v1/bars/AA%20PL", "not a symbol"),
        (
            "/v1/options/AAPL?strike_min=110&strike_max=100",
            "strike_min",
        ),
    ];
    for (path, mentions) in cases {
        let (status, body) = s.get(path).await;
        assert_error(status, &body, 400, mentions);
    }
    let (status, body) = s.get("/v9/nothing").await;
    assert_error(status, &body, 404, "openapi");
    let (status, body) = s.post("/v1/analyze", "{not json").await;
    assert_error(status, &body, 400, "request body");
}

#[tokio::test]
async fn without_a_store_the_endpoints_answer_503_and_say_why() {
    let s = serve(false).await;
    let (status, body) = s.get("/v2/stocks/AAPL/bars").await;
    assert_error(status, &body, 503, "hot store");
    let (status, body) = s.post("/v1/sql", r#"{"query":"SELECT 1"}"#).await;
    assert_error(status, &body, 503, "history");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let s = serve(false).await;
    let (status, doc) = s.get("/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/v1/bars/{symbol}",
        "/v1/snapshot/{symbol}",
        "/v1/options/{symbol}",
        "/v1/sql",
        "/v1/analyze",
        "/v2/stocks/{symbol}/bars",
        "/v2/stocks/bars",
        "/v2/stocks/snapshots",
        "/v1beta1/options/snapshots/{underlying}",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}
