//! The `greeks` processor: option quotes plus the underlying's latest trade in, implied
//! volatility and Greeks out (`analytics.greeks.v1`).
//!
//! Option quotes and trades are both keyed by the underlying and the topics have the
//! same partition count, so one partition of each carries the same underlyings and one
//! group member sees both (co-partitioning). The option's mid price is solved for the
//! Black-Scholes-Merton implied volatility (Let's Be Rational) and the Greeks follow from
//! it; a mid outside the no-arbitrage bounds is published with empty volatility and
//! Greeks, so consumers see that the quote was checked. Expiry is taken at 20:00 UTC of
//! the expiration date (16:00 New York in summer). The spot is the underlying's latest
//! trade at or before the quote's event time, so the order in which the two topics are
//! read does not change the result.

use finstream_analytics::options::{OptionInputs, OptionKind, implied_volatility, valuation};
use finstream_bus::runner::{Emitter, Input, ProcessError, Processor};
use finstream_schemas::{Event, GreeksUpdate, OptionQuote, catalog};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Configuration of the `greeks` processor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GreeksConfig {
    /// Continuously compounded risk-free rate, per year.
    pub rate: f64,
    /// Continuous dividend yield per underlying, per year; others use 0.
    pub dividend_yields: BTreeMap<String, f64>,
    /// Quotes more than this many seconds after the underlying's latest trade are solved
    /// anyway, but a spot older than this is reported in the logs.
    pub max_spot_age_secs: i64,
}

impl Default for GreeksConfig {
    fn default() -> Self {
        Self {
            rate: 0.04,
            dividend_yields: BTreeMap::new(),
            max_spot_age_secs: 60,
        }
    }
}

const NANOS_PER_DAY: i64 = 86_400_000_000_000;
/// 20:00 UTC: the close of US options trading on summer days.
const EXPIRY_TIME_OF_DAY: i64 = 20 * 3_600_000_000_000;

/// Recent trades kept per underlying: enough to find the spot at a quote's time when
/// trades and quotes arrive interleaved differently from their event times.
const SPOT_HISTORY: usize = 256;

#[derive(Debug, Clone)]
struct Spot {
    price: f64,
    time: i64,
    trade_id: String,
}

/// Computes implied volatility and Greeks per option quote.
#[derive(Debug)]
pub struct GreeksProcessor {
    config: GreeksConfig,
    /// Recent trades per underlying, ordered by event time.
    spots: HashMap<String, VecDeque<Spot>>,
}

impl GreeksProcessor {
    pub fn new(config: &GreeksConfig) -> Result<Self, String> {
        if !config.rate.is_finite() || config.dividend_yields.values().any(|q| !q.is_finite()) {
            return Err("greeks.rate and greeks.dividend_yields must be finite numbers".into());
        }
        Ok(Self {
            config: config.clone(),
            spots: HashMap::new(),
        })
    }

    /// The update for one quote against a spot.
    pub fn compute(
        &self,
        quote: &OptionQuote,
        spot: f64,
        spot_time: i64,
        spot_id: &str,
    ) -> Result<GreeksUpdate, ProcessError> {
        if !(quote.bid_price.is_finite()
            && quote.ask_price.is_finite()
            && quote.bid_price >= 0.0
            && quote.ask_price > 0.0)
        {
            return Err(ProcessError::Invalid(format!(
                "option quote {} has bid {} and ask {}: both must be non-negative numbers, ask above 0",
                quote.id, quote.bid_price, quote.ask_price
            )));
        }
        if quote.ask_price < quote.bid_price {
            return Err(ProcessError::Invalid(format!(
                "option quote {} is crossed: ask {} below bid {}",
                quote.id, quote.ask_price, quote.bid_price
            )));
        }
        let expiry = i64::from(quote.expiration) * NANOS_PER_DAY + EXPIRY_TIME_OF_DAY;
        let now = quote.event_time.max(spot_time);
        let years = ((expiry - now).max(0) as f64 / NANOS_PER_DAY as f64) / 365.0;
        let dividend_yield = self
            .config
            .dividend_yields
            .get(&quote.underlying)
            .copied()
            .unwrap_or(0.0);
        let mid = (quote.bid_price + quote.ask_price) / 2.0;
        let inputs = OptionInputs {
            kind: OptionKind::from(quote.right),
            spot,
            strike: quote.strike.as_f64(),
            years,
            rate: self.config.rate,
            dividend_yield,
        };
        let solved = implied_volatility(&inputs, mid)
            .and_then(|iv| valuation(&inputs, iv).map(|v| (iv, v)))
            .ok();
        Ok(GreeksUpdate {
            id: format!("{}|{spot_id}", quote.id),
            contract: quote.contract.clone(),
            underlying: quote.underlying.clone(),
            expiration: quote.expiration,
            strike: quote.strike,
            right: quote.right,
            spot,
            option_price: mid,
            rate: self.config.rate,
            dividend_yield,
            time_to_expiry: years,
            implied_volatility: solved.map(|(iv, _)| iv),
            delta: solved.map(|(_, v)| v.delta),
            gamma: solved.map(|(_, v)| v.gamma),
            theta: solved.map(|(_, v)| v.theta_per_day),
            vega: solved.map(|(_, v)| v.vega_per_point),
            rho: solved.map(|(_, v)| v.rho_per_point),
            vanna: solved.map(|(_, v)| v.vanna),
            charm: solved.map(|(_, v)| v.charm_per_day),
            vomma: solved.map(|(_, v)| v.vomma),
            event_time: now,
        })
    }
}

impl Processor for GreeksProcessor {
    fn process(&mut self, input: Input<'_>, out: &mut Emitter) -> Result<(), ProcessError> {
        match &input.event {
            Event::Trade(t) => {
                if t.price.is_finite() && t.price > 0.0 {
                    let history = self.spots.entry(t.symbol.clone()).or_default();
                    let at = history.partition_point(|s| s.time <= t.event_time);
                    history.insert(
                        at,
                        Spot {
                            price: t.price,
                            time: t.event_time,
                            trade_id: t.id.clone(),
                        },
                    );
                    if history.len() > SPOT_HISTORY {
                        history.pop_front();
                    }
                }
                Ok(())
            }
            Event::OptionQuote(q) => {
                // The spot is the underlying's latest trade at or before the quote's event
                // time, whatever order the two topics were read in.
                let spot = self.spots.get(&q.underlying).and_then(|h| {
                    let at = h.partition_point(|s| s.time <= q.event_time);
                    at.checked_sub(1).and_then(|i| h.get(i))
                });
                let Some(spot) = spot else {
                    // No trade of the underlying before the quote: nothing to solve against.
                    // Not an error of the quote, so it is skipped, not dead-lettered.
                    return Ok(());
                };
                if (q.event_time - spot.time) / 1_000_000_000 > self.config.max_spot_age_secs {
                    tracing::debug!(underlying = %q.underlying, "solving against a stale spot");
                }
                let update = self.compute(q, spot.price, spot.time, &spot.trade_id)?;
                out.emit(&update)
            }
            other => Err(ProcessError::Invalid(format!(
                "the greeks processor reads {} and {} only, got a {:?} event",
                catalog::TRADES,
                catalog::OPTION_QUOTES,
                other.kind()
            ))),
        }
    }
}
