//! Candles for the unit tests: a calm market that triggers no pattern, and a runner.
//! Every expected value in the tests was printed by TA-Lib 0.8 (`talib.CDL*`) on the same
//! candles.

use super::CandlePattern;
use crate::indicators::Candle;

pub(crate) fn bar(open: f64, high: f64, low: f64, close: f64) -> Candle {
    Candle {
        open,
        high,
        low,
        close,
        volume: 1000.0,
    }
}

/// `n` candles alternating white (100 → 101) and black (101 → 100), each with a body of 1,
/// shadows of 0.5 and a range of 2: every average TA-Lib takes over them is a round
/// number, and none of them is long, short, a doji or a gap.
pub(crate) fn calm(n: usize) -> Vec<Candle> {
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                bar(100.0, 101.5, 99.5, 101.0)
            } else {
                bar(101.0, 101.5, 99.5, 100.0)
            }
        })
        .collect()
}

/// `calm(n)` followed by `tail`, each `[open, high, low, close]`.
pub(crate) fn after_calm(n: usize, tail: &[[f64; 4]]) -> Vec<Candle> {
    let mut candles = calm(n);
    candles.extend(tail.iter().map(|&[o, h, l, c]| bar(o, h, l, c)));
    candles
}

/// The detector's value after each candle.
pub(crate) fn outputs(detector: &mut dyn CandlePattern, candles: &[Candle]) -> Vec<Option<i32>> {
    candles
        .iter()
        .map(|c| {
            detector.update(c);
            detector.value()
        })
        .collect()
}

/// Runs `detector` over `candles` and checks TA-Lib's shape of output: None before
/// `lookback`, 0 afterwards except the last `tail.len()` values, which must be `tail`.
pub(crate) fn assert_outputs(
    detector: &mut dyn CandlePattern,
    lookback: usize,
    candles: &[Candle],
    tail: &[i32],
) {
    let got = outputs(detector, candles);
    let mut want: Vec<Option<i32>> = (0..candles.len())
        .map(|i| (i >= lookback).then_some(0))
        .collect();
    let start = candles.len() - tail.len();
    for (slot, &v) in want[start..].iter_mut().zip(tail) {
        *slot = Some(v);
    }
    assert_eq!(got, want, "{}", detector.kind());
    // The same candles again after a reset give the same outputs.
    detector.reset();
    assert_eq!(
        outputs(detector, candles),
        want,
        "{} after reset",
        detector.kind()
    );
}
