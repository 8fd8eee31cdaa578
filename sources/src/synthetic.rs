//! A synthetic market: many symbols whose prices follow geometric Brownian motion with
//! occasional jumps, trading at a configurable rate, from a seed so that a run can be
//! reproduced exactly.

use finstream_analytics::options::{OptionInputs, OptionKind, valuation};
use finstream_bus::{BusError, OutRecord, Producer};
use finstream_schemas::{Codec, OptionQuote, OptionRight, Quote, Strike, Trade, now_nanos};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal, Poisson};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Configuration of the synthetic market.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SyntheticConfig {
    /// Symbols to trade; each starts at a price derived from its name.
    pub symbols: Vec<String>,
    /// Trades per second across all symbols.
    pub trades_per_second: u32,
    /// Seed of the random generator; the same seed gives the same market.
    pub seed: u64,
    /// Annualised volatility of the diffusion.
    pub volatility: f64,
    /// Expected jumps per symbol per day.
    pub jumps_per_day: f64,
    /// Underlyings (among `symbols`) with listed option chains.
    pub option_underlyings: Vec<String>,
    /// Option quotes per second across all chains.
    pub option_quotes_per_second: u32,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            symbols: [
                "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "AMD", "SPY", "QQQ",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            trades_per_second: 200,
            seed: 42,
            volatility: 0.35,
            jumps_per_day: 2.0,
            option_underlyings: vec!["AAPL".into(), "SPY".into(), "TSLA".into()],
            option_quotes_per_second: 50,
        }
    }
}

const YEAR_SECONDS: f64 = 252.0 * 6.5 * 3600.0;

#[derive(Debug)]
struct SymbolPath {
    symbol: String,
    price: f64,
    last_time: i64,
    sequence: i64,
}

/// A reproducible stream of trades.
#[derive(Debug)]
pub struct SyntheticMarket {
    config: SyntheticConfig,
    rng: StdRng,
    symbols: Vec<SymbolPath>,
    normal: Normal<f64>,
}

impl SyntheticMarket {
    pub fn new(config: SyntheticConfig) -> Result<Self, String> {
        if config.symbols.is_empty() {
            return Err("synthetic.symbols must list at least one symbol".into());
        }
        if !(config.volatility.is_finite() && config.volatility >= 0.0) {
            return Err("synthetic.volatility must be a non-negative number".into());
        }
        let normal = Normal::new(0.0, 1.0).map_err(|e| e.to_string())?;
        let symbols = config
            .symbols
            .iter()
            .map(|s| {
                // A stable, plausible starting price per name: 20 to 520.
                let h = s
                    .bytes()
                    .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
                SymbolPath {
                    symbol: s.to_uppercase(),
                    price: 20.0 + (h % 500) as f64,
                    last_time: 0,
                    sequence: 0,
                }
            })
            .collect();
        Ok(Self {
            rng: StdRng::seed_from_u64(config.seed),
            config,
            symbols,
            normal,
        })
    }

    /// The next trade at event time `t` (nanoseconds); the symbol is drawn at random.
    pub fn next_trade(&mut self, t: i64) -> Trade {
        let i = self.rng.random_range(0..self.symbols.len());
        let vol = self.config.volatility;
        let jump_rate = self.config.jumps_per_day / (6.5 * 3600.0);
        let z: f64 = self.normal.sample(&mut self.rng);
        let jump_draw: f64 = self.rng.random();
        let size_draw: f64 = self.rng.random();
        let s = &mut self.symbols[i];
        let dt = if s.last_time == 0 {
            1.0
        } else {
            ((t - s.last_time) as f64 / 1e9).max(1e-6)
        };
        let sigma = vol * (dt / YEAR_SECONDS).sqrt();
        let mut log_return = -0.5 * sigma * sigma + sigma * z;
        if jump_draw < jump_rate * dt {
            // A jump of about 2% either way.
            log_return += if z > 0.0 { 0.02 } else { -0.02 };
        }
        s.price = (s.price * log_return.exp()).max(0.01);
        s.last_time = t;
        s.sequence += 1;
        // Round lots mostly, odd lots sometimes.
        let size = if size_draw < 0.3 {
            (size_draw * 300.0).ceil()
        } else {
            100.0 * (1.0 + (size_draw * 10.0).floor())
        };
        let price = (s.price * 100.0).round() / 100.0;
        Trade {
            id: format!("synthetic:{}:{}:{}", self.config.seed, s.symbol, s.sequence),
            symbol: s.symbol.clone(),
            price,
            size,
            event_time: t,
            trade_id: Some(s.sequence),
            exchange: Some("S".into()),
            conditions: vec!["@".into()],
            tape: Some("C".into()),
            source: "synthetic".into(),
        }
    }

    /// The top of book around a trade: a spread of about two basis points (a cent at
    /// least), the trade inside it, sizes in round lots.
    pub fn quote_around(&mut self, trade: &Trade) -> Quote {
        let spread = (trade.price * 0.0002).max(0.01);
        let skew: f64 = self.rng.random();
        let bid = ((trade.price - spread * skew) * 100.0).floor() / 100.0;
        let ask = ((bid + spread) * 100.0).ceil() / 100.0;
        let ask = if ask <= bid { bid + 0.01 } else { ask };
        let lots = |r: f64| 100.0 * (1.0 + (r * 20.0).floor());
        let (b, a): (f64, f64) = (self.rng.random(), self.rng.random());
        Quote {
            id: format!("{}:q", trade.id),
            symbol: trade.symbol.clone(),
            bid_price: bid,
            bid_size: lots(b),
            ask_price: ask,
            ask_size: lots(a),
            event_time: trade.event_time,
            bid_exchange: Some("S".into()),
            ask_exchange: Some("S".into()),
            conditions: vec!["R".into()],
            tape: Some("C".into()),
            source: "synthetic".into(),
        }
    }
}

const NANOS_PER_DAY: i64 = 86_400_000_000_000;
/// Days to expiry of the listed expirations.
const EXPIRIES: [i32; 5] = [2, 9, 30, 58, 121];
/// Strikes listed on each side of the spot.
const STRIKES_EACH_SIDE: i64 = 10;

impl SyntheticMarket {
    /// The implied volatility the market quotes at log-moneyness `k = ln(K/S)` and `years`
    /// to expiry: a skewed smile over a term structure (short expiries richer).
    pub fn smile(&self, k: f64, years: f64) -> f64 {
        let base = self.config.volatility * (0.85 + 0.25 * (-years * 4.0).exp());
        (base - 0.35 * k + 1.2 * k * k).max(0.05)
    }

    /// A quote of a random listed option at time `t`, priced from the smile, or `None`
    /// when no underlying with options is traded.
    pub fn next_option_quote(&mut self, t: i64) -> Option<OptionQuote> {
        let underlyings: Vec<usize> = (0..self.symbols.len())
            .filter(|&i| {
                self.config
                    .option_underlyings
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case(&self.symbols[i].symbol))
            })
            .collect();
        if underlyings.is_empty() {
            return None;
        }
        let ui = underlyings[self.rng.random_range(0..underlyings.len())];
        let expiry_days = EXPIRIES[self.rng.random_range(0..EXPIRIES.len())];
        let steps = self
            .rng
            .random_range(-STRIKES_EACH_SIDE..=STRIKES_EACH_SIDE);
        let call = self.rng.random_bool(0.5);
        let size_draw: f64 = self.rng.random();
        let (symbol, spot) = (self.symbols[ui].symbol.clone(), self.symbols[ui].price);
        let increment = if spot < 50.0 {
            1.0
        } else if spot < 200.0 {
            2.5
        } else {
            5.0
        };
        let strike =
            Strike::from_f64(((spot / increment).round() + steps as f64).max(1.0) * increment);
        let today = t.div_euclid(NANOS_PER_DAY) as i32;
        let expiration = today + expiry_days;
        // Expiry at 20:00 UTC of its date, as the greeks processor assumes.
        let years = ((i64::from(expiration) * NANOS_PER_DAY + 20 * 3_600_000_000_000 - t).max(0)
            as f64
            / NANOS_PER_DAY as f64)
            / 365.0;
        let kind = if call {
            OptionKind::Call
        } else {
            OptionKind::Put
        };
        let k = (strike.as_f64() / spot).ln();
        let inputs = OptionInputs {
            kind,
            spot,
            strike: strike.as_f64(),
            years,
            rate: 0.04,
            dividend_yield: 0.0,
        };
        let fair = valuation(&inputs, self.smile(k, years)).ok()?.price;
        let half_spread = (fair * 0.02).clamp(0.01, 0.5);
        let bid = ((fair - half_spread) * 100.0).floor().max(0.0) / 100.0;
        let ask = (((fair + half_spread) * 100.0).ceil() / 100.0).max(bid + 0.01);
        let right = if call {
            OptionRight::Call
        } else {
            OptionRight::Put
        };
        let contract = occ_symbol(&symbol, expiration, right, strike);
        let seq = self.symbols[ui].sequence;
        Some(OptionQuote {
            id: format!("synthetic:{}:{contract}:{t}:{seq}", self.config.seed),
            contract,
            underlying: symbol,
            expiration,
            strike,
            right,
            bid_price: bid,
            bid_size: (1.0 + size_draw * 50.0).round(),
            ask_price: ask,
            ask_size: (1.0 + (1.0 - size_draw) * 50.0).round(),
            last_price: None,
            volume: (size_draw * 5000.0) as i64,
            open_interest: 1000 + (strike.thousandths % 7919),
            event_time: t,
            source: "synthetic".into(),
        })
    }
}

/// The OCC symbol: root, YYMMDD, C or P, strike times 1000 in eight digits.
pub fn occ_symbol(root: &str, expiration_days: i32, right: OptionRight, strike: Strike) -> String {
    finstream_schemas::occ::OccSymbol {
        root: root.to_string(),
        expiration: expiration_days,
        right,
        strike,
    }
    .format()
}

/// Produces trades in real time at the configured rate until `shutdown`.
pub async fn run(
    config: SyntheticConfig,
    producer: Producer,
    codec: Codec,
    shutdown: CancellationToken,
) -> Result<u64, BusError> {
    let rate = config.trades_per_second.max(1);
    let mut market = SyntheticMarket::new(config).map_err(BusError::Config)?;
    // Batch every 10 ms to keep per-send overhead low at high rates.
    let tick = Duration::from_millis(10);
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let per_tick = f64::from(rate) * tick.as_secs_f64();
    let poisson = Poisson::new(per_tick.max(1e-9)).map_err(|e| BusError::Config(e.to_string()))?;
    let option_rate = f64::from(market.config.option_quotes_per_second) * tick.as_secs_f64();
    let option_poisson =
        Poisson::new(option_rate.max(1e-9)).map_err(|e| BusError::Config(e.to_string()))?;
    let mut rng = StdRng::seed_from_u64(7);
    let mut produced = 0u64;
    tracing::info!(
        trades_per_second = rate,
        symbols = market.symbols.len(),
        "synthetic market started"
    );
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = interval.tick() => {}
        }
        let n = poisson.sample(&mut rng) as usize;
        let now = now_nanos();
        let mut records = Vec::with_capacity(n);
        for k in 0..n {
            // Spread the tick's trades over it, in increasing event time.
            let t = now - tick.as_nanos() as i64
                + (k as i64 * tick.as_nanos() as i64) / (n as i64).max(1);
            let trade = market.next_trade(t);
            records.push(OutRecord::event(&codec, &trade)?);
            // Every other trade moves the quote too.
            if k % 2 == 0 {
                records.push(OutRecord::event(&codec, &market.quote_around(&trade))?);
            }
        }
        let quotes = if option_rate > 0.0 {
            option_poisson.sample(&mut rng) as usize
        } else {
            0
        };
        for _ in 0..quotes {
            if let Some(q) = market.next_option_quote(now) {
                records.push(OutRecord::event(&codec, &q)?);
            }
        }
        produced += records.len() as u64;
        if let Err(e) = producer.send_all(records).await {
            tracing::warn!(error = %e, "synthetic market could not produce; retrying next tick");
        }
    }
    tracing::info!(produced, "synthetic market stopped");
    Ok(produced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_market() {
        let mut a = SyntheticMarket::new(SyntheticConfig::default()).expect("valid");
        let mut b = SyntheticMarket::new(SyntheticConfig::default()).expect("valid");
        for i in 0..1000 {
            let t = 1_700_000_000_000_000_000 + i * 1_000_000;
            assert_eq!(a.next_trade(t), b.next_trade(t));
        }
    }

    #[test]
    fn prices_stay_positive_and_sizes_plausible() {
        let mut m = SyntheticMarket::new(SyntheticConfig {
            volatility: 3.0,
            ..SyntheticConfig::default()
        })
        .expect("valid");
        for i in 0..10_000 {
            let t = m.next_trade(1_700_000_000_000_000_000 + i * 1_000_000_000);
            assert!(t.price >= 0.01 && t.price.is_finite());
            assert!(t.size >= 1.0 && t.size <= 1000.0, "{}", t.size);
        }
    }

    #[test]
    fn option_quotes_come_from_the_smile_and_are_never_crossed() {
        let mut m = SyntheticMarket::new(SyntheticConfig::default()).expect("valid");
        let t = 1_704_205_800_000_000_000;
        for i in 0..200 {
            m.next_trade(t + i);
        }
        let mut seen = 0;
        for i in 0..2_000 {
            let q = m
                .next_option_quote(t + i)
                .expect("AAPL, SPY and TSLA have options");
            assert!(q.bid_price >= 0.0 && q.ask_price > q.bid_price, "{q:?}");
            assert!(["AAPL", "SPY", "TSLA"].contains(&q.underlying.as_str()));
            assert!(
                q.contract.starts_with(&q.underlying)
                    && q.contract.len() == q.underlying.len() + 15,
                "{}",
                q.contract
            );
            assert!(q.expiration > (t / NANOS_PER_DAY) as i32);
            seen += 1;
        }
        assert_eq!(seen, 2_000);
        // The smile is skewed (puts richer) and short expiries are richer.
        assert!(m.smile(-0.1, 0.1) > m.smile(0.1, 0.1));
        assert!(m.smile(0.0, 0.02) > m.smile(0.0, 1.0));
        assert_eq!(
            occ_symbol(
                "AAPL",
                19846,
                OptionRight::Put,
                Strike {
                    thousandths: 155_000
                }
            ),
            "AAPL240503P00155000"
        );
    }

    #[test]
    fn quotes_bracket_their_trade_and_are_never_crossed() {
        let mut m = SyntheticMarket::new(SyntheticConfig::default()).expect("valid");
        for i in 0..5_000 {
            let t = m.next_trade(1_704_205_800_000_000_000 + i * 1_000_000);
            let q = m.quote_around(&t);
            assert!(q.bid_price < q.ask_price, "{q:?}");
            assert!(
                q.bid_price <= t.price + 1e-9 && t.price <= q.ask_price + 0.01 + 1e-9,
                "{q:?} vs {}",
                t.price
            );
            assert_eq!(
                (q.symbol.as_str(), q.event_time),
                (t.symbol.as_str(), t.event_time)
            );
        }
    }

    #[test]
    fn bad_configs_are_refused_with_a_reason() {
        let e = SyntheticMarket::new(SyntheticConfig {
            symbols: vec![],
            ..SyntheticConfig::default()
        })
        .expect_err("no symbols");
        assert!(e.contains("synthetic.symbols"));
        assert!(
            SyntheticMarket::new(SyntheticConfig {
                volatility: f64::NAN,
                ..SyntheticConfig::default()
            })
            .is_err()
        );
    }
}
