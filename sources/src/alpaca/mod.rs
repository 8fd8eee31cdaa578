//! The Alpaca Market Data API v2 connector: the stock and options streams
//! ([`stream`]), the REST history and snapshots ([`rest`]), and option chains polled
//! from the snapshots into the bus ([`chain`]).
//!
//! Keys come from the configuration or from `APCA_API_KEY_ID` / `APCA_API_SECRET_KEY`,
//! base URLs are configurable (tests point them at a local fake that follows the published
//! protocol), and errors say whether retrying can help: 401/402/403/409 and the stream's
//! 402/409/410/412/413 are fatal with a message that says what to fix; 429 waits for
//! `X-RateLimit-Reset`; network errors and 5xx are retried with jittered backoff.

pub mod chain;
pub mod rest;
pub mod stream;

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `[alpaca]`: the connector's configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AlpacaConfig {
    /// API key id; `APCA_API_KEY_ID` when unset.
    pub key_id: Option<String>,
    /// API secret; `APCA_API_SECRET_KEY` when unset. Never logged.
    pub secret_key: Option<String>,
    /// REST base URL.
    pub data_url: String,
    /// Stream base URL (the feed path is appended).
    pub stream_url: String,
    /// Stock feed: `iex`, `sip`, `delayed_sip`, or `test` (always on, symbol FAKEPACA).
    pub feed: String,
    /// Stream version path for the stock feed: `v2` (or `v1beta1` for boats/overnight).
    pub stream_version: String,
    /// Encode the stream in msgpack instead of JSON.
    pub msgpack: bool,
    /// Symbols whose trades and quotes are streamed.
    pub symbols: Vec<String>,
    /// Also stream quotes.
    pub quotes: bool,
    /// Seconds without any frame (pings are sent every third of it) before the socket is
    /// taken for dead and replaced.
    pub silence_timeout_secs: u64,
    /// Reconnect backoff bounds, milliseconds (jittered, doubling).
    pub reconnect_min_ms: u64,
    pub reconnect_max_ms: u64,
    /// After a reconnect, fetch the trades missed while disconnected from REST.
    pub backfill: bool,
    /// Option contracts (OCC symbols, e.g. AAPL240503P00155000) whose quotes are streamed
    /// from the options feed; none by default.
    pub option_contracts: Vec<String>,
    /// Options feed: `indicative` (free) or `opra`, for the options stream and the chain
    /// snapshots.
    pub options_feed: String,
    /// Underlyings whose whole option chains (as filtered by `option_chain_filter`) are
    /// polled from the snapshots endpoint and published as option quotes, e.g.
    /// `["AAPL", "SPY"]`; none by default. List them in `symbols` too: the greeks
    /// processor prices their options against their trades.
    pub option_chains: Vec<String>,
    /// Milliseconds between two polls of the chains (at least 1000). A poll reads every
    /// page of every underlying: mind the plan's request limit (200 a minute on the free
    /// plan), which the client honours by waiting when Alpaca says it is reached.
    pub option_chain_poll_ms: u64,
    /// Which contracts of the chains to poll: Alpaca's filters (`type`, strike and
    /// expiration ranges, `root_symbol`).
    pub option_chain_filter: rest::ChainFilter,
}

impl Default for AlpacaConfig {
    fn default() -> Self {
        Self {
            key_id: None,
            secret_key: None,
            data_url: "https://data.alpaca.markets".into(),
            stream_url: "wss://stream.data.alpaca.markets".into(),
            feed: "iex".into(),
            stream_version: "v2".into(),
            msgpack: false,
            symbols: vec!["AAPL".into(), "MSFT".into(), "SPY".into()],
            quotes: true,
            silence_timeout_secs: 30,
            reconnect_min_ms: 500,
            reconnect_max_ms: 30_000,
            backfill: true,
            option_contracts: Vec::new(),
            options_feed: "indicative".into(),
            option_chains: Vec::new(),
            option_chain_poll_ms: 15_000,
            option_chain_filter: rest::ChainFilter::default(),
        }
    }
}

/// Credentials, resolved from the configuration or the environment.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub key_id: String,
    pub secret_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("key_id", &self.key_id)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

impl AlpacaConfig {
    pub fn credentials(&self) -> Result<Credentials, AlpacaError> {
        let key_id = self
            .key_id
            .clone()
            .or_else(|| std::env::var("APCA_API_KEY_ID").ok());
        let secret_key = self
            .secret_key
            .clone()
            .or_else(|| std::env::var("APCA_API_SECRET_KEY").ok());
        match (key_id, secret_key) {
            (Some(key_id), Some(secret_key)) if !key_id.is_empty() && !secret_key.is_empty() => Ok(Credentials { key_id, secret_key }),
            _ => Err(AlpacaError::Fatal(
                "no Alpaca keys: set alpaca.key_id and alpaca.secret_key, or APCA_API_KEY_ID and APCA_API_SECRET_KEY".into(),
            )),
        }
    }

    /// The configuration of the options stream: msgpack only (Alpaca refuses JSON there),
    /// quotes of the configured contracts, no REST backfill.
    pub fn options_stream(&self) -> AlpacaConfig {
        AlpacaConfig {
            symbols: self.option_contracts.clone(),
            feed: self.options_feed.clone(),
            stream_version: "v1beta1".into(),
            msgpack: true,
            quotes: true,
            backfill: false,
            ..self.clone()
        }
    }

    pub fn silence_timeout(&self) -> Duration {
        Duration::from_secs(self.silence_timeout_secs.max(3))
    }
}

/// What went wrong talking to Alpaca.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlpacaError {
    /// Retrying will not help (bad keys, no subscription for the feed, bad request); the
    /// message says what to fix.
    #[error("alpaca: {0}")]
    Fatal(String),
    /// The network or Alpaca failed; retrying may help.
    #[error("alpaca (transient): {0}")]
    Transient(String),
}

impl AlpacaError {
    pub fn is_fatal(&self) -> bool {
        matches!(self, AlpacaError::Fatal(_))
    }
}

/// A jittered exponential backoff.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max: max.max(min),
            current: min,
        }
    }

    /// The next wait: a random point between half and all of the current step, which
    /// then doubles up to the maximum (so reconnecting clients do not stampede).
    pub fn next_delay(&mut self) -> Duration {
        let step = self.current;
        self.current = (self.current * 2).min(self.max);
        let jitter: f64 = rand::random::<f64>() * 0.5 + 0.5;
        step.mul_f64(jitter)
    }

    pub fn reset(&mut self) {
        self.current = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_up_to_the_maximum_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(800));
        let waits: Vec<Duration> = (0..6).map(|_| b.next_delay()).collect();
        for (w, step) in waits.iter().zip([100, 200, 400, 800, 800, 800]) {
            assert!(
                *w >= Duration::from_millis(step / 2) && *w <= Duration::from_millis(step),
                "{w:?} for step {step}"
            );
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }

    #[test]
    fn credentials_are_required_and_never_printed() {
        let cfg = AlpacaConfig {
            key_id: Some("AK1".into()),
            secret_key: Some("s3cret".into()),
            ..AlpacaConfig::default()
        };
        let c = cfg.credentials().expect("given");
        assert!(!format!("{c:?}").contains("s3cret"));
        let none = AlpacaConfig {
            key_id: Some(String::new()),
            secret_key: Some(String::new()),
            ..AlpacaConfig::default()
        };
        assert!(
            none.credentials()
                .expect_err("empty")
                .to_string()
                .contains("APCA_API_KEY_ID")
        );
    }
}
