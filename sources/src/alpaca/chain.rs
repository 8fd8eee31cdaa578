//! Option chains from Alpaca's snapshots, polled into the bus.
//!
//! Every `alpaca.option_chain_poll_ms`, each underlying of `alpaca.option_chains` is read
//! from `/v1beta1/options/snapshots/{underlying}` with `alpaca.option_chain_filter`, every
//! page of it (the REST client follows `next_page_token` and honours 429 and
//! `X-RateLimit-*`). After the first poll only contracts updated since the previous one
//! are asked for (`updated_since`, a second earlier for clock skew). Each contract whose
//! latest quote is new is published to `options.quotes.v1` as an [`OptionQuote`], keyed by
//! the polled underlying, so that it lands on the partition of the underlying's trades,
//! where the greeks processor pairs them. Ids are the stream's
//! (`alpaca:<feed>:<contract>:<quote time>:q`): the same quote from the options stream and
//! from a snapshot is one event.

use super::rest::{OptionSnapshot, RestClient};
use super::stream::option_quote_event;
use super::{AlpacaConfig, AlpacaError};
use finstream_bus::{BusError, OutRecord, Producer};
use finstream_schemas::{Codec, OptionQuote, SchemaError, now_nanos};
use std::collections::HashMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Shortest interval between polls, whatever the configuration says.
const MIN_POLL: Duration = Duration::from_secs(1);
/// How far `updated_since` reaches back before the previous poll, for clock skew.
const SKEW_NANOS: i64 = 1_000_000_000;

/// What a run of the poller did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChainStats {
    /// Completed polls (every underlying read).
    pub polls: u64,
    /// Contract snapshots received.
    pub snapshots: u64,
    /// Option quotes published.
    pub published: u64,
    /// Snapshots whose quote was already published.
    pub unchanged: u64,
    /// Snapshots without a quote, or whose symbol is not an OCC symbol.
    pub skipped: u64,
    /// Polls of an underlying that failed for a reason that may pass (network, 5xx, too
    /// many 429s); the next poll tries again.
    pub failed: u64,
}

/// Why the poller stopped.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// Alpaca refused for good (keys, plan, feed): the message says what to fix.
    #[error(transparent)]
    Alpaca(#[from] AlpacaError),
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

/// The option quote a snapshot carries, keyed by `underlying`, with the last trade's price.
pub fn snapshot_quote(
    feed: &str,
    underlying: &str,
    snapshot: &OptionSnapshot,
) -> Option<Result<OptionQuote, String>> {
    let quote = snapshot.latest_quote.as_ref()?;
    Some(option_quote_event(feed, quote).map(|mut q| {
        q.underlying = underlying.to_string();
        q.last_price = snapshot.latest_trade.as_ref().map(|t| t.price);
        q
    }))
}

/// Polls the configured chains until `shutdown`; stops early only on a fatal error.
pub async fn run(
    config: &AlpacaConfig,
    producer: Producer,
    codec: Codec,
    shutdown: CancellationToken,
) -> Result<ChainStats, ChainError> {
    let rest = RestClient::new(config)?;
    let feed = config.options_feed.as_str();
    let interval = Duration::from_millis(config.option_chain_poll_ms).max(MIN_POLL);
    let mut stats = ChainStats::default();
    // Per contract, the time of the newest quote published.
    let mut published: HashMap<String, i64> = HashMap::new();
    // Per underlying, when its last successful poll started.
    let mut since: HashMap<String, i64> = HashMap::new();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(underlyings = ?config.option_chains, feed, interval_ms = interval.as_millis() as u64, "polling option chain snapshots");
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(stats),
            _ = ticker.tick() => {}
        }
        for underlying in &config.option_chains {
            let started = now_nanos();
            let updated_since = since.get(underlying).map(|t| t - SKEW_NANOS);
            let snapshots = tokio::select! {
                _ = shutdown.cancelled() => return Ok(stats),
                r = rest.option_chain(underlying, &config.option_chain_filter, feed, updated_since) => r,
            };
            let snapshots = match snapshots {
                Ok(s) => s,
                Err(e) if e.is_fatal() => return Err(e.into()),
                Err(e) => {
                    stats.failed += 1;
                    tracing::warn!(underlying = %underlying, error = %e, "option chain poll failed; trying again at the next poll");
                    continue;
                }
            };
            since.insert(underlying.clone(), started);
            stats.snapshots += snapshots.len() as u64;
            let mut records = Vec::new();
            for snapshot in &snapshots {
                let quote = match snapshot_quote(feed, underlying, snapshot) {
                    Some(Ok(q)) => q,
                    Some(Err(reason)) => {
                        stats.skipped += 1;
                        tracing::warn!(contract = %snapshot.contract, reason = %reason, "skipping a snapshot whose symbol does not parse");
                        continue;
                    }
                    None => {
                        stats.skipped += 1;
                        continue;
                    }
                };
                if published.get(&quote.contract) == Some(&quote.event_time) {
                    stats.unchanged += 1;
                    continue;
                }
                records.push(OutRecord::event(&codec, &quote)?);
                published.insert(quote.contract, quote.event_time);
            }
            stats.published += records.len() as u64;
            producer.send_all(records).await?;
        }
        stats.polls += 1;
    }
}
