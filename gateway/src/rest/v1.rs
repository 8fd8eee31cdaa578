//! finstream's own REST API under `/v1`: bars, snapshots, option chains with Greeks,
//! SQL over the history and `analyze`, which gathers what a question about a symbol needs.

use super::alpaca::ChainFilter;
use super::params::{self, Body, PageToken, Params, Timeframe, now_nanos, window};
use super::{Sql, Store, bars_grouped};
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use finstream_schemas::alpaca::format_rfc3339;
use finstream_schemas::{
    Bar, GreeksUpdate, IndicatorUpdate, MarketEvent, MarketEventDirection, OptionQuote,
    OptionRight, Quote, Trade,
};
use finstream_storage::sql::ResultFormat;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A bar; times are RFC 3339 in UTC.
#[derive(Debug, Serialize, ToSchema)]
pub struct BarOut {
    pub start: String,
    pub end: String,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub trade_count: i64,
    pub vwap: f64,
    /// 0 for the first publication; higher when late trades revised the bar.
    pub revision: i32,
}

impl From<&Bar> for BarOut {
    fn from(b: &Bar) -> Self {
        BarOut {
            start: format_rfc3339(b.start_time),
            end: format_rfc3339(b.end_time),
            open: b.open,
            high: b.high,
            low: b.low,
            close: b.close,
            volume: b.volume,
            trade_count: b.trade_count,
            vwap: b.vwap,
            revision: b.revision,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BarsQuery {
    /// A stored timeframe (`1s`, `1m`, `5m`, `15m`, `1h`, `1d`) or an Alpaca one
    /// (`2Min`, `4Hour`, `1Week`, `3Month`), built from stored bars. Default `1m`.
    timeframe: Option<String>,
    /// Inclusive start, RFC 3339 or a date; default one day before `end`.
    start: Option<String>,
    /// Inclusive end; default now.
    end: Option<String>,
    /// Bars per page, 1 to 10,000; default 1,000.
    limit: Option<i64>,
    /// `next_page_token` of the previous page.
    page_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BarsPage {
    symbol: String,
    timeframe: String,
    bars: Vec<BarOut>,
    /// The token of the next page; `null` on the last page.
    next_page_token: Option<String>,
}

fn timeframe(value: &str) -> Result<Timeframe, ApiError> {
    Timeframe::parse_stored(value).or_else(|stored| {
        Timeframe::parse_alpaca(value).map_err(|_| {
            ApiError::BadRequest(format!(
                "{stored}; or an Alpaca timeframe such as 2Min, 4Hour, 1Week or 3Month"
            ))
        })
    })
}

/// Bars of a symbol, oldest first, paged.
#[utoipa::path(get, path = "/v1/bars/{symbol}", tag = "finstream",
    params(("symbol" = String, Path, description = "Ticker"), BarsQuery),
    responses((status = 200, body = BarsPage), (status = 400, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn bars(
    State(store): State<Store>,
    Path(symbol): Path<String>,
    Params(q): Params<BarsQuery>,
) -> Result<Json<BarsPage>, ApiError> {
    let symbol = params::symbol(&symbol)?;
    let name = q.timeframe.unwrap_or_else(|| "1m".into());
    let tf = timeframe(&name)?;
    let (mut from, to) = window(q.start.as_deref(), q.end.as_deref(), params::NANOS_PER_DAY)?;
    if let Some(token) = q.page_token.as_deref().filter(|t| !t.is_empty()) {
        let token = PageToken::decode(token)?;
        if token.symbol != symbol {
            return Err(ApiError::BadRequest(
                "page_token belongs to another symbol: repeat the same request with it".into(),
            ));
        }
        from = token.time;
    }
    let limit = params::limit(q.limit, 1000, 10_000)?.min(store.page_max.max(1));
    let (bars, next) = bars_grouped(&store, &symbol, tf, from, to, limit).await?;
    Ok(Json(BarsPage {
        next_page_token: next.map(|time| {
            PageToken {
                symbol: symbol.clone(),
                time,
                id: String::new(),
            }
            .encode()
        }),
        symbol,
        timeframe: name,
        bars: bars.iter().map(BarOut::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TradeOut {
    time: String,
    price: f64,
    size: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    exchange: Option<String>,
}

impl From<&Trade> for TradeOut {
    fn from(t: &Trade) -> Self {
        TradeOut {
            time: format_rfc3339(t.event_time),
            price: t.price,
            size: t.size,
            exchange: t.exchange.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteOut {
    time: String,
    bid: f64,
    bid_size: f64,
    ask: f64,
    ask_size: f64,
}

impl From<&Quote> for QuoteOut {
    fn from(q: &Quote) -> Self {
        QuoteOut {
            time: format_rfc3339(q.event_time),
            bid: q.bid_price,
            bid_size: q.bid_size,
            ask: q.ask_price,
            ask_size: q.ask_size,
        }
    }
}

/// A pattern or movement found on a bar.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    timeframe: String,
    bar_start: String,
    /// `pattern` or `movement`.
    category: String,
    /// TA-Lib's pattern name in lower case (`cdlhammer`) or a movement (`gap_up`,
    /// `breakout_down`, `new_high`, `volume_spike` ...).
    name: String,
    /// `bullish`, `bearish` or `neutral`.
    direction: String,
    values: BTreeMap<String, f64>,
}

impl From<&MarketEvent> for EventOut {
    fn from(e: &MarketEvent) -> Self {
        EventOut {
            timeframe: e.timeframe.clone(),
            bar_start: format_rfc3339(e.bar_start),
            category: format!("{:?}", e.category).to_ascii_lowercase(),
            name: e.name.clone(),
            direction: match e.direction {
                MarketEventDirection::Bullish => "bullish",
                MarketEventDirection::Bearish => "bearish",
                MarketEventDirection::Neutral => "neutral",
            }
            .into(),
            values: e.values.clone(),
        }
    }
}

/// Everything known now about a symbol.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotOut {
    symbol: String,
    latest_trade: Option<TradeOut>,
    latest_quote: Option<QuoteOut>,
    /// The newest bar of each stored timeframe that has one.
    bars: BTreeMap<String, BarOut>,
    /// By timeframe, then indicator (`rsi(14)`), its output fields (`value`, or `macd`,
    /// `signal`, `hist` ...).
    indicators: BTreeMap<String, BTreeMap<String, BTreeMap<String, f64>>>,
    /// Patterns and movements on bars of the day before the latest trade, newest last
    /// (at most 50).
    events: Vec<EventOut>,
}

/// The time "recent" is measured back from for a symbol: its latest trade (so that a
/// symbol out of session, or a replayed history, still shows its last day), else now.
async fn anchor(store: &Store, symbol: &str) -> Result<(i64, i64), ApiError> {
    let now = now_nanos();
    let latest = store.get()?.latest_trade(symbol).await?;
    let anchor = latest.map_or(now, |t| t.event_time);
    Ok((anchor, now.max(anchor) + 1))
}

async fn snapshot_of(store: &Store, symbol: &str) -> Result<SnapshotOut, ApiError> {
    let s = store.get()?;
    let (now, end) = anchor(store, symbol).await?;
    let mut bars = BTreeMap::new();
    let mut indicators = BTreeMap::new();
    for tf in params::STORED {
        let lookback = if tf == "1d" { 3650 } else { 7 } * params::NANOS_PER_DAY;
        if let Some(b) = s
            .bars(symbol, tf, now - lookback, end, 1, true)
            .await?
            .last()
        {
            bars.insert(tf.to_string(), BarOut::from(b));
        }
        let updates: Vec<IndicatorUpdate> = s.indicators(symbol, tf).await?;
        if !updates.is_empty() {
            indicators.insert(
                tf.to_string(),
                updates
                    .into_iter()
                    .map(|u| (u.indicator, u.values))
                    .collect(),
            );
        }
    }
    let mut events = s
        .market_events(symbol, now - params::NANOS_PER_DAY, end, None, 10_000)
        .await?;
    let keep = events.len().saturating_sub(50);
    events.drain(..keep);
    Ok(SnapshotOut {
        symbol: symbol.to_string(),
        latest_trade: s.latest_trade(symbol).await?.as_ref().map(TradeOut::from),
        latest_quote: s.latest_quote(symbol).await?.as_ref().map(QuoteOut::from),
        bars,
        indicators,
        events: events.iter().map(EventOut::from).collect(),
    })
}

/// Latest trade and quote, newest bar and indicators per timeframe, recent events.
#[utoipa::path(get, path = "/v1/snapshot/{symbol}", tag = "finstream",
    params(("symbol" = String, Path, description = "Ticker")),
    responses((status = 200, body = SnapshotOut), (status = 400, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn snapshot(
    State(store): State<Store>,
    Path(symbol): Path<String>,
) -> Result<Json<SnapshotOut>, ApiError> {
    let symbol = params::symbol(&symbol)?;
    Ok(Json(snapshot_of(&store, &symbol).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChainParams {
    /// `call` or `put`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    kind: Option<String>,
    /// Exact expiration, `YYYY-MM-DD`.
    expiration: Option<String>,
    expiration_min: Option<String>,
    expiration_max: Option<String>,
    strike_min: Option<f64>,
    strike_max: Option<f64>,
}

/// One contract of a chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractOut {
    contract: String,
    expiration: String,
    strike: f64,
    /// `call` or `put`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    kind: String,
    bid: f64,
    ask: f64,
    bid_size: f64,
    ask_size: f64,
    last: Option<f64>,
    volume: i64,
    open_interest: i64,
    quote_time: String,
    implied_volatility: Option<f64>,
    delta: Option<f64>,
    gamma: Option<f64>,
    /// Per calendar day.
    theta: Option<f64>,
    /// Per volatility point.
    vega: Option<f64>,
    /// Per rate point.
    rho: Option<f64>,
    /// The underlying's price the Greeks were computed at.
    spot: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainOut {
    underlying: String,
    /// The underlying's latest trade price.
    spot: Option<f64>,
    /// Sorted by expiration, strike, then calls before puts.
    contracts: Vec<ContractOut>,
}

fn contract(q: &OptionQuote, g: Option<&GreeksUpdate>) -> ContractOut {
    ContractOut {
        contract: q.contract.clone(),
        expiration: params::format_date(q.expiration),
        strike: q.strike.thousandths as f64 / 1000.0,
        kind: match q.right {
            OptionRight::Call => "call",
            OptionRight::Put => "put",
        }
        .into(),
        bid: q.bid_price,
        ask: q.ask_price,
        bid_size: q.bid_size,
        ask_size: q.ask_size,
        last: q.last_price,
        volume: q.volume,
        open_interest: q.open_interest,
        quote_time: format_rfc3339(q.event_time),
        implied_volatility: g.and_then(|g| g.implied_volatility),
        delta: g.and_then(|g| g.delta),
        gamma: g.and_then(|g| g.gamma),
        theta: g.and_then(|g| g.theta),
        vega: g.and_then(|g| g.vega),
        rho: g.and_then(|g| g.rho),
        spot: g.map(|g| g.spot),
    }
}

async fn chain_of(store: &Store, underlying: &str, f: &ChainFilter) -> Result<ChainOut, ApiError> {
    let s = store.get()?;
    let greeks: BTreeMap<String, GreeksUpdate> = s
        .greeks(underlying)
        .await?
        .into_iter()
        .map(|g| (g.contract.clone(), g))
        .collect();
    let mut quotes: Vec<OptionQuote> = s
        .option_quotes(underlying)
        .await?
        .into_iter()
        .filter(|q| f.keeps(q))
        .collect();
    quotes.sort_by(|a, b| {
        (a.expiration, a.strike.thousandths, a.right as u8).cmp(&(
            b.expiration,
            b.strike.thousandths,
            b.right as u8,
        ))
    });
    Ok(ChainOut {
        underlying: underlying.to_string(),
        spot: s.latest_trade(underlying).await?.map(|t| t.price),
        contracts: quotes
            .iter()
            .map(|q| contract(q, greeks.get(&q.contract)))
            .collect(),
    })
}

/// An underlying's option chain with implied volatility and Greeks, filtered.
#[utoipa::path(get, path = "/v1/options/{symbol}", tag = "finstream",
    params(("symbol" = String, Path, description = "Underlying ticker"), ChainParams),
    responses((status = 200, body = ChainOut), (status = 400, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn options(
    State(store): State<Store>,
    Path(symbol): Path<String>,
    Params(q): Params<ChainParams>,
) -> Result<Json<ChainOut>, ApiError> {
    let underlying = params::symbol(&symbol)?;
    let date = |name, v: &Option<String>| {
        v.as_deref()
            .map(|d| params::parse_date(name, d))
            .transpose()
    };
    let exact = date("expiration", &q.expiration)?;
    let filter = ChainFilter {
        right: ChainFilter::right(q.kind.as_deref())?,
        strike_min: q.strike_min,
        strike_max: q.strike_max,
        expiration_min: exact.or(date("expiration_min", &q.expiration_min)?),
        expiration_max: exact.or(date("expiration_max", &q.expiration_max)?),
        ..ChainFilter::default()
    };
    if let (Some(lo), Some(hi)) = (filter.strike_min, filter.strike_max)
        && lo > hi
    {
        return Err(ApiError::BadRequest(format!(
            "strike_min ({lo}) is above strike_max ({hi})"
        )));
    }
    Ok(Json(chain_of(&store, &underlying, &filter).await?))
}

/// A read-only SQL query over the Parquet history.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SqlRequest {
    /// One `SELECT` (or `WITH ... SELECT`, `EXPLAIN`). Tables: trades, quotes, bars,
    /// option_quotes, indicators, greeks, chat_messages, market_events.
    #[schema(
        example = "SELECT symbol, vwap(price, size) FROM trades WHERE date = '2026-11-20' GROUP BY symbol"
    )]
    query: String,
    /// `json` (default), `csv`, `arrow` (IPC stream) or `parquet`.
    format: Option<String>,
}

/// A JSON query result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SqlResult {
    columns: Vec<Column>,
    /// One object per row, by column name.
    #[schema(value_type = Vec<Object>)]
    rows: serde_json::Value,
    row_count: usize,
    /// True when the query had more rows than `sql.max_rows` and the rest was cut off.
    truncated: bool,
    elapsed_ms: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Column {
    name: String,
    /// The Arrow type, e.g. `Float64`, `Timestamp(Nanosecond, Some("UTC"))`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    data_type: String,
}

/// Runs a query under the configured limits (time, memory, rows). DDL, DML and `SET`
/// are refused.
#[utoipa::path(post, path = "/v1/sql", tag = "finstream", request_body = SqlRequest,
    responses((status = 200, body = SqlResult,
            description = "JSON; csv, arrow and parquet come as their own media types"),
        (status = 400, body = ErrorBody), (status = 408, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn sql(State(engine): State<Sql>, Body(req): Body<SqlRequest>) -> Response {
    match run_sql(&engine, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn run_sql(engine: &Sql, req: SqlRequest) -> Result<Response, ApiError> {
    let format: ResultFormat = match req.format.as_deref() {
        None => ResultFormat::Json,
        Some("table") => {
            return Err(ApiError::BadRequest(
                "format table is for terminals: use json, csv, arrow or parquet".into(),
            ));
        }
        Some(f) => f.parse().map_err(ApiError::BadRequest)?,
    };
    if req.query.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "query is empty: send one SELECT".into(),
        ));
    }
    let result = engine.get()?.query(&req.query).await?;
    let mut bytes = Vec::new();
    format.write(&result, &mut bytes)?;
    if format != ResultFormat::Json {
        return Ok(([(header::CONTENT_TYPE, format.media_type())], bytes).into_response());
    }
    let rows: serde_json::Value = if bytes.is_empty() {
        serde_json::Value::Array(Vec::new())
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::Internal(format!("re-reading the JSON result: {e}")))?
    };
    let columns = result
        .schema
        .fields()
        .iter()
        .map(|f| Column {
            name: f.name().clone(),
            data_type: f.data_type().to_string(),
        })
        .collect();
    Ok(Json(SqlResult {
        columns,
        rows,
        row_count: result.rows,
        truncated: result.truncated,
        elapsed_ms: result.elapsed.as_secs_f64() * 1e3,
    })
    .into_response())
}

/// A question about a symbol.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnalyzeRequest {
    #[schema(example = "AAPL")]
    symbol: String,
    /// Free text; words about options (option, call, put, strike, expiry, greeks, iv,
    /// volatility) add the option chain to the answer.
    #[schema(example = "is the 190 call expensive?")]
    query: String,
}

/// What finstream knows that bears on the question, and a one-paragraph summary of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalyzeResponse {
    pub(crate) symbol: String,
    query: String,
    /// What the answer covers: `price`, `indicators`, `events`, and `options` when asked.
    covers: Vec<String>,
    pub(crate) summary: String,
    pub(crate) latest_price: Option<f64>,
    /// Change since the previous daily bar's close, in percent.
    pub(crate) change_percent: Option<f64>,
    /// The last 30 one-minute bars (of the day before the latest trade).
    bars: Vec<BarOut>,
    snapshot: SnapshotOut,
    /// The 20 contracts nearest the money, when the question is about options.
    options: Option<ChainOut>,
}

/// Words that make a question about options: whole words, and stems.
const OPTION_WORDS: [&str; 11] = [
    "call", "calls", "put", "puts", "iv", "delta", "gamma", "theta", "vega", "chain", "skew",
];
const OPTION_STEMS: [&str; 4] = ["option", "strike", "expir", "greek"];

fn about_options(query: &str) -> bool {
    let q = query.to_ascii_lowercase();
    q.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        OPTION_WORDS.contains(&w)
            || OPTION_STEMS.iter().any(|s| w.starts_with(s))
            || w.starts_with("volatil")
    })
}

/// Gathers price, bars, indicators and events for a symbol, and the chain with Greeks
/// when the question is about options.
#[utoipa::path(post, path = "/v1/analyze", tag = "finstream", request_body = AnalyzeRequest,
    responses((status = 200, body = AnalyzeResponse), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn analyze(
    State(store): State<Store>,
    Body(req): Body<AnalyzeRequest>,
) -> Result<Json<AnalyzeResponse>, ApiError> {
    analysis(&store, &req.symbol, req.query).await.map(Json)
}

/// What `/v1/analyze` answers for a symbol and a question; documents' answers use it for
/// the market context of the tickers a question names.
pub(crate) async fn analysis(
    store: &Store,
    symbol: &str,
    query: String,
) -> Result<AnalyzeResponse, ApiError> {
    let req = AnalyzeRequest {
        symbol: symbol.to_string(),
        query,
    };
    let store = store.clone();
    let symbol = params::symbol(req.symbol.trim())?;
    if req.query.len() > 2000 {
        return Err(ApiError::BadRequest(
            "query is longer than 2,000 characters: ask one question".into(),
        ));
    }
    let snapshot = snapshot_of(&store, &symbol).await?;
    let latest_price = snapshot.latest_trade.as_ref().map(|t| t.price);
    if latest_price.is_none() && snapshot.bars.is_empty() {
        return Err(ApiError::NotFound(format!(
            "finstream has no trades or bars for {symbol}: is it in the feed?"
        )));
    }
    let (now, end) = anchor(&store, &symbol).await?;
    let daily = store
        .get()?
        .bars(
            &symbol,
            "1d",
            now - 3650 * params::NANOS_PER_DAY,
            end,
            2,
            true,
        )
        .await?;
    let prev_close = (daily.len() == 2).then(|| daily[0].close);
    let change_percent = latest_price
        .zip(prev_close)
        .filter(|(_, prev)| *prev > 0.0)
        .map(|(p, prev)| (p / prev - 1.0) * 100.0);
    let minute = store
        .get()?
        .bars(&symbol, "1m", now - params::NANOS_PER_DAY, end, 30, true)
        .await?;
    let mut covers = vec!["price".to_string(), "indicators".into(), "events".into()];
    let options = if about_options(&req.query) {
        covers.push("options".into());
        let mut chain = chain_of(&store, &symbol, &ChainFilter::default()).await?;
        if let Some(spot) = chain.spot.or(latest_price) {
            chain
                .contracts
                .sort_by(|a, b| (a.strike - spot).abs().total_cmp(&(b.strike - spot).abs()));
        }
        chain.contracts.truncate(20);
        Some(chain)
    } else {
        None
    };
    let summary = summarize(
        &symbol,
        latest_price,
        change_percent,
        &snapshot,
        options.as_ref(),
    );
    Ok(AnalyzeResponse {
        symbol,
        query: req.query,
        covers,
        summary,
        latest_price,
        change_percent,
        bars: minute.iter().map(BarOut::from).collect(),
        snapshot,
        options,
    })
}

fn summarize(
    symbol: &str,
    price: Option<f64>,
    change: Option<f64>,
    s: &SnapshotOut,
    options: Option<&ChainOut>,
) -> String {
    let mut parts = Vec::new();
    match (price, change) {
        (Some(p), Some(c)) => parts.push(format!(
            "{symbol} last {p:.2} ({c:+.2}% on the previous close)"
        )),
        (Some(p), None) => parts.push(format!("{symbol} last {p:.2}")),
        _ => parts.push(format!("{symbol} has bars but no trade in the store")),
    }
    if let Some(rsi) = s
        .indicators
        .get("1m")
        .and_then(|m| m.iter().find(|(k, _)| k.starts_with("rsi")))
        .and_then(|(k, v)| v.values().next().map(|x| (k, *x)))
    {
        parts.push(format!("{} on 1m bars {:.1}", rsi.0, rsi.1));
    }
    if let Some(e) = s.events.last() {
        parts.push(format!(
            "{} events on the last day, the latest {} ({}, {} bar at {})",
            s.events.len(),
            e.name,
            e.direction,
            e.timeframe,
            e.bar_start
        ));
    }
    if let Some(chain) = options {
        let with_iv: Vec<f64> = chain
            .contracts
            .iter()
            .filter_map(|c| c.implied_volatility)
            .collect();
        if with_iv.is_empty() {
            parts.push(format!(
                "{} contracts near the money, none with implied volatility yet",
                chain.contracts.len()
            ));
        } else {
            let mean = with_iv.iter().sum::<f64>() / with_iv.len() as f64;
            parts.push(format!(
                "near-the-money implied volatility averages {:.1}% over {} contracts",
                mean * 100.0,
                with_iv.len()
            ));
        }
    }
    parts.join("; ") + "."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_questions_are_recognised_by_their_words() {
        assert!(about_options("Is the 190 call expensive?"));
        assert!(about_options("what's the IV skew"));
        assert!(about_options("Expiration Friday"));
        assert!(!about_options("how did it close"));
        assert!(!about_options("recall the putative trend"));
    }
}
