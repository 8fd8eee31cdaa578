//! A local fake of Alpaca's market-data servers, following the published protocol
//! (`shared/alpaca-protocol.md`): the stream's handshake, auth by message or headers,
//! incremental subscriptions echoed whole, JSON or msgpack by `Content-Type`, every
//! documented error code; and the REST listings with `next_page_token` paging that ends
//! in JSON null, rate limiting with `X-RateLimit-*`, and key checks; option chain
//! snapshots with their filters, `updated_since` and paging. Tests drive it: push data,
//! drop every connection, go silent, send an error code, set option quotes.

#![allow(dead_code)]

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use finstream_schemas::alpaca::{
    self, CHANNEL_NAMES, Channels, ClientAction, Encoding, StreamMessage, StreamQuote, StreamTrade,
    format_rfc3339,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, broadcast};

pub const KEY: &str = "AKFAKE";
pub const SECRET: &str = "fake-secret";

/// One underlying's option chain: latest quote (and trade) per contract.
pub type Chain = BTreeMap<String, (StreamQuote, Option<StreamTrade>)>;

/// What a test can tell the fake to do.
#[derive(Debug, Clone)]
enum Control {
    Data(StreamMessage),
    DropAll,
    Error(i64, String),
}

#[derive(Debug)]
pub struct Fake {
    control: broadcast::Sender<Control>,
    /// REST trades per symbol, oldest first.
    pub trades: Mutex<BTreeMap<String, Vec<StreamTrade>>>,
    pub connections: AtomicUsize,
    pub total_connections: AtomicUsize,
    pub max_connections: AtomicUsize,
    pub symbol_limit: AtomicUsize,
    pub silent: AtomicBool,
    pub auth_timeout_ms: AtomicU32,
    /// Answer the next N REST requests with 429.
    pub rate_limit_next: AtomicU32,
    pub rest_requests: AtomicU32,
    /// Largest REST page, to make paging visible with little data.
    pub page_size: AtomicUsize,
    /// Feeds the account may use; others get 409.
    pub entitled_sip: AtomicBool,
    /// Latest quote (and trade) per option contract, by underlying.
    pub option_quotes: Mutex<BTreeMap<String, Chain>>,
    /// Answer the next N successful REST requests with `X-RateLimit-Remaining: 0` and a
    /// reset one second ahead (the window is used up, but this request went through).
    pub exhaust_window_next: AtomicU32,
    /// Unix time (ms) of every REST request, in order.
    pub request_times: std::sync::Mutex<Vec<u128>>,
}

pub struct Running {
    pub fake: Arc<Fake>,
    pub http: String,
    pub ws: String,
}

impl Fake {
    pub async fn start() -> Running {
        let (control, _) = broadcast::channel(10_000);
        let fake = Arc::new(Fake {
            control,
            trades: Mutex::new(BTreeMap::new()),
            connections: AtomicUsize::new(0),
            total_connections: AtomicUsize::new(0),
            max_connections: AtomicUsize::new(1),
            symbol_limit: AtomicUsize::new(30),
            silent: AtomicBool::new(false),
            auth_timeout_ms: AtomicU32::new(10_000),
            rate_limit_next: AtomicU32::new(0),
            rest_requests: AtomicU32::new(0),
            page_size: AtomicUsize::new(10_000),
            entitled_sip: AtomicBool::new(false),
            option_quotes: Mutex::new(BTreeMap::new()),
            exhaust_window_next: AtomicU32::new(0),
            request_times: std::sync::Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v2/{feed}", get(stream))
            .route("/v1beta1/{feed}", get(stream))
            .route("/v2/stocks/{symbol}/trades", get(trades))
            .route("/v2/stocks/bars", get(bars))
            .route(
                "/v1beta1/options/snapshots/{underlying}",
                get(option_snapshots),
            )
            .with_state(Arc::clone(&fake));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Running {
            fake,
            http: format!("http://{addr}"),
            ws: format!("ws://{addr}"),
        }
    }

    /// Sends a data message to every subscribed connection (and, for trades, records it
    /// for REST).
    pub async fn publish(&self, msg: StreamMessage) {
        if let StreamMessage::Trade(t) = &msg {
            self.trades
                .lock()
                .await
                .entry(t.symbol.clone())
                .or_default()
                .push(t.clone());
        }
        let _ = self.control.send(Control::Data(msg));
    }

    /// Records a trade for REST only, as if it happened while nobody was connected.
    pub async fn record_only(&self, t: StreamTrade) {
        self.trades
            .lock()
            .await
            .entry(t.symbol.clone())
            .or_default()
            .push(t);
    }

    /// Sets the latest quote (and trade) of an option contract of `underlying`.
    pub async fn set_option_quote(
        &self,
        underlying: &str,
        quote: StreamQuote,
        trade: Option<StreamTrade>,
    ) {
        self.option_quotes
            .lock()
            .await
            .entry(underlying.to_string())
            .or_default()
            .insert(quote.symbol.clone(), (quote, trade));
    }

    pub fn drop_all(&self) {
        let _ = self.control.send(Control::DropAll);
    }

    pub fn send_error(&self, code: i64, msg: &str) {
        let _ = self.control.send(Control::Error(code, msg.to_string()));
    }
}

fn frame(enc: Encoding, msgs: &[StreamMessage]) -> Message {
    let bytes = alpaca::encode_frame(msgs, enc);
    match enc {
        Encoding::Json => Message::Text(String::from_utf8_lossy(&bytes).into_owned().into()),
        Encoding::MsgPack => Message::Binary(bytes.into()),
    }
}

fn error(code: i64, msg: &str) -> StreamMessage {
    StreamMessage::Error {
        code,
        msg: msg.into(),
    }
}

async fn stream(
    State(fake): State<Arc<Fake>>,
    Path(feed): Path<String>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let enc = match headers.get("content-type").and_then(|v| v.to_str().ok()) {
        Some(ct) if ct.contains("msgpack") => Encoding::MsgPack,
        _ => Encoding::Json,
    };
    let header_auth = match (
        headers.get("APCA-API-KEY-ID"),
        headers.get("APCA-API-SECRET-KEY"),
    ) {
        (Some(k), Some(s)) => Some((
            k.to_str().unwrap_or("").to_string(),
            s.to_str().unwrap_or("").to_string(),
        )),
        _ => None,
    };
    ws.on_upgrade(move |socket| session(fake, feed, enc, header_auth, socket))
}

async fn session(
    fake: Arc<Fake>,
    feed: String,
    enc: Encoding,
    header_auth: Option<(String, String)>,
    mut socket: WebSocket,
) {
    let options = feed == "indicative" || feed == "opra";
    let mut control = fake.control.subscribe();
    fake.total_connections.fetch_add(1, Ordering::SeqCst);
    let n = fake.connections.fetch_add(1, Ordering::SeqCst) + 1;
    async {
        if n > fake.max_connections.load(Ordering::SeqCst) {
            let _ = socket
                .send(frame(enc, &[error(406, "connection limit exceeded")]))
                .await;
            return;
        }
        if options && enc != Encoding::MsgPack {
            let _ = socket
                .send(frame(
                    enc,
                    &[error(
                        412,
                        "option messages are only available in MsgPack format",
                    )],
                ))
                .await;
            return;
        }
        if socket
            .send(frame(
                enc,
                &[StreamMessage::Success {
                    msg: "connected".into(),
                }],
            ))
            .await
            .is_err()
        {
            return;
        }
        let mut authenticated = false;
        if let Some((k, s)) = header_auth {
            if k == KEY && s == SECRET {
                authenticated = true;
                let _ = socket
                    .send(frame(
                        enc,
                        &[StreamMessage::Success {
                            msg: "authenticated".into(),
                        }],
                    ))
                    .await;
            } else {
                let _ = socket.send(frame(enc, &[error(402, "auth failed")])).await;
                return;
            }
        }
        let auth_deadline = tokio::time::Instant::now()
            + Duration::from_millis(u64::from(fake.auth_timeout_ms.load(Ordering::SeqCst)));
        let mut subs = Channels::default();
        loop {
            if fake.silent.load(Ordering::SeqCst) {
                // A dead peer: read nothing, answer nothing, until the client gives up.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            let incoming = tokio::select! {
                m = socket.recv() => m,
                c = control.recv() => {
                    match c {
                        Ok(Control::Data(m)) if authenticated && wants(&subs, &m) => {
                            let sent = socket.send(frame(enc, &[m])).await;
                            if sent.is_err() { return; }
                        }
                        Ok(Control::DropAll) => return,
                        Ok(Control::Error(code, msg)) => {
                            let _ = socket.send(frame(enc, &[error(code, &msg)])).await;
                            if code == 407 || code == 500 { return; }
                        }
                        _ => {}
                    }
                    continue;
                }
                _ = tokio::time::sleep_until(auth_deadline), if !authenticated => {
                    let _ = socket.send(frame(enc, &[error(404, "auth timeout")])).await;
                    return;
                }
            };
            let bytes = match incoming {
                Some(Ok(Message::Text(t))) => t.as_bytes().to_vec(),
                Some(Ok(Message::Binary(b))) => b.to_vec(),
                Some(Ok(_)) => continue,
                _ => return,
            };
            let action = match alpaca::decode_action(&bytes, enc) {
                Ok(a) => a,
                Err(_) => {
                    let _ = socket
                        .send(frame(enc, &[error(400, "invalid syntax")]))
                        .await;
                    continue;
                }
            };
            let reply = match action {
                ClientAction::Auth { .. } if authenticated => error(403, "already authenticated"),
                ClientAction::Auth { key, secret } if key == KEY && secret == SECRET => {
                    authenticated = true;
                    StreamMessage::Success {
                        msg: "authenticated".into(),
                    }
                }
                ClientAction::Auth { .. } => {
                    let _ = socket.send(frame(enc, &[error(402, "auth failed")])).await;
                    return;
                }
                _ if !authenticated => error(401, "not authenticated"),
                ClientAction::Subscribe(_)
                    if feed == "sip" && !fake.entitled_sip.load(Ordering::SeqCst) =>
                {
                    error(409, "insufficient subscription")
                }
                ClientAction::Subscribe(c)
                    if options
                        && (!c.bars.is_empty()
                            || !c.statuses.is_empty()
                            || !c.daily_bars.is_empty()) =>
                {
                    error(410, "invalid subscribe action for this feed")
                }
                ClientAction::Subscribe(c) if options && c.quotes.iter().any(|s| s == "*") => {
                    error(413, "star subscription is not allowed for option quotes")
                }
                ClientAction::Subscribe(c) => {
                    let mut next = subs.clone();
                    for name in CHANNEL_NAMES {
                        if let (Some(add), Some(slot)) = (c.get(name), next.get_mut(name)) {
                            for s in add {
                                if !slot.contains(s) {
                                    slot.push(s.clone());
                                }
                            }
                        }
                    }
                    // Subscribing to trades brings corrections and cancel errors along.
                    next.corrections = next.trades.clone();
                    next.cancel_errors = next.trades.clone();
                    let symbols: std::collections::HashSet<&String> = CHANNEL_NAMES
                        .iter()
                        .filter_map(|n| next.get(n))
                        .flatten()
                        .collect();
                    if symbols.len() > fake.symbol_limit.load(Ordering::SeqCst) {
                        error(405, "symbol limit exceeded")
                    } else {
                        subs = next;
                        StreamMessage::Subscription(subs.clone())
                    }
                }
                ClientAction::Unsubscribe(c) => {
                    for name in CHANNEL_NAMES {
                        if let (Some(gone), Some(slot)) = (c.get(name), subs.get_mut(name)) {
                            slot.retain(|s| !gone.contains(s));
                        }
                    }
                    subs.corrections = subs.trades.clone();
                    subs.cancel_errors = subs.trades.clone();
                    StreamMessage::Subscription(subs.clone())
                }
            };
            if socket.send(frame(enc, &[reply])).await.is_err() {
                return;
            }
        }
    }
    .await;
    fake.connections.fetch_sub(1, Ordering::SeqCst);
}

fn wants(subs: &Channels, m: &StreamMessage) -> bool {
    let (channel, symbol) = match m {
        StreamMessage::Trade(t) => ("trades", &t.symbol),
        StreamMessage::Quote(q) => ("quotes", &q.symbol),
        StreamMessage::Bar {
            kind: alpaca::BarKind::Minute,
            bar,
        } => ("bars", &bar.symbol),
        StreamMessage::Bar {
            kind: alpaca::BarKind::Updated,
            bar,
        } => ("updatedBars", &bar.symbol),
        StreamMessage::Bar {
            kind: alpaca::BarKind::Daily,
            bar,
        } => ("dailyBars", &bar.symbol),
        StreamMessage::Status(s) => ("statuses", &s.symbol),
        _ => return false,
    };
    subs.get(channel)
        .is_some_and(|l| l.iter().any(|s| s == "*" || s == symbol))
}

fn rest_auth(headers: &HeaderMap) -> Option<Response> {
    let key = headers.get("APCA-API-KEY-ID").and_then(|v| v.to_str().ok());
    let secret = headers
        .get("APCA-API-SECRET-KEY")
        .and_then(|v| v.to_str().ok());
    if key == Some(KEY) && secret == Some(SECRET) {
        None
    } else {
        Some(
            (
                StatusCode::UNAUTHORIZED,
                Json(serde_json::json!({"code": 40110000, "message": "request is not authorized"})),
            )
                .into_response(),
        )
    }
}

fn rate_limited(fake: &Fake) -> Option<Response> {
    fake.rest_requests.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut times) = fake.request_times.lock() {
        times.push(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0),
        );
    }
    let left = fake.rate_limit_next.load(Ordering::SeqCst);
    if left == 0 {
        return None;
    }
    fake.rate_limit_next.store(left - 1, Ordering::SeqCst);
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() + 1)
        .unwrap_or(0);
    let mut resp = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(serde_json::json!({"code": 42910000, "message": "rate limit exceeded"})),
    )
        .into_response();
    let h = resp.headers_mut();
    h.insert("X-RateLimit-Limit", "200".parse().expect("header"));
    h.insert("X-RateLimit-Remaining", "0".parse().expect("header"));
    h.insert(
        "X-RateLimit-Reset",
        reset.to_string().parse().expect("header"),
    );
    Some(resp)
}

fn time_param(q: &HashMap<String, String>, key: &str) -> Result<Option<i64>, Box<Response>> {
    match q.get(key) {
        None => Ok(None),
        Some(s) => alpaca::parse_rfc3339(s).map(Some).map_err(|e| {
            Box::new(
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(serde_json::json!({"code": 42210000, "message": e.to_string()})),
                )
                    .into_response(),
            )
        }),
    }
}

fn trade_json(t: &StreamTrade) -> serde_json::Value {
    serde_json::json!({"t": format_rfc3339(t.time), "x": t.exchange, "p": t.price, "s": t.size, "c": t.conditions, "i": t.id, "z": t.tape})
}

async fn trades(
    State(fake): State<Arc<Fake>>,
    Path(symbol): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = rest_auth(&headers).or_else(|| rate_limited(&fake)) {
        return r;
    }
    if q.get("feed").is_some_and(|f| f == "sip") && !fake.entitled_sip.load(Ordering::SeqCst) {
        return (StatusCode::FORBIDDEN, Json(serde_json::json!({"code": 40310000, "message": "subscription does not permit querying recent SIP data"}))).into_response();
    }
    let (start, end) = match (time_param(&q, "start"), time_param(&q, "end")) {
        (Ok(s), Ok(e)) => (s.unwrap_or(i64::MIN), e.unwrap_or(i64::MAX)),
        (Err(r), _) | (_, Err(r)) => return *r,
    };
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(1000)
        .min(fake.page_size.load(Ordering::SeqCst));
    let skip: usize = q
        .get("page_token")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let all: Vec<StreamTrade> = fake
        .trades
        .lock()
        .await
        .get(&symbol)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t.time >= start && t.time <= end)
        .collect();
    let page: Vec<serde_json::Value> = all.iter().skip(skip).take(limit).map(trade_json).collect();
    let next = if skip + limit < all.len() {
        serde_json::Value::from((skip + limit).to_string())
    } else {
        serde_json::Value::Null
    };
    Json(serde_json::json!({"trades": page, "symbol": symbol, "next_page_token": next}))
        .into_response()
}

async fn bars(
    State(fake): State<Arc<Fake>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = rest_auth(&headers).or_else(|| rate_limited(&fake)) {
        return r;
    }
    // One bar per minute per symbol from the recorded trades is enough for paging tests.
    let symbols: Vec<String> = q
        .get("symbols")
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(1000)
        .min(fake.page_size.load(Ordering::SeqCst));
    let skip: usize = q
        .get("page_token")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let trades = fake.trades.lock().await;
    let mut rows: Vec<(String, serde_json::Value)> = Vec::new();
    for s in &symbols {
        for t in trades.get(s).into_iter().flatten() {
            rows.push((s.clone(), serde_json::json!({"t": format_rfc3339(t.time), "o": t.price, "h": t.price, "l": t.price, "c": t.price, "v": t.size, "n": 1, "vw": t.price})));
        }
    }
    let mut out: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for (s, b) in rows.iter().skip(skip).take(limit) {
        out.entry(s.clone()).or_default().push(b.clone());
    }
    let next = if skip + limit < rows.len() {
        serde_json::Value::from((skip + limit).to_string())
    } else {
        serde_json::Value::Null
    };
    Json(serde_json::json!({"bars": out, "next_page_token": next})).into_response()
}

fn unprocessable(message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(serde_json::json!({"code": 42210000, "message": message})),
    )
        .into_response()
}

fn quote_json(q: &StreamQuote) -> serde_json::Value {
    serde_json::json!({"t": format_rfc3339(q.time), "ax": q.ask_exchange, "ap": q.ask_price, "as": q.ask_size, "bx": q.bid_exchange, "bp": q.bid_price, "bs": q.bid_size, "c": q.conditions.first().cloned().unwrap_or_default()})
}

/// `YYYY-MM-DD` of an OCC symbol's expiry, and its C or P.
fn occ_parts(contract: &str) -> Option<(String, char, f64, String)> {
    let tail = contract.len().checked_sub(15)?;
    let (root, rest) = contract.split_at(tail);
    let date = format!("20{}-{}-{}", &rest[0..2], &rest[2..4], &rest[4..6]);
    let right = rest[6..7].chars().next()?;
    let strike = rest[7..].parse::<f64>().ok()? / 1000.0;
    Some((date, right, strike, root.to_string()))
}

/// `/v1beta1/options/snapshots/{underlying}`: filters, `updated_since`, pages of at most
/// `limit` (1 to 1000) contracts in symbol order, `next_page_token` null on the last.
async fn option_snapshots(
    State(fake): State<Arc<Fake>>,
    Path(underlying): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = rest_auth(&headers).or_else(|| rate_limited(&fake)) {
        return r;
    }
    if let Some(feed) = q.get("feed")
        && feed != "indicative"
        && feed != "opra"
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"code": 40010001, "message": "invalid feed"})),
        )
            .into_response();
    }
    let limit: usize = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 100,
        Some(Ok(l)) if (1..=1000).contains(&l) => l,
        Some(_) => return unprocessable("invalid limit: must be between 1 and 1000"),
    };
    let limit = limit.min(fake.page_size.load(Ordering::SeqCst));
    let kind = match q.get("type").map(String::as_str) {
        None => None,
        Some("call") => Some('C'),
        Some("put") => Some('P'),
        Some(_) => return unprocessable("invalid type: must be call or put"),
    };
    let number = |key: &str| q.get(key).map(|v| v.parse::<f64>());
    let (gte, lte) = match (number("strike_price_gte"), number("strike_price_lte")) {
        (Some(Err(_)), _) | (_, Some(Err(_))) => return unprocessable("invalid strike price"),
        (a, b) => (a.and_then(Result::ok), b.and_then(Result::ok)),
    };
    let updated_since = match time_param(&q, "updated_since") {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let quotes = fake.option_quotes.lock().await;
    let matching: Vec<(&String, &(StreamQuote, Option<StreamTrade>))> = quotes
        .get(&underlying)
        .into_iter()
        .flatten()
        .filter(|(contract, (quote, trade))| {
            let Some((date, right, strike, root)) = occ_parts(contract) else {
                return false;
            };
            let updated = quote.time.max(trade.as_ref().map_or(i64::MIN, |t| t.time));
            kind.is_none_or(|k| k == right)
                && gte.is_none_or(|g| strike >= g)
                && lte.is_none_or(|l| strike <= l)
                && q.get("expiration_date").is_none_or(|d| *d == date)
                && q.get("expiration_date_gte").is_none_or(|d| date >= *d)
                && q.get("expiration_date_lte").is_none_or(|d| date <= *d)
                && q.get("root_symbol").is_none_or(|r| *r == root)
                && updated_since.is_none_or(|since| updated >= since)
        })
        .filter(|(contract, _)| {
            q.get("page_token")
                .is_none_or(|after| contract.as_str() > after.as_str())
        })
        .collect();
    let mut snapshots = serde_json::Map::new();
    for (contract, (quote, trade)) in matching.iter().take(limit) {
        let mut snap = serde_json::json!({
            "greeks": {"delta": 0.5, "gamma": 0.01, "rho": 0.01, "theta": -0.02, "vega": 0.1},
            "impliedVolatility": 0.3,
            "latestQuote": quote_json(quote),
        });
        if let Some(t) = trade {
            snap["latestTrade"] = trade_json(t);
        }
        snapshots.insert((*contract).clone(), snap);
    }
    let next = if matching.len() > limit {
        serde_json::Value::from(matching[limit - 1].0.clone())
    } else {
        serde_json::Value::Null
    };
    let mut resp =
        Json(serde_json::json!({"snapshots": snapshots, "next_page_token": next})).into_response();
    let exhausted = fake.exhaust_window_next.load(Ordering::SeqCst);
    if exhausted > 0 {
        fake.exhaust_window_next
            .store(exhausted - 1, Ordering::SeqCst);
        let reset = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() + 1)
            .unwrap_or(0);
        let h = resp.headers_mut();
        h.insert("X-RateLimit-Limit", "200".parse().expect("header"));
        h.insert("X-RateLimit-Remaining", "0".parse().expect("header"));
        h.insert(
            "X-RateLimit-Reset",
            reset.to_string().parse().expect("header"),
        );
    }
    resp
}
