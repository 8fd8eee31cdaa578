//! Speed of the pure analytics, printed as figures (no timing assertions anywhere):
//! indicator update cost per bar, European price + Greeks and implied-volatility solves
//! per second on one core.
//!
//!     cargo bench -p finstream-analytics --bench analytics

use finstream_analytics::indicators::Candle;
use finstream_analytics::indicators::spec::{DynIndicator, NAMES, parse};
use finstream_analytics::options::{OptionInputs, OptionKind, implied_volatility, valuation};
use std::hint::black_box;
use std::time::Instant;

/// A deterministic walk, so every run measures the same inputs.
fn candles(n: usize) -> Vec<Candle> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut price = 100.0;
    (0..n)
        .map(|_| {
            let open = price;
            price *= 1.0 + (next() - 0.5) * 0.004;
            let (hi, lo) = (
                open.max(price) * (1.0 + next() * 0.001),
                open.min(price) * (1.0 - next() * 0.001),
            );
            Candle {
                open,
                high: hi,
                low: lo,
                close: price,
                volume: 1000.0 + next() * 5000.0,
            }
        })
        .collect()
}

/// The smallest of `runs` measurements (the least disturbed by the rest of the machine).
fn best_of<F: FnMut() -> f64>(runs: usize, mut f: F) -> f64 {
    (0..runs).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn main() {
    let bars = candles(200_000);
    println!(
        "indicator update cost, ns per bar (best of 5 runs over {} bars):",
        bars.len()
    );
    for name in NAMES {
        let spec_text = match *name {
            "sma" | "ema" | "wma" | "dema" | "tema" | "kama" => format!("{name}(20)"),
            "macd" => "macd(12,26,9)".into(),
            "bbands" => "bbands(20,2,2)".into(),
            "stoch" => "stoch(5,3,3)".into(),
            "stochrsi" => "stochrsi(14,5,3)".into(),
            other => other.to_string(),
        };
        let Ok(spec) = parse(&spec_text) else {
            continue;
        };
        let ns = best_of(5, || {
            let Ok(mut ind) = DynIndicator::from_spec(&spec) else {
                return f64::NAN;
            };
            let start = Instant::now();
            for c in &bars {
                ind.update(black_box(c), false);
                black_box(ind.values());
            }
            start.elapsed().as_nanos() as f64 / bars.len() as f64
        });
        println!("  {spec_text:<18} {ns:>8.1}");
    }

    // Options: a grid of strikes, expiries and volatilities.
    let mut inputs = Vec::new();
    for (i, strike) in (60..=140).step_by(5).enumerate() {
        for days in [1.0, 7.0, 30.0, 91.0, 365.0, 730.0] {
            let kind = if i % 2 == 0 {
                OptionKind::Call
            } else {
                OptionKind::Put
            };
            inputs.push(OptionInputs {
                kind,
                spot: 100.0,
                strike: f64::from(strike),
                years: days / 365.0,
                rate: 0.04,
                dividend_yield: 0.01,
            });
        }
    }
    let vols: Vec<f64> = (0..inputs.len())
        .map(|i| 0.08 + (i % 17) as f64 * 0.04)
        .collect();
    let prices: Vec<f64> = inputs
        .iter()
        .zip(&vols)
        .map(|(inp, v)| valuation(inp, *v).map(|x| x.price).unwrap_or(f64::NAN))
        .collect();
    let rounds = 20_000;
    let n = (inputs.len() * rounds) as f64;
    let greeks_secs = best_of(3, || {
        let start = Instant::now();
        for _ in 0..rounds {
            for (inp, v) in inputs.iter().zip(&vols) {
                black_box(valuation(black_box(inp), black_box(*v)).ok());
            }
        }
        start.elapsed().as_secs_f64()
    });
    let greeks_per_s = n / greeks_secs;
    let iv_rounds = 5_000;
    let m = (inputs.len() * iv_rounds) as f64;
    let iv_secs = best_of(3, || {
        let start = Instant::now();
        for _ in 0..iv_rounds {
            for (inp, p) in inputs.iter().zip(&prices) {
                black_box(implied_volatility(black_box(inp), black_box(*p)).ok());
            }
        }
        start.elapsed().as_secs_f64()
    });
    let iv_per_s = m / iv_secs;
    println!(
        "European price + 9 Greeks (given vol): {:>12.0} per second on one core ({:.1} ns each)",
        greeks_per_s,
        1e9 / greeks_per_s
    );
    println!(
        "implied volatility solves:             {:>12.0} per second on one core ({:.1} ns each)",
        iv_per_s,
        1e9 / iv_per_s
    );
}
