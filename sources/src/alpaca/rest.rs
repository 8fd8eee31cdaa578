//! Alpaca's REST market data: trades, quotes and bars for one or many symbols, paged with
//! `next_page_token` until it is null, and option chain snapshots. Rate limits are
//! honoured both ways: a 429 waits for `X-RateLimit-Reset`, and a response that says the
//! window is used up (`X-RateLimit-Remaining: 0`) holds the next request until then.

use super::{AlpacaConfig, AlpacaError, Backoff, Credentials};
use finstream_schemas::alpaca::{
    StreamBar, StreamQuote, StreamTrade, format_rfc3339, rest_bar, rest_quote, rest_trade,
};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use std::time::Duration;

/// An option contract's snapshot: Greeks and IV as Alpaca computes them, latest quote/trade.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionSnapshot {
    pub contract: String,
    pub implied_volatility: Option<f64>,
    pub delta: Option<f64>,
    pub gamma: Option<f64>,
    pub theta: Option<f64>,
    pub vega: Option<f64>,
    pub rho: Option<f64>,
    pub latest_quote: Option<StreamQuote>,
    pub latest_trade: Option<StreamTrade>,
}

/// Filters of `/v1beta1/options/snapshots/{underlying}` (`[alpaca.option_chain_filter]`),
/// passed to Alpaca as its query parameters of the same names; unset ones are not sent.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChainFilter {
    /// `call` or `put` (Alpaca's `type`).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Lowest strike, in dollars.
    pub strike_price_gte: Option<f64>,
    /// Highest strike, in dollars.
    pub strike_price_lte: Option<f64>,
    /// One expiration date, `YYYY-MM-DD`.
    pub expiration_date: Option<String>,
    /// Earliest expiration date, `YYYY-MM-DD`.
    pub expiration_date_gte: Option<String>,
    /// Latest expiration date, `YYYY-MM-DD`.
    pub expiration_date_lte: Option<String>,
    /// OCC root, for underlyings with several (e.g. `SPXW` of `SPX`).
    pub root_symbol: Option<String>,
}

/// A REST client with retries for rate limits and transient failures.
#[derive(Debug, Clone)]
pub struct RestClient {
    http: reqwest::Client,
    base: String,
    credentials: Credentials,
    max_attempts: u32,
    /// No request before this: the rate-limit window is used up until it resets.
    hold_until: std::sync::Arc<std::sync::Mutex<Option<tokio::time::Instant>>>,
}

/// Most requests a call retries (429s and transient failures) before giving up.
const MAX_ATTEMPTS: u32 = 8;
/// The longest wait for a rate-limit window to reset.
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

impl RestClient {
    pub fn new(config: &AlpacaConfig) -> Result<Self, AlpacaError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| AlpacaError::Fatal(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            base: config.data_url.trim_end_matches('/').to_string(),
            credentials: config.credentials()?,
            max_attempts: MAX_ATTEMPTS,
            hold_until: Default::default(),
        })
    }

    /// Waits out a rate-limit window that the previous response said is used up.
    async fn wait_for_window(&self) {
        let until = self.hold_until.lock().ok().and_then(|mut h| h.take());
        if let Some(until) = until
            && until > tokio::time::Instant::now()
        {
            tracing::info!(
                wait_ms = (until - tokio::time::Instant::now()).as_millis() as u64,
                "alpaca rate-limit window used up; waiting for it to reset"
            );
            tokio::time::sleep_until(until).await;
        }
    }

    /// GET a JSON document, retrying 429 (after `X-RateLimit-Reset`), 5xx and network
    /// errors; 4xx other than 429 are fatal with Alpaca's message.
    pub async fn get_json(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<serde_json::Value, AlpacaError> {
        let url = format!("{}{path}", self.base);
        let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(10));
        let mut last = String::new();
        for _ in 0..self.max_attempts {
            self.wait_for_window().await;
            let response = self
                .http
                .get(&url)
                .query(query)
                .header("APCA-API-KEY-ID", &self.credentials.key_id)
                .header("APCA-API-SECRET-KEY", &self.credentials.secret_key)
                .send()
                .await;
            let response = match response {
                Ok(r) => r,
                Err(e) => {
                    last = format!("GET {path}: {e}");
                    tokio::time::sleep(backoff.next_delay()).await;
                    continue;
                }
            };
            let status = response.status();
            if status.is_success() {
                let used_up = response
                    .headers()
                    .get("X-RateLimit-Remaining")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.trim() == "0");
                if used_up
                    && let Some(wait) = rate_limit_wait(response.headers())
                    && let Ok(mut hold) = self.hold_until.lock()
                {
                    *hold = Some(tokio::time::Instant::now() + wait);
                }
                return response.json().await.map_err(|e| {
                    AlpacaError::Transient(format!("GET {path}: body is not JSON: {e}"))
                });
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait =
                    rate_limit_wait(response.headers()).unwrap_or_else(|| backoff.next_delay());
                tracing::warn!(
                    path,
                    wait_ms = wait.as_millis() as u64,
                    "alpaca rate limit reached; waiting for the window to reset"
                );
                last = format!("GET {path}: rate limited (429)");
                tokio::time::sleep(wait).await;
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            let message = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                })
                .unwrap_or(body);
            if status.is_server_error() {
                last = format!("GET {path}: HTTP {status}: {message}");
                tokio::time::sleep(backoff.next_delay()).await;
                continue;
            }
            return Err(AlpacaError::Fatal(match status.as_u16() {
                401 | 403 => format!(
                    "GET {path}: the API keys were refused ({status}): {message}; check APCA_API_KEY_ID and APCA_API_SECRET_KEY"
                ),
                402 => {
                    format!("GET {path}: the account's plan does not include this (402): {message}")
                }
                409 => format!(
                    "GET {path}: no subscription for this feed (409): {message}; use feed=iex or upgrade the plan"
                ),
                _ => format!("GET {path}: HTTP {status}: {message}"),
            }));
        }
        Err(AlpacaError::Transient(format!(
            "gave up after {} attempts: {last}",
            self.max_attempts
        )))
    }

    /// Every page of a listing, following `next_page_token` until it is null.
    async fn pages(
        &self,
        path: &str,
        query: &[(&str, String)],
        mut each: impl FnMut(&serde_json::Value) -> Result<(), AlpacaError>,
    ) -> Result<usize, AlpacaError> {
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut q = query.to_vec();
            if let Some(t) = &token {
                q.push(("page_token", t.clone()));
            }
            let doc = self.get_json(path, &q).await?;
            each(&doc)?;
            pages += 1;
            match doc.get("next_page_token") {
                Some(serde_json::Value::String(t)) if !t.is_empty() => token = Some(t.clone()),
                _ => return Ok(pages),
            }
        }
    }

    /// Trades of one symbol in `[start, end]` (nanoseconds), oldest first.
    pub async fn trades(
        &self,
        symbol: &str,
        start: i64,
        end: i64,
        feed: &str,
    ) -> Result<Vec<StreamTrade>, AlpacaError> {
        let q = range_query(start, end, feed);
        let mut out = Vec::new();
        self.pages(&format!("/v2/stocks/{symbol}/trades"), &q, |doc| {
            for item in list(doc, "trades") {
                out.push(
                    rest_trade(item, symbol).map_err(|e| AlpacaError::Transient(e.to_string()))?,
                );
            }
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Quotes of one symbol in `[start, end]`, oldest first.
    pub async fn quotes(
        &self,
        symbol: &str,
        start: i64,
        end: i64,
        feed: &str,
    ) -> Result<Vec<StreamQuote>, AlpacaError> {
        let q = range_query(start, end, feed);
        let mut out = Vec::new();
        self.pages(&format!("/v2/stocks/{symbol}/quotes"), &q, |doc| {
            for item in list(doc, "quotes") {
                out.push(
                    rest_quote(item, symbol).map_err(|e| AlpacaError::Transient(e.to_string()))?,
                );
            }
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Bars of several symbols (`timeframe` like `1Min`, `5Min`, `1Hour`, `1Day`).
    pub async fn bars(
        &self,
        symbols: &[String],
        timeframe: &str,
        start: i64,
        end: i64,
        feed: &str,
    ) -> Result<BTreeMap<String, Vec<StreamBar>>, AlpacaError> {
        let mut q = range_query(start, end, feed);
        q.push(("symbols", symbols.join(",")));
        q.push(("timeframe", timeframe.to_string()));
        let mut out: BTreeMap<String, Vec<StreamBar>> = BTreeMap::new();
        self.pages("/v2/stocks/bars", &q, |doc| {
            if let Some(map) = doc.get("bars").and_then(|b| b.as_object()) {
                for (symbol, items) in map {
                    for item in items.as_array().into_iter().flatten() {
                        out.entry(symbol.clone()).or_default().push(
                            rest_bar(item, symbol)
                                .map_err(|e| AlpacaError::Transient(e.to_string()))?,
                        );
                    }
                }
            }
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Snapshots of an underlying's option chain, with Alpaca's Greeks and IV, every page;
    /// with `updated_since` (nanoseconds) only contracts that changed since then.
    pub async fn option_chain(
        &self,
        underlying: &str,
        filter: &ChainFilter,
        feed: &str,
        updated_since: Option<i64>,
    ) -> Result<Vec<OptionSnapshot>, AlpacaError> {
        let mut q = vec![("feed", feed.to_string()), ("limit", "1000".to_string())];
        if let Some(since) = updated_since {
            q.push(("updated_since", format_rfc3339(since)));
        }
        let opt = |k: &'static str, v: &Option<String>| v.clone().map(|v| (k, v));
        q.extend(
            [
                opt("type", &filter.kind),
                filter
                    .strike_price_gte
                    .map(|v| ("strike_price_gte", v.to_string())),
                filter
                    .strike_price_lte
                    .map(|v| ("strike_price_lte", v.to_string())),
                opt("expiration_date", &filter.expiration_date),
                opt("expiration_date_gte", &filter.expiration_date_gte),
                opt("expiration_date_lte", &filter.expiration_date_lte),
                opt("root_symbol", &filter.root_symbol),
            ]
            .into_iter()
            .flatten(),
        );
        let mut out = Vec::new();
        self.pages(
            &format!("/v1beta1/options/snapshots/{underlying}"),
            &q,
            |doc| {
                if let Some(map) = doc.get("snapshots").and_then(|s| s.as_object()) {
                    for (contract, snap) in map {
                        let greek = |k: &str| {
                            snap.get("greeks")
                                .and_then(|g| g.get(k))
                                .and_then(|v| v.as_f64())
                        };
                        out.push(OptionSnapshot {
                            contract: contract.clone(),
                            implied_volatility: snap
                                .get("impliedVolatility")
                                .and_then(|v| v.as_f64()),
                            delta: greek("delta"),
                            gamma: greek("gamma"),
                            theta: greek("theta"),
                            vega: greek("vega"),
                            rho: greek("rho"),
                            latest_quote: snap
                                .get("latestQuote")
                                .and_then(|q| rest_quote(q, contract).ok()),
                            latest_trade: snap
                                .get("latestTrade")
                                .and_then(|t| rest_trade(t, contract).ok()),
                        });
                    }
                }
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }
}

fn range_query(start: i64, end: i64, feed: &str) -> Vec<(&'static str, String)> {
    vec![
        ("start", format_rfc3339(start)),
        ("end", format_rfc3339(end)),
        ("limit", "10000".to_string()),
        ("feed", feed.to_string()),
        ("sort", "asc".to_string()),
    ]
}

fn list<'a>(doc: &'a serde_json::Value, key: &str) -> impl Iterator<Item = &'a serde_json::Value> {
    doc.get(key)
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
}

/// How long until `X-RateLimit-Reset` (Unix seconds), capped.
fn rate_limit_wait(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let reset: i64 = headers
        .get("X-RateLimit-Reset")?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs() as i64;
    Some(
        Duration::from_secs((reset - now).clamp(0, MAX_RATE_LIMIT_WAIT.as_secs() as i64) as u64)
            + Duration::from_millis(50),
    )
}
