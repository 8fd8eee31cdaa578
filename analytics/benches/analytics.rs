//! Speed of the pure analytics with criterion (figures only, no assertions on time):
//!
//! - `indicator_update/<spec>`: one bar into a representative set of indicators, by the
//!   same `DynIndicator` path the processor and `analyze bars` use (update, then read the
//!   outputs), in bars per second;
//! - `patterns/all_32` and `movement/default`: every candlestick pattern, and the movement
//!   detector, per bar;
//! - `options/european_price_and_greeks`: price + delta, gamma, theta, vega, rho, vanna,
//!   charm, vomma given the volatility, over a grid of strikes, expiries and volatilities;
//! - `options/implied_volatility`: solves on the same grid's prices.
//!
//! Time is the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not the wall
//! clock: the figures are per core, and other processes competing for the machine's cores
//! do not inflate them (on an idle machine the two agree).
//!
//!     cargo bench -p finstream-analytics --bench analytics
//!     cargo bench -p finstream-analytics --bench analytics -- options   # one group

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use finstream_analytics::indicators::Candle;
use finstream_analytics::indicators::spec::{DynIndicator, parse};
use finstream_analytics::movement::{MovementConfig, MovementDetector};
use finstream_analytics::options::{OptionInputs, OptionKind, implied_volatility, valuation};
use finstream_analytics::patterns::{CandlePattern, PatternKind};
use std::hint::black_box;
use std::time::Duration;

/// CPU time of the measuring thread, in nanoseconds like [`WallTime`] (whose formatter it
/// borrows, so figures print in the same units).
struct ThreadCpuTime {
    wall: WallTime,
}

impl Measurement for ThreadCpuTime {
    type Intermediate = cpu_time::ThreadTime;
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        cpu_time::ThreadTime::now()
    }

    fn end(&self, started: Self::Intermediate) -> Self::Value {
        started.elapsed()
    }

    fn add(&self, a: &Self::Value, b: &Self::Value) -> Self::Value {
        *a + *b
    }

    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

type Bench = Criterion<ThreadCpuTime>;

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

/// The indicators users ask for most, one or two per family.
const REPRESENTATIVE: &[&str] = &[
    "sma(20)",
    "ema(20)",
    "wma(20)",
    "kama(30)",
    "rsi(14)",
    "macd(12,26,9)",
    "stoch(5,3,3)",
    "cci(14)",
    "mfi(14)",
    "adx(14)",
    "sar(0.02,0.2)",
    "atr(14)",
    "bbands(20,2)",
    "obv",
    "vwap",
    "keltner(20,10,2)",
];

/// Bars per measured iteration: long enough that the loop's overhead is noise.
const CHUNK: usize = 1_000;

fn indicator_updates(c: &mut Bench) {
    let bars = candles(100_000);
    let mut group = c.benchmark_group("indicator_update");
    group
        .throughput(Throughput::Elements(CHUNK as u64))
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for spec_text in REPRESENTATIVE {
        let Ok(spec) = parse(spec_text) else {
            eprintln!("skipping {spec_text}: does not parse");
            continue;
        };
        let Ok(mut indicator) = DynIndicator::from_spec(&spec) else {
            eprintln!("skipping {spec_text}: does not build");
            continue;
        };
        let mut at = 0;
        group.bench_function(BenchmarkId::from_parameter(spec_text), |b| {
            b.iter(|| {
                // The indicator runs on through the whole series, chunk after chunk, so
                // it is measured in its steady state.
                for candle in &bars[at..at + CHUNK] {
                    indicator.update(black_box(candle), false);
                    black_box(indicator.values());
                }
                at = (at + CHUNK) % bars.len();
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("patterns");
    group
        .throughput(Throughput::Elements(CHUNK as u64))
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let mut detectors: Vec<Box<dyn CandlePattern>> =
        PatternKind::ALL.iter().map(|k| k.detector()).collect();
    let mut at = 0;
    group.bench_function("all_32", |b| {
        b.iter(|| {
            for candle in &bars[at..at + CHUNK] {
                for d in detectors.iter_mut() {
                    d.update(black_box(candle));
                    black_box(d.value());
                }
            }
            at = (at + CHUNK) % bars.len();
        })
    });
    group.finish();

    let mut group = c.benchmark_group("movement");
    group
        .throughput(Throughput::Elements(CHUNK as u64))
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    if let Ok(mut detector) = MovementDetector::new(MovementConfig::default()) {
        let mut at = 0;
        group.bench_function("default", |b| {
            b.iter(|| {
                for candle in &bars[at..at + CHUNK] {
                    black_box(detector.update(black_box(candle)));
                }
                at = (at + CHUNK) % bars.len();
            })
        });
    }
    group.finish();
}

/// A grid of strikes, expiries and volatilities: near and far from the money, a day to
/// two years, calls and puts.
fn option_grid() -> Vec<(OptionInputs, f64)> {
    let mut grid = Vec::new();
    for (i, strike) in (60..=140).step_by(5).enumerate() {
        for days in [1.0, 7.0, 30.0, 91.0, 365.0, 730.0] {
            let kind = if i % 2 == 0 {
                OptionKind::Call
            } else {
                OptionKind::Put
            };
            let inputs = OptionInputs {
                kind,
                spot: 100.0,
                strike: f64::from(strike),
                years: days / 365.0,
                rate: 0.04,
                dividend_yield: 0.01,
            };
            let vol = 0.08 + (grid.len() % 17) as f64 * 0.04;
            grid.push((inputs, vol));
        }
    }
    grid
}

fn options(c: &mut Bench) {
    let grid = option_grid();
    let prices: Vec<(OptionInputs, f64)> = grid
        .iter()
        .filter_map(|(inputs, vol)| valuation(inputs, *vol).ok().map(|v| (*inputs, v.price)))
        .collect();
    let mut group = c.benchmark_group("options");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(grid.len() as u64));
    group.bench_function("european_price_and_greeks", |b| {
        b.iter(|| {
            for (inputs, vol) in &grid {
                black_box(valuation(black_box(inputs), black_box(*vol)).ok());
            }
        })
    });
    group.throughput(Throughput::Elements(prices.len() as u64));
    group.bench_function("implied_volatility", |b| {
        b.iter(|| {
            for (inputs, price) in &prices {
                black_box(implied_volatility(black_box(inputs), black_box(*price)).ok());
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime { wall: WallTime });
    targets = indicator_updates, options
}
criterion_main!(benches);
