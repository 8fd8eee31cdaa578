//! The REST API: finstream's own under `/v1` ([`v1`]), Alpaca's market-data API
//! ([`alpaca`]), and the OpenAPI document of both, generated from the handlers'
//! annotations and served at `/v1/openapi.json`.

pub mod alpaca;
pub mod params;
pub mod v1;

use crate::error::{ApiError, ErrorBody};
use axum::Router;
use axum::routing::{get, post};
use finstream_schemas::{Bar, TimestampNanos};
use finstream_storage::hot::HotStore;
use finstream_storage::sql::SqlEngine;
use params::{Grouping, Timeframe};
use utoipa::OpenApi;

/// The hot store, if this process has one, and the largest page the history endpoints
/// return (Alpaca's SDKs ask for up to 10,000 and follow `next_page_token`).
#[derive(Debug, Clone)]
pub struct Store {
    pub hot: Option<HotStore>,
    pub page_max: usize,
}

impl Store {
    pub fn get(&self) -> Result<&HotStore, ApiError> {
        self.hot.as_ref().ok_or_else(|| {
            ApiError::Unavailable(
                "this gateway has no hot store configured: set [store] in its configuration".into(),
            )
        })
    }
}

/// The SQL engine over the history, if this process has one.
#[derive(Debug, Clone, Default)]
pub struct Sql(pub Option<SqlEngine>);

impl Sql {
    pub fn get(&self) -> Result<&SqlEngine, ApiError> {
        self.0.as_ref().ok_or_else(|| {
            ApiError::Unavailable(
                "this gateway has no history to query: give it --data-dir (or [history]) where persist writes"
                    .into(),
            )
        })
    }
}

/// The REST routes; the state must provide [`Store`] and [`Sql`].
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Store: axum::extract::FromRef<S>,
    Sql: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/bars/{symbol}", get(v1::bars))
        .route("/v1/snapshot/{symbol}", get(v1::snapshot))
        .route("/v1/options/{symbol}", get(v1::options))
        .route("/options/{symbol}", get(v1::options))
        .route("/v1/sql", post(v1::sql))
        .route("/v1/analyze", post(v1::analyze))
        .route("/analyze", post(v1::analyze))
        .route("/v2/stocks/bars", get(alpaca::stocks_bars))
        .route("/v2/stocks/trades", get(alpaca::stocks_trades))
        .route("/v2/stocks/quotes", get(alpaca::stocks_quotes))
        .route("/v2/stocks/bars/latest", get(alpaca::latest_bars_multi))
        .route("/v2/stocks/trades/latest", get(alpaca::latest_trades))
        .route("/v2/stocks/quotes/latest", get(alpaca::latest_quotes))
        .route("/v2/stocks/snapshots", get(alpaca::stock_snapshots))
        .route("/v2/stocks/{symbol}/bars", get(alpaca::stock_bars))
        .route("/v2/stocks/{symbol}/trades", get(alpaca::stock_trades))
        .route("/v2/stocks/{symbol}/quotes", get(alpaca::stock_quotes))
        .route("/v2/stocks/{symbol}/bars/latest", get(alpaca::latest_bar))
        .route(
            "/v2/stocks/{symbol}/trades/latest",
            get(alpaca::latest_trade),
        )
        .route(
            "/v2/stocks/{symbol}/quotes/latest",
            get(alpaca::latest_quote),
        )
        .route("/v2/stocks/{symbol}/snapshot", get(alpaca::stock_snapshot))
        .route(
            "/v1beta1/options/snapshots/{underlying}",
            get(alpaca::option_snapshots),
        )
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "finstream",
        description = "Real-time market analytics: bars, indicators, option Greeks, SQL over history. \
            Errors are always {\"code\",\"message\"}. The /v2 and /v1beta1 paths speak Alpaca's market-data API."
    ),
    paths(
        v1::bars, v1::snapshot, v1::options, v1::sql, v1::analyze,
        alpaca::stock_bars, alpaca::stocks_bars, alpaca::stock_trades, alpaca::stocks_trades,
        alpaca::stock_quotes, alpaca::stocks_quotes, alpaca::latest_trade, alpaca::latest_quote,
        alpaca::latest_bar, alpaca::latest_trades, alpaca::latest_quotes,
        alpaca::latest_bars_multi, alpaca::stock_snapshot, alpaca::stock_snapshots,
        alpaca::option_snapshots,
        crate::docs::upload, crate::docs::list, crate::docs::one, crate::docs::search,
        crate::docs::answer,
        crate::chat::rooms, crate::chat::join, crate::chat::leave, crate::chat::presence,
        crate::chat::history, crate::chat::send, crate::chat::edit, crate::chat::delete,
        crate::chat::react, crate::chat::typing, crate::chat::read, crate::chat::search_messages,
        crate::chat::export, crate::chat::erase_me, crate::chat::attach, crate::chat::attachment
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "finstream", description = "finstream's own API"),
        (name = "alpaca", description = "Alpaca-compatible market data, from finstream's store"),
        (name = "chat", description = "Chat rooms: the REST fallback of the /v1/chat WebSocket")
    )
)]
pub struct ApiDoc;

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

/// Bars of `tf` starting in `[from, to)`, at most `limit`, built from stored bars, and
/// where the next page starts if there is more.
pub(crate) async fn bars_grouped(
    store: &Store,
    symbol: &str,
    tf: Timeframe,
    from: TimestampNanos,
    to: TimestampNanos,
    limit: usize,
) -> Result<(Vec<Bar>, Option<TimestampNanos>), ApiError> {
    let s = store.get()?;
    if tf.group == Grouping::None {
        let mut bars = s.bars(symbol, tf.base, from, to, limit + 1, false).await?;
        let next = bars.get(limit).map(|b| b.start_time);
        bars.truncate(limit);
        return Ok((bars, next));
    }
    // Read stored bars in chunks until one more group than asked for has begun (so the
    // asked-for ones are complete) or the range is exhausted.
    const CHUNK: usize = 10_000;
    let mut groups: Vec<Bar> = Vec::new();
    let mut cursor = from;
    loop {
        let chunk = s.bars(symbol, tf.base, cursor, to, CHUNK, false).await?;
        let exhausted = chunk.len() < CHUNK;
        for b in &chunk {
            let start = tf.bucket(b.start_time);
            match groups.last_mut() {
                Some(g) if g.start_time == start => merge(g, b),
                _ => {
                    if groups.len() == limit {
                        return Ok((groups, Some(start)));
                    }
                    let mut g = b.clone();
                    g.start_time = start;
                    g.id.clear();
                    g.revision = 0;
                    groups.push(g);
                }
            }
        }
        match chunk.last() {
            Some(last) if !exhausted => cursor = last.start_time + 1,
            _ => return Ok((groups, None)),
        }
    }
}

/// Adds a later stored bar into a group.
fn merge(g: &mut Bar, b: &Bar) {
    let volume = g.volume + b.volume;
    if volume > 0.0 {
        g.vwap = (g.vwap * g.volume + b.vwap * b.volume) / volume;
    }
    g.volume = volume;
    g.high = g.high.max(b.high);
    g.low = g.low.min(b.low);
    g.close = b.close;
    g.trade_count += b.trade_count;
    g.end_time = b.end_time;
    g.event_time = g.event_time.max(b.event_time);
}
