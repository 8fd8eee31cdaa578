//! Moving average convergence/divergence, as TA-Lib's `MACD`.
//!
//! TA-Lib seeds each EMA with the simple average of its first `period` inputs, but it
//! starts the fast EMA late, on the `fast` closes that end where the slow EMA's seed
//! ends (index `slow - 1`), so both EMAs first output on the same bar; the fast EMA never
//! sees the first `slow - fast` closes. Early MACD values therefore differ from
//! `EMA(fast) - EMA(slow)` computed independently (the difference decays with the fast
//! EMA's memory). The signal line is an EMA of the MACD line, seeded likewise with the
//! simple average of its first `signal` values, and nothing is printed before it exists:
//! the first output is at index `slow + signal - 2` (33 for 12, 26, 9).

use crate::indicators::IndicatorError;
use crate::indicators::average::Ema;
use crate::indicators::checked_period;

/// The three MACD outputs, named as TA-Lib's columns.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MacdValue {
    /// Fast EMA minus slow EMA.
    pub macd: f64,
    /// EMA of `macd`.
    pub signal: f64,
    /// `macd - signal`.
    pub hist: f64,
}

/// MACD line, signal line and histogram over closes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Macd {
    fast_period: usize,
    slow_period: usize,
    signal_period: usize,
    /// Closes still to skip before the fast EMA starts.
    fast_skip: usize,
    fast: Ema,
    slow: Ema,
    signal: Ema,
    value: Option<MacdValue>,
}

impl Macd {
    /// TA-Lib accepts fast and slow periods from 2 and signal periods from 1 (to 100000),
    /// and swaps fast and slow when `fast > slow`; so do we.
    pub fn new(fast: usize, slow: usize, signal: usize) -> Result<Self, IndicatorError> {
        let fast = checked_period("macd", "fast period", fast, 2)?;
        let slow = checked_period("macd", "slow period", slow, 2)?;
        let signal = checked_period("macd", "signal period", signal, 1)?;
        let (fast, slow) = (fast.min(slow), fast.max(slow));
        Ok(Self {
            fast_period: fast,
            slow_period: slow,
            signal_period: signal,
            fast_skip: slow - fast,
            fast: Ema::new(fast)?,
            slow: Ema::new(slow)?,
            signal: Ema::new(signal)?,
            value: None,
        })
    }

    /// Fast, slow and signal periods (after TA-Lib's swap of fast and slow).
    pub fn periods(&self) -> (usize, usize, usize) {
        (self.fast_period, self.slow_period, self.signal_period)
    }

    /// Adds one close; O(1).
    pub fn update(&mut self, x: f64) {
        if self.fast_skip > 0 {
            self.fast_skip -= 1;
        } else {
            self.fast.update(x);
        }
        self.slow.update(x);
        let (Some(fast), Some(slow)) = (self.fast.value(), self.slow.value()) else {
            return;
        };
        let macd = fast - slow;
        self.signal.update(macd);
        if let Some(signal) = self.signal.value() {
            self.value = Some(MacdValue {
                macd,
                signal,
                hist: macd - signal,
            });
        }
    }

    /// The current outputs, once `slow + signal - 1` closes have been seen.
    pub fn value(&self) -> Option<MacdValue> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.fast_skip = self.slow_period - self.fast_period;
        self.fast.reset();
        self.slow.reset();
        self.signal.reset();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::CLOSES;

    fn run(macd: &mut Macd, xs: &[f64]) -> Vec<Option<MacdValue>> {
        xs.iter()
            .map(|&x| {
                macd.update(x);
                macd.value()
            })
            .collect()
    }

    fn close(got: f64, want: f64) -> bool {
        (got - want).abs() <= 1e-12 * want.abs().max(1e-3)
    }

    #[test]
    fn matches_talib_from_index_slow_plus_signal_minus_two() {
        // TA-Lib 0.8 (Python `talib.MACD(CLOSES, fastperiod=3, slowperiod=5,
        // signalperiod=2)`), indices 5 to 9.
        let want = [
            (0.08399999999999608, 0.0049999999999954525),
            (0.16766666666666907, 0.11344444444444453),
            (0.2209444444444486, 0.18511111111111392),
            (0.2718796296296304, 0.24295679012345825),
            (0.28354475308641724, 0.2700154320987642),
        ];
        let got = run(&mut Macd::new(3, 5, 2).expect("valid"), &CLOSES);
        assert_eq!(got[..5], [None; 5]);
        for (g, (macd, signal)) in got[5..10].iter().zip(want) {
            let g = g.expect("ready");
            assert!(close(g.macd, macd), "macd {} vs TA-Lib {macd}", g.macd);
            assert!(close(g.signal, signal), "signal {} vs {signal}", g.signal);
            assert!(close(g.hist, macd - signal), "hist {}", g.hist);
        }
        // Independent EMA(3) - EMA(5) at index 5 is 0.12691666666666634, not 0.084: TA-Lib's
        // fast EMA seeds on closes 2..=4, not 0..=2.
        assert!(!close(got[5].expect("ready").macd, 0.12691666666666634));
    }

    #[test]
    fn fast_and_slow_are_swapped_as_in_talib() {
        let mut swapped = Macd::new(5, 3, 2).expect("valid");
        assert_eq!(swapped.periods(), (3, 5, 2));
        let mut straight = Macd::new(3, 5, 2).expect("valid");
        assert_eq!(run(&mut swapped, &CLOSES), run(&mut straight, &CLOSES));
    }

    #[test]
    fn flat_is_zero_and_reset_starts_over() {
        let mut macd = Macd::new(2, 3, 1).expect("valid");
        let got = run(&mut macd, &[4.0; 4]);
        assert_eq!(got[..2], [None; 2]);
        let zero = MacdValue {
            macd: 0.0,
            signal: 0.0,
            hist: 0.0,
        };
        assert_eq!(got[2..], [Some(zero); 2]);
        macd.reset();
        assert!(!macd.is_ready());
        let after = run(&mut macd, &CLOSES);
        assert_eq!(after, run(&mut Macd::new(2, 3, 1).expect("valid"), &CLOSES));
    }

    #[test]
    fn nan_poisons_until_reset_and_bad_periods_are_refused() {
        let mut macd = Macd::new(2, 3, 1).expect("valid");
        let got = run(&mut macd, &[1.0, 2.0, 3.0, f64::NAN, 4.0]);
        assert!(got[2].is_some_and(|v| !v.macd.is_nan()));
        assert!(
            got[3..]
                .iter()
                .all(|v| v.is_some_and(|v| v.macd.is_nan() && v.signal.is_nan()))
        );
        assert!(Macd::new(1, 26, 9).is_err());
        assert!(Macd::new(12, 26, 0).is_err());
        assert!(Macd::new(12, 100_001, 9).is_err());
    }
}
