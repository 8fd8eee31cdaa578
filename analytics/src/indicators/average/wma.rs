//! Weighted moving average, as TA-Lib's `WMA`: linear weights `1..=period`, the newest
//! input weighing most, divided by `period * (period + 1) / 2`; first output after `period`
//! inputs (TA-Lib's lookback is `period - 1`). Period 1 is the input itself.
//!
//! The update is O(1) through two running sums, the plain sum `S` and the weighted sum
//! `W`: when a value enters a full window every weight drops by one, so
//! `W' = W - S + period * x` (the oldest value, at weight 1, leaves with `S`). TA-Lib keeps
//! both as `f64` totals that carry rounding from every value they ever saw. Here both are
//! exact fixed-point integers (64 fractional bits, as in
//! [`RollingSum`](crate::indicators::rolling_sum::RollingSum)), so the average is a pure
//! function of the window: a processor that restarts and rebuilds its window from a
//! replay prints the same bits as before. `RollingSum` alone cannot serve: the recurrence
//! needs `S` in the same exact units as `W`, and `RollingSum` only hands out an `f64`.

use crate::indicators::IndicatorError;
use crate::indicators::checked_period;
use std::collections::VecDeque;

const SCALE: f64 = 18_446_744_073_709_551_616.0; // 2^64, as in RollingSum

/// Weighted moving average with linear weights.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Wma {
    period: usize,
    /// `period * (period + 1) / 2`, times `SCALE`: what turns `weighted` into the average.
    /// Exact in an `f64` (an integer below 2^33 times a power of two).
    scaled_divider: f64,
    /// Inputs above this magnitude could make `weighted` leave the `i128` range.
    max_abs: f64,
    /// The window's inputs in fixed point, oldest first; `None` for an input that is not
    /// finite or is too large to sum exactly.
    window: VecDeque<Option<i128>>,
    /// How many `None` the window holds: the average is NaN while there is one.
    unrepresentable: usize,
    /// Exact sums of the representable inputs in the window, plain and weighted. Wrapping
    /// arithmetic is exact modulo 2^128, so as long as the true sums fit (which `max_abs`
    /// ensures) intermediate wraps cancel out.
    sum: i128,
    weighted: i128,
    value: Option<f64>,
}

impl Wma {
    /// TA-Lib accepts periods from 1 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = checked_period("wma", "period", period, 1)?;
        let divider = (period * (period + 1) / 2) as f64;
        Ok(Self {
            period,
            scaled_divider: divider * SCALE,
            // |W| <= divider * max|x| * 2^64 must stay below 2^127. That allows 1.7e17 at
            // period 10 and 1.8e9 at TA-Lib's largest period 100000.
            max_abs: 2f64.powi(63) / divider,
            window: VecDeque::with_capacity(period),
            unrepresentable: 0,
            sum: 0,
            weighted: 0,
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds one input; O(1).
    pub fn update(&mut self, x: f64) {
        if self.window.len() == self.period {
            // Every weight drops by one; the oldest value, at weight 1, leaves.
            self.weighted = self.weighted.wrapping_sub(self.sum);
            match self.window.pop_front() {
                Some(Some(oldest)) => self.sum = self.sum.wrapping_sub(oldest),
                Some(None) => self.unrepresentable -= 1,
                None => {}
            }
        }
        // The newest value takes the largest weight so far: `period` once the window is
        // full, its position while the window is still filling.
        let weight = (self.window.len() + 1) as i128;
        let fixed = self.to_fixed(x);
        match fixed {
            Some(f) => {
                self.sum = self.sum.wrapping_add(f);
                self.weighted = self.weighted.wrapping_add(f.wrapping_mul(weight));
            }
            None => self.unrepresentable += 1,
        }
        self.window.push_back(fixed);
        if self.window.len() == self.period {
            self.value = Some(if self.unrepresentable > 0 {
                f64::NAN
            } else {
                // One rounding to f64, one in the division: TA-Lib's `periodSum / divider`
                // rounds about as often, so the two agree to a few ulps plus its drift.
                self.weighted as f64 / self.scaled_divider
            });
        }
    }

    /// Multiplying by a power of two is exact, and so is the rounding for inputs above
    /// about 2.4e-4 in magnitude (their last bit is worth at least 2^-64). Below that the
    /// rounding costs at most 2^-65 absolute (5e-15 relative at 1e-5, 3e-10 at 1e-10), as
    /// in `Sma`, and is still a fixed function of the input, so replays stay bit-identical.
    fn to_fixed(&self, x: f64) -> Option<i128> {
        (x.abs() <= self.max_abs).then(|| (x * SCALE).round() as i128)
    }

    /// The current average, once `period` inputs have been seen; NaN while the window holds
    /// a non-finite input (or one beyond `max_abs`).
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.window.clear();
        self.unrepresentable = 0;
        self.sum = 0;
        self.weighted = 0;
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::CLOSES;

    fn run(wma: &mut Wma, xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter()
            .map(|&x| {
                wma.update(x);
                wma.value()
            })
            .collect()
    }

    /// The weighted average computed from scratch, for comparison.
    fn direct(window: &[f64]) -> f64 {
        let n = window.len() as f64;
        let w: f64 = window
            .iter()
            .enumerate()
            .map(|(i, x)| (i + 1) as f64 * x)
            .sum();
        w / (n * (n + 1.0) / 2.0)
    }

    #[test]
    fn matches_talib_from_index_period_minus_one() {
        // TA-Lib 0.8 (Python `talib.WMA(CLOSES, timeperiod=5)`).
        let want = [
            44.07066666666666,
            44.312666666666665,
            44.611999999999995,
            44.95066666666666,
            45.34466666666667,
            45.67000000000001,
            45.81533333333335,
            45.93666666666669,
            45.85600000000002,
            45.98600000000003,
            46.08666666666671,
            46.080666666666716,
            46.077333333333385,
            46.20066666666672,
            46.207333333333395,
            46.02466666666673,
        ];
        let got = run(&mut Wma::new(5).expect("valid"), &CLOSES);
        assert_eq!(got[..4], [None; 4]);
        for (g, w) in got[4..].iter().zip(want) {
            let g = g.expect("ready");
            assert!((g - w).abs() <= 1e-12 * w.abs(), "{g} vs TA-Lib {w}");
        }
        // TA-Lib: WMA([1,2,3,4,5], 3) = [nan, nan, 14/6, 20/6, 26/6].
        let got = run(&mut Wma::new(3).expect("valid"), &[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(
            got,
            [
                None,
                None,
                Some(14.0 / 6.0),
                Some(20.0 / 6.0),
                Some(26.0 / 6.0)
            ]
        );
    }

    #[test]
    fn a_long_history_leaves_no_trace() {
        // The sums are exact, so after 100000 inputs the average is bit for bit what a
        // fresh average over the same window prints, and equals the direct computation.
        let xs: Vec<f64> = (0..100_000)
            .map(|i| 150.0 + ((i * 7919) % 1013) as f64 / 97.0 + 1e-9 * i as f64)
            .collect();
        let mut long = Wma::new(10).expect("valid");
        for &x in &xs {
            long.update(x);
        }
        let mut fresh = Wma::new(10).expect("valid");
        for &x in &xs[xs.len() - 10..] {
            fresh.update(x);
        }
        let (l, f) = (long.value().expect("ready"), fresh.value().expect("ready"));
        assert_eq!(l.to_bits(), f.to_bits());
        let d = direct(&xs[xs.len() - 10..]);
        assert!((l - d).abs() <= 1e-14 * d, "{l} vs {d}");
    }

    #[test]
    fn flat_input_gives_the_input_and_period_one_is_the_input() {
        let got = run(&mut Wma::new(3).expect("valid"), &[9.5; 8]);
        assert_eq!(got[..2], [None; 2]);
        assert!(got[2..].iter().all(|v| *v == Some(9.5)));
        let got = run(&mut Wma::new(1).expect("valid"), &[3.5, -1.25, 0.0]);
        assert_eq!(got, [Some(3.5), Some(-1.25), Some(0.0)]);
    }

    #[test]
    fn nan_lasts_while_in_the_window_and_reset_starts_over() {
        let mut wma = Wma::new(2).expect("valid");
        let got = run(&mut wma, &[1.0, f64::NAN, 2.0, 4.0]);
        assert_eq!(got[0], None);
        assert!(got[1].is_some_and(f64::is_nan));
        assert!(got[2].is_some_and(f64::is_nan));
        assert_eq!(got[3], Some(10.0 / 3.0));
        // Too large to sum exactly at this period: NaN rather than a wrapped sum.
        let got = run(&mut wma, &[1e300, 1.0, 1.0]);
        assert!(got[0].is_some_and(f64::is_nan));
        assert!(got[1].is_some_and(f64::is_nan));
        assert_eq!(got[2], Some(1.0));
        wma.reset();
        assert!(!wma.is_ready());
        assert_eq!(run(&mut wma, &[2.0, 5.0]), [None, Some(4.0)]);
    }

    #[test]
    fn periods_talib_refuses_are_refused() {
        assert!(Wma::new(0).is_err());
        assert!(Wma::new(100_001).is_err());
        assert!(Wma::new(100_000).is_ok());
    }
}
