//! Alpaca's market-data REST API (`/v2/stocks/...`, `/v1beta1/options/snapshots/...`)
//! served from finstream's own hot store, so that Alpaca's SDKs work when pointed at
//! finstream. Shapes, parameters and paging follow `../shared/alpaca-protocol.md`:
//! `limit` is a page size across all symbols, `next_page_token` ends as JSON `null`.

use super::params::{self, PageToken, Params, Timeframe, now_nanos, window};
use super::{Store, bars_grouped};
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, State};
use finstream_schemas::alpaca::format_rfc3339;
use finstream_schemas::{Bar, GreeksUpdate, OptionQuote, OptionRight, Quote, Trade};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Symbols one multi-symbol request may name.
const MAX_SYMBOLS: usize = 1000;
/// Alpaca's page sizes: 1,000 by default, at most 10,000.
const DEFAULT_LIMIT: usize = 1000;
const MAX_LIMIT: usize = 10_000;
/// Without `start`, history requests cover the last day, as Alpaca's.
const DEFAULT_SPAN: i64 = params::NANOS_PER_DAY;

/// A trade as Alpaca lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlpacaTrade {
    /// Time, RFC 3339 with nanoseconds.
    t: String,
    /// Exchange code.
    x: String,
    /// Price.
    p: f64,
    /// Size.
    s: f64,
    /// Condition codes.
    c: Vec<String>,
    /// Trade id.
    i: i64,
    /// Tape.
    z: String,
}

/// A quote as Alpaca lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlpacaQuote {
    t: String,
    bx: String,
    bp: f64,
    bs: f64,
    ax: String,
    ap: f64,
    #[serde(rename = "as")]
    #[schema(rename = "as")]
    ask_size: f64,
    c: Vec<String>,
    z: String,
}

/// A bar as Alpaca lists it; `t` is its start.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlpacaBar {
    t: String,
    o: f64,
    h: f64,
    l: f64,
    c: f64,
    v: f64,
    n: i64,
    vw: f64,
}

fn trade(t: &Trade) -> AlpacaTrade {
    AlpacaTrade {
        t: format_rfc3339(t.event_time),
        x: t.exchange.clone().unwrap_or_default(),
        p: t.price,
        s: t.size,
        c: t.conditions.clone(),
        i: t.trade_id.unwrap_or(0),
        z: t.tape.clone().unwrap_or_default(),
    }
}

fn quote(q: &Quote) -> AlpacaQuote {
    AlpacaQuote {
        t: format_rfc3339(q.event_time),
        bx: q.bid_exchange.clone().unwrap_or_default(),
        bp: q.bid_price,
        bs: q.bid_size,
        ax: q.ask_exchange.clone().unwrap_or_default(),
        ap: q.ask_price,
        ask_size: q.ask_size,
        c: q.conditions.clone(),
        z: q.tape.clone().unwrap_or_default(),
    }
}

pub(super) fn bar(b: &Bar) -> AlpacaBar {
    AlpacaBar {
        t: format_rfc3339(b.start_time),
        o: b.open,
        h: b.high,
        l: b.low,
        c: b.close,
        v: b.volume,
        n: b.trade_count,
        vw: b.vwap,
    }
}

/// Parameters of the history endpoints (`bars`, `trades`, `quotes`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Comma-separated symbols (multi-symbol endpoints only).
    symbols: Option<String>,
    /// Bars only: `{N}Min`, `{N}Hour`, `1Day`, `1Week`, `{1,2,3,6,12}Month`. Default `1Day`.
    timeframe: Option<String>,
    /// Inclusive start, RFC 3339 or a date; default one day before `end`.
    start: Option<String>,
    /// Inclusive end, RFC 3339 or a date; default now.
    end: Option<String>,
    /// Page size across all symbols, 1 to 10,000; default 1,000.
    limit: Option<i64>,
    /// `next_page_token` of the previous page.
    page_token: Option<String>,
    /// `asc` (default); `desc` is not served yet.
    sort: Option<String>,
    /// Accepted and ignored: finstream serves its one feed.
    #[allow(dead_code)]
    feed: Option<String>,
    /// Accepted and ignored: finstream's bars are not adjusted for splits.
    #[allow(dead_code)]
    adjustment: Option<String>,
    /// Accepted and ignored.
    #[allow(dead_code)]
    asof: Option<String>,
    /// Accepted and ignored.
    #[allow(dead_code)]
    currency: Option<String>,
}

/// What a history request asks for, checked.
struct History {
    symbols: Vec<String>,
    from: i64,
    to: i64,
    limit: usize,
    token: Option<PageToken>,
}

impl HistoryQuery {
    fn checked(&self, one: Option<String>, page_max: usize) -> Result<History, ApiError> {
        if let Some(sort) = &self.sort
            && sort != "asc"
        {
            return Err(ApiError::BadRequest(format!(
                "sort={sort} is not served: finstream pages oldest first (sort=asc)"
            )));
        }
        let symbols = match one {
            Some(s) => vec![params::symbol(&s)?],
            None => params::symbols(self.symbols.as_deref(), MAX_SYMBOLS)?,
        };
        let (from, to) = window(self.start.as_deref(), self.end.as_deref(), DEFAULT_SPAN)?;
        let token = self
            .page_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(PageToken::decode)
            .transpose()?;
        if let Some(t) = &token
            && !symbols.contains(&t.symbol)
        {
            return Err(ApiError::BadRequest(
                "page_token belongs to another request: repeat the same parameters with it".into(),
            ));
        }
        Ok(History {
            symbols,
            from,
            to,
            limit: params::limit(self.limit, DEFAULT_LIMIT, MAX_LIMIT)?.min(page_max.max(1)),
            token,
        })
    }
}

/// The symbols of a page and where each starts: the token's symbol at the token, later
/// ones at `from`.
fn page_plan(h: &History) -> impl Iterator<Item = (&String, Option<&PageToken>)> {
    h.symbols
        .iter()
        .filter(move |s| h.token.as_ref().is_none_or(|t| **s >= t.symbol))
        .map(move |s| (s, h.token.as_ref().filter(|t| t.symbol == *s)))
}

/// One page of bars across symbols.
async fn bars_page(
    store: &Store,
    h: &History,
    tf: Timeframe,
) -> Result<(BTreeMap<String, Vec<AlpacaBar>>, Option<String>), ApiError> {
    let mut out = BTreeMap::new();
    let mut room = h.limit;
    for (symbol, token) in page_plan(h) {
        if room == 0 {
            return Ok((out, Some(next(symbol, h.from, ""))));
        }
        let from = token.map_or(h.from, |t| t.time);
        let (bars, next_start) = bars_grouped(store, symbol, tf, from, h.to, room).await?;
        room -= bars.len();
        if !bars.is_empty() {
            out.insert(symbol.clone(), bars.iter().map(bar).collect());
        }
        if let Some(start) = next_start {
            return Ok((out, Some(next(symbol, start, ""))));
        }
    }
    Ok((out, None))
}

fn next(symbol: &str, time: i64, id: &str) -> String {
    PageToken {
        symbol: symbol.to_string(),
        time,
        id: id.to_string(),
    }
    .encode()
}

/// A store read in flight (boxed: closures returning borrowed futures are not `Send`
/// for every lifetime, which axum's handlers need).
type Fetch<T> = futures::future::BoxFuture<'static, Result<Vec<T>, ApiError>>;

/// Trades or quotes: one page across symbols, paged after the last (time, id).
async fn ticks_page<T, W>(
    h: &History,
    fetch: impl Fn(String, i64, i64, Option<(i64, String)>, usize) -> Fetch<T>,
    key: impl Fn(&T) -> (i64, String),
    wire: impl Fn(&T) -> W,
) -> Result<(BTreeMap<String, Vec<W>>, Option<String>), ApiError> {
    let mut out = BTreeMap::new();
    let mut room = h.limit;
    for (symbol, token) in page_plan(h) {
        if room == 0 {
            return Ok((out, Some(next(symbol, h.from, ""))));
        }
        let after = token.map(|t| (t.time, t.id.clone()));
        // The token of a later symbol starts at `from`: nothing to skip there.
        let after = after.filter(|(_, id)| !id.is_empty());
        let mut rows = fetch(symbol.clone(), h.from, h.to, after, room + 1).await?;
        let more = rows.len() > room;
        rows.truncate(room);
        room -= rows.len();
        let last = rows.last().map(&key);
        if !rows.is_empty() {
            out.insert(symbol.clone(), rows.iter().map(&wire).collect());
        }
        if more && let Some((time, id)) = last {
            return Ok((out, Some(next(symbol, time, &id))));
        }
    }
    Ok((out, None))
}

async fn trades_page(
    store: &Store,
    h: &History,
) -> Result<(BTreeMap<String, Vec<AlpacaTrade>>, Option<String>), ApiError> {
    let store = store.get()?.clone();
    ticks_page(
        h,
        |s, from, to, after, n| {
            let store = store.clone();
            Box::pin(async move { Ok(store.trades(&s, from, to, after, n).await?) })
        },
        |t: &Trade| (t.event_time, t.id.clone()),
        trade,
    )
    .await
}

async fn quotes_page(
    store: &Store,
    h: &History,
) -> Result<(BTreeMap<String, Vec<AlpacaQuote>>, Option<String>), ApiError> {
    let store = store.get()?.clone();
    ticks_page(
        h,
        |s, from, to, after, n| {
            let store = store.clone();
            Box::pin(async move { Ok(store.quotes(&s, from, to, after, n).await?) })
        },
        |q: &Quote| (q.event_time, q.id.clone()),
        quote,
    )
    .await
}

/// Bars of one symbol.
#[derive(Debug, Serialize, ToSchema)]
pub struct BarsResponse {
    bars: Vec<AlpacaBar>,
    symbol: String,
    /// The token of the next page; `null` on the last page.
    next_page_token: Option<String>,
}

/// Bars of several symbols, by symbol.
#[derive(Debug, Serialize, ToSchema)]
pub struct MultiBarsResponse {
    bars: BTreeMap<String, Vec<AlpacaBar>>,
    next_page_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TradesResponse {
    trades: Vec<AlpacaTrade>,
    symbol: String,
    next_page_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MultiTradesResponse {
    trades: BTreeMap<String, Vec<AlpacaTrade>>,
    next_page_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuotesResponse {
    quotes: Vec<AlpacaQuote>,
    symbol: String,
    next_page_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MultiQuotesResponse {
    quotes: BTreeMap<String, Vec<AlpacaQuote>>,
    next_page_token: Option<String>,
}

fn timeframe(q: &HistoryQuery) -> Result<Timeframe, ApiError> {
    Timeframe::parse_alpaca(q.timeframe.as_deref().unwrap_or("1Day"))
}

/// Bars of one symbol, oldest first, paged.
#[utoipa::path(get, path = "/v2/stocks/{symbol}/bars", tag = "alpaca",
    params(("symbol" = String, Path, description = "Ticker"), HistoryQuery),
    responses((status = 200, body = BarsResponse), (status = 400, body = ErrorBody)))]
pub async fn stock_bars(
    State(store): State<Store>,
    Path(symbol): Path<String>,
    Params(q): Params<HistoryQuery>,
) -> Result<Json<BarsResponse>, ApiError> {
    let h = q.checked(Some(symbol), store.page_max)?;
    let (mut bars, next_page_token) = bars_page(&store, &h, timeframe(&q)?).await?;
    let symbol = h.symbols[0].clone();
    Ok(Json(BarsResponse {
        bars: bars.remove(&symbol).unwrap_or_default(),
        symbol,
        next_page_token,
    }))
}

/// Bars of several symbols, paged across them.
#[utoipa::path(get, path = "/v2/stocks/bars", tag = "alpaca", params(HistoryQuery),
    responses((status = 200, body = MultiBarsResponse), (status = 400, body = ErrorBody)))]
pub async fn stocks_bars(
    State(store): State<Store>,
    Params(q): Params<HistoryQuery>,
) -> Result<Json<MultiBarsResponse>, ApiError> {
    let h = q.checked(None, store.page_max)?;
    let (bars, next_page_token) = bars_page(&store, &h, timeframe(&q)?).await?;
    Ok(Json(MultiBarsResponse {
        bars,
        next_page_token,
    }))
}

/// Trades of one symbol, oldest first, paged.
#[utoipa::path(get, path = "/v2/stocks/{symbol}/trades", tag = "alpaca",
    params(("symbol" = String, Path, description = "Ticker"), HistoryQuery),
    responses((status = 200, body = TradesResponse), (status = 400, body = ErrorBody)))]
pub async fn stock_trades(
    State(store): State<Store>,
    Path(symbol): Path<String>,
    Params(q): Params<HistoryQuery>,
) -> Result<Json<TradesResponse>, ApiError> {
    let h = q.checked(Some(symbol), store.page_max)?;
    let (mut trades, next_page_token) = trades_page(&store, &h).await?;
    let symbol = h.symbols[0].clone();
    Ok(Json(TradesResponse {
        trades: trades.remove(&symbol).unwrap_or_default(),
        symbol,
        next_page_token,
    }))
}

/// Trades of several symbols, paged across them.
#[utoipa::path(get, path = "/v2/stocks/trades", tag = "alpaca", params(HistoryQuery),
    responses((status = 200, body = MultiTradesResponse), (status = 400, body = ErrorBody)))]
pub async fn stocks_trades(
    State(store): State<Store>,
    Params(q): Params<HistoryQuery>,
) -> Result<Json<MultiTradesResponse>, ApiError> {
    let h = q.checked(None, store.page_max)?;
    let (trades, next_page_token) = trades_page(&store, &h).await?;
    Ok(Json(MultiTradesResponse {
        trades,
        next_page_token,
    }))
}

/// Quotes of one symbol, oldest first, paged.
#[utoipa::path(get, path = "/v2/stocks/{symbol}/quotes", tag = "alpaca",
    params(("symbol" = String, Path, description = "Ticker"), HistoryQuery),
    responses((status = 200, body = QuotesResponse), (status = 400, body = ErrorBody)))]
pub async fn stock_quotes(
    State(store): State<Store>,
    Path(symbol): Path<String>,
    Params(q): Params<HistoryQuery>,
) -> Result<Json<QuotesResponse>, ApiError> {
    let h = q.checked(Some(symbol), store.page_max)?;
    let (mut quotes, next_page_token) = quotes_page(&store, &h).await?;
    let symbol = h.symbols[0].clone();
    Ok(Json(QuotesResponse {
        quotes: quotes.remove(&symbol).unwrap_or_default(),
        symbol,
        next_page_token,
    }))
}

/// Quotes of several symbols, paged across them.
#[utoipa::path(get, path = "/v2/stocks/quotes", tag = "alpaca", params(HistoryQuery),
    responses((status = 200, body = MultiQuotesResponse), (status = 400, body = ErrorBody)))]
pub async fn stocks_quotes(
    State(store): State<Store>,
    Params(q): Params<HistoryQuery>,
) -> Result<Json<MultiQuotesResponse>, ApiError> {
    let h = q.checked(None, store.page_max)?;
    let (quotes, next_page_token) = quotes_page(&store, &h).await?;
    Ok(Json(MultiQuotesResponse {
        quotes,
        next_page_token,
    }))
}

/// Parameters of the latest and snapshot endpoints.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LatestQuery {
    /// Comma-separated symbols (multi-symbol endpoints only).
    symbols: Option<String>,
    /// Accepted and ignored: finstream serves its one feed.
    #[allow(dead_code)]
    feed: Option<String>,
    /// Accepted and ignored.
    #[allow(dead_code)]
    currency: Option<String>,
}

/// The newest bar of a timeframe within `lookback` and the one before it.
async fn latest_bars(
    store: &Store,
    symbol: &str,
    timeframe: &str,
    lookback: i64,
) -> Result<Vec<Bar>, ApiError> {
    let now = now_nanos();
    Ok(store
        .get()?
        .bars(symbol, timeframe, now - lookback, now + 1, 2, true)
        .await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LatestTradeResponse {
    symbol: String,
    trade: AlpacaTrade,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LatestQuoteResponse {
    symbol: String,
    quote: AlpacaQuote,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LatestBarResponse {
    symbol: String,
    bar: AlpacaBar,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LatestTradesResponse {
    trades: BTreeMap<String, AlpacaTrade>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LatestQuotesResponse {
    quotes: BTreeMap<String, AlpacaQuote>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LatestBarsResponse {
    bars: BTreeMap<String, AlpacaBar>,
}

fn no_data(what: &str, symbol: &str) -> ApiError {
    ApiError::NotFound(format!("no {what} for {symbol} yet"))
}

/// The latest trade of a symbol.
#[utoipa::path(get, path = "/v2/stocks/{symbol}/trades/latest", tag = "alpaca",
    params(("symbol" = String, Path, description = "Ticker"), LatestQuery),
    responses((status = 200, body = LatestTradeResponse), (status = 404, body = ErrorBody)))]
pub async fn latest_trade(
    State(store): State<Store>,
    Path(symbol): Path<String>,
) -> Result<Json<LatestTradeResponse>, ApiError> {
    let symbol = params::symbol(&symbol)?;
    let t = store.get()?.latest_trade(&symbol).await?;
    let t = t.ok_or_else(|| no_data("trade", &symbol))?;
    Ok(Json(LatestTradeResponse {
        symbol,
        trade: trade(&t),
    }))
}

/// The latest quote of a symbol.
#[utoipa::path(get, path = "/v2/stocks/{symbol}/quotes/latest", tag = "alpaca",
    params(("symbol" = String, Path, description = "Ticker"), LatestQuery),
    responses((status = 200, body = LatestQuoteResponse), (status = 404, body = ErrorBody)))]
pub async fn latest_quote(
    State(store): State<Store>,
    Path(symbol): Path<String>,
) -> Result<Json<LatestQuoteResponse>, ApiError> {
    let symbol = params::symbol(&symbol)?;
    let q = store.get()?.latest_quote(&symbol).await?;
    let q = q.ok_or_else(|| no_data("quote", &symbol))?;
    Ok(Json(LatestQuoteResponse {
        symbol,
        quote: quote(&q),
    }))
}

/// The latest minute bar of a symbol (within the last week).
#[utoipa::path(get, path = "/v2/stocks/{symbol}/bars/latest", tag = "alpaca",
    params(("symbol" = String, Path, description = "Ticker"), LatestQuery),
    responses((status = 200, body = LatestBarResponse), (status = 404, body = ErrorBody)))]
pub async fn latest_bar(
    State(store): State<Store>,
    Path(symbol): Path<String>,
) -> Result<Json<LatestBarResponse>, ApiError> {
    let symbol = params::symbol(&symbol)?;
    let bars = latest_bars(&store, &symbol, "1m", 7 * params::NANOS_PER_DAY).await?;
    let b = bars.last().ok_or_else(|| no_data("minute bar", &symbol))?;
    Ok(Json(LatestBarResponse {
        symbol,
        bar: bar(b),
    }))
}

/// The latest trade of several symbols (symbols without one are left out).
#[utoipa::path(get, path = "/v2/stocks/trades/latest", tag = "alpaca", params(LatestQuery),
    responses((status = 200, body = LatestTradesResponse), (status = 400, body = ErrorBody)))]
pub async fn latest_trades(
    State(store): State<Store>,
    Params(q): Params<LatestQuery>,
) -> Result<Json<LatestTradesResponse>, ApiError> {
    let mut trades = BTreeMap::new();
    for s in params::symbols(q.symbols.as_deref(), MAX_SYMBOLS)? {
        if let Some(t) = store.get()?.latest_trade(&s).await? {
            trades.insert(s, trade(&t));
        }
    }
    Ok(Json(LatestTradesResponse { trades }))
}

/// The latest quote of several symbols.
#[utoipa::path(get, path = "/v2/stocks/quotes/latest", tag = "alpaca", params(LatestQuery),
    responses((status = 200, body = LatestQuotesResponse), (status = 400, body = ErrorBody)))]
pub async fn latest_quotes(
    State(store): State<Store>,
    Params(q): Params<LatestQuery>,
) -> Result<Json<LatestQuotesResponse>, ApiError> {
    let mut quotes = BTreeMap::new();
    for s in params::symbols(q.symbols.as_deref(), MAX_SYMBOLS)? {
        if let Some(x) = store.get()?.latest_quote(&s).await? {
            quotes.insert(s, quote(&x));
        }
    }
    Ok(Json(LatestQuotesResponse { quotes }))
}

/// The latest minute bar of several symbols.
#[utoipa::path(get, path = "/v2/stocks/bars/latest", tag = "alpaca", params(LatestQuery),
    responses((status = 200, body = LatestBarsResponse), (status = 400, body = ErrorBody)))]
pub async fn latest_bars_multi(
    State(store): State<Store>,
    Params(q): Params<LatestQuery>,
) -> Result<Json<LatestBarsResponse>, ApiError> {
    let mut bars = BTreeMap::new();
    for s in params::symbols(q.symbols.as_deref(), MAX_SYMBOLS)? {
        let latest = latest_bars(&store, &s, "1m", 7 * params::NANOS_PER_DAY).await?;
        if let Some(b) = latest.last() {
            bars.insert(s, bar(b));
        }
    }
    Ok(Json(LatestBarsResponse { bars }))
}

/// A symbol's snapshot, Alpaca's shape.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    #[serde(skip_serializing_if = "Option::is_none")]
    symbol: Option<String>,
    latest_trade: Option<AlpacaTrade>,
    latest_quote: Option<AlpacaQuote>,
    minute_bar: Option<AlpacaBar>,
    daily_bar: Option<AlpacaBar>,
    prev_daily_bar: Option<AlpacaBar>,
}

async fn snapshot_of(store: &Store, symbol: &str) -> Result<Snapshot, ApiError> {
    let s = store.get()?;
    let minute = latest_bars(store, symbol, "1m", 7 * params::NANOS_PER_DAY).await?;
    let daily = latest_bars(store, symbol, "1d", 3650 * params::NANOS_PER_DAY).await?;
    Ok(Snapshot {
        symbol: None,
        latest_trade: s.latest_trade(symbol).await?.as_ref().map(trade),
        latest_quote: s.latest_quote(symbol).await?.as_ref().map(quote),
        minute_bar: minute.last().map(bar),
        daily_bar: daily.last().map(bar),
        prev_daily_bar: (daily.len() == 2).then(|| bar(&daily[0])),
    })
}

/// Latest trade, quote, minute bar, daily bar and the daily bar before it.
#[utoipa::path(get, path = "/v2/stocks/{symbol}/snapshot", tag = "alpaca",
    params(("symbol" = String, Path, description = "Ticker"), LatestQuery),
    responses((status = 200, body = Snapshot), (status = 400, body = ErrorBody)))]
pub async fn stock_snapshot(
    State(store): State<Store>,
    Path(symbol): Path<String>,
) -> Result<Json<Snapshot>, ApiError> {
    let symbol = params::symbol(&symbol)?;
    let mut snapshot = snapshot_of(&store, &symbol).await?;
    snapshot.symbol = Some(symbol);
    Ok(Json(snapshot))
}

/// Snapshots of several symbols: a bare map by symbol.
#[utoipa::path(get, path = "/v2/stocks/snapshots", tag = "alpaca", params(LatestQuery),
    responses((status = 200, body = BTreeMap<String, Snapshot>), (status = 400, body = ErrorBody)))]
pub async fn stock_snapshots(
    State(store): State<Store>,
    Params(q): Params<LatestQuery>,
) -> Result<Json<BTreeMap<String, Snapshot>>, ApiError> {
    let mut out = BTreeMap::new();
    for s in params::symbols(q.symbols.as_deref(), MAX_SYMBOLS)? {
        let snapshot = snapshot_of(&store, &s).await?;
        out.insert(s, snapshot);
    }
    Ok(Json(out))
}

/// Parameters of the option chain snapshot.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChainQuery {
    /// `call` or `put`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    kind: Option<String>,
    strike_price_gte: Option<f64>,
    strike_price_lte: Option<f64>,
    /// Exact expiration date, `YYYY-MM-DD`.
    expiration_date: Option<String>,
    expiration_date_gte: Option<String>,
    expiration_date_lte: Option<String>,
    /// OCC root, e.g. `AAPL` (or `AAPL7` for adjusted contracts).
    root_symbol: Option<String>,
    /// Contracts per page, 1 to 1,000; default 100.
    limit: Option<i64>,
    page_token: Option<String>,
    /// Only contracts quoted at or after this time.
    updated_since: Option<String>,
    /// Accepted and ignored: finstream serves its one feed.
    #[allow(dead_code)]
    feed: Option<String>,
}

/// The filters of a chain request, checked; shared with `/v1/options`.
#[derive(Debug, Default, Clone)]
pub struct ChainFilter {
    pub right: Option<OptionRight>,
    pub strike_min: Option<f64>,
    pub strike_max: Option<f64>,
    pub expiration_min: Option<i32>,
    pub expiration_max: Option<i32>,
    pub root: Option<String>,
    pub updated_since: Option<i64>,
}

impl ChainFilter {
    pub fn right(value: Option<&str>) -> Result<Option<OptionRight>, ApiError> {
        match value.map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("call") => Ok(Some(OptionRight::Call)),
            Some("put") => Ok(Some(OptionRight::Put)),
            Some(other) => Err(ApiError::BadRequest(format!(
                "type must be call or put, not {other:?}"
            ))),
        }
    }

    pub fn keeps(&self, q: &OptionQuote) -> bool {
        let strike = q.strike.thousandths as f64 / 1000.0;
        self.right.is_none_or(|r| r == q.right)
            && self.strike_min.is_none_or(|m| strike >= m)
            && self.strike_max.is_none_or(|m| strike <= m)
            && self.expiration_min.is_none_or(|m| q.expiration >= m)
            && self.expiration_max.is_none_or(|m| q.expiration <= m)
            && self.updated_since.is_none_or(|t| q.event_time >= t)
            && self
                .root
                .as_deref()
                .is_none_or(|r| q.contract.len() > 15 && q.contract[..q.contract.len() - 15] == *r)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlpacaGreeks {
    delta: f64,
    gamma: f64,
    rho: f64,
    theta: f64,
    vega: f64,
}

/// An option quote as Alpaca lists it (`c` is one condition code).
#[derive(Debug, Serialize, ToSchema)]
pub struct AlpacaOptionQuote {
    t: String,
    bx: String,
    bp: f64,
    bs: f64,
    ax: String,
    ap: f64,
    #[serde(rename = "as")]
    #[schema(rename = "as")]
    ask_size: f64,
    c: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OptionSnapshot {
    #[serde(skip_serializing_if = "Option::is_none")]
    greeks: Option<AlpacaGreeks>,
    #[serde(skip_serializing_if = "Option::is_none")]
    implied_volatility: Option<f64>,
    latest_quote: AlpacaOptionQuote,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OptionSnapshotsResponse {
    snapshots: BTreeMap<String, OptionSnapshot>,
    next_page_token: Option<String>,
}

fn option_snapshot(q: &OptionQuote, g: Option<&GreeksUpdate>) -> OptionSnapshot {
    let greeks = g.and_then(|g| {
        Some(AlpacaGreeks {
            delta: g.delta?,
            gamma: g.gamma?,
            rho: g.rho?,
            theta: g.theta?,
            vega: g.vega?,
        })
    });
    OptionSnapshot {
        greeks,
        implied_volatility: g.and_then(|g| g.implied_volatility),
        latest_quote: AlpacaOptionQuote {
            t: format_rfc3339(q.event_time),
            bx: String::new(),
            bp: q.bid_price,
            bs: q.bid_size,
            ax: String::new(),
            ap: q.ask_price,
            ask_size: q.ask_size,
            c: String::new(),
        },
    }
}

/// The chain of an underlying: every contract's latest quote, its Greeks and implied
/// volatility (as finstream computed them), by OCC symbol, paged by contract.
#[utoipa::path(get, path = "/v1beta1/options/snapshots/{underlying}", tag = "alpaca",
    params(("underlying" = String, Path, description = "Underlying ticker"), ChainQuery),
    responses((status = 200, body = OptionSnapshotsResponse), (status = 400, body = ErrorBody)))]
pub async fn option_snapshots(
    State(store): State<Store>,
    Path(underlying): Path<String>,
    Params(q): Params<ChainQuery>,
) -> Result<Json<OptionSnapshotsResponse>, ApiError> {
    let underlying = params::symbol(&underlying)?;
    let limit = params::limit(q.limit, 100, 1000)?;
    let mut filter = ChainFilter {
        right: ChainFilter::right(q.kind.as_deref())?,
        strike_min: q.strike_price_gte,
        strike_max: q.strike_price_lte,
        root: q.root_symbol.as_deref().map(params::symbol).transpose()?,
        updated_since: q
            .updated_since
            .as_deref()
            .map(|v| params::parse_time("updated_since", v))
            .transpose()?,
        ..ChainFilter::default()
    };
    let date = |name, v: &Option<String>| {
        v.as_deref()
            .map(|d| params::parse_date(name, d))
            .transpose()
    };
    if let Some(d) = date("expiration_date", &q.expiration_date)? {
        filter.expiration_min = Some(d);
        filter.expiration_max = Some(d);
    }
    if let Some(d) = date("expiration_date_gte", &q.expiration_date_gte)? {
        filter.expiration_min = Some(filter.expiration_min.map_or(d, |m| m.max(d)));
    }
    if let Some(d) = date("expiration_date_lte", &q.expiration_date_lte)? {
        filter.expiration_max = Some(filter.expiration_max.map_or(d, |m| m.min(d)));
    }
    let after = q
        .page_token
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(PageToken::decode)
        .transpose()?
        .map(|t| t.id);
    let s = store.get()?;
    let greeks: BTreeMap<String, GreeksUpdate> = s
        .greeks(&underlying)
        .await?
        .into_iter()
        .map(|g| (g.contract.clone(), g))
        .collect();
    let mut quotes = s.option_quotes(&underlying).await?;
    quotes.sort_by(|a, b| a.contract.cmp(&b.contract));
    let mut snapshots: BTreeMap<String, OptionSnapshot> = BTreeMap::new();
    let mut next_page_token = None;
    for q in quotes
        .iter()
        .filter(|q| after.as_deref().is_none_or(|a| q.contract.as_str() > a))
        .filter(|q| filter.keeps(q))
    {
        if snapshots.len() == limit {
            if let Some((last, _)) = snapshots.last_key_value() {
                next_page_token = Some(next(&underlying, 0, last));
            }
            break;
        }
        snapshots.insert(
            q.contract.clone(),
            option_snapshot(q, greeks.get(&q.contract)),
        );
    }
    Ok(Json(OptionSnapshotsResponse {
        snapshots,
        next_page_token,
    }))
}
