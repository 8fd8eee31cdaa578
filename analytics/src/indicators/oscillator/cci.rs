//! Commodity channel index, as TA-Lib's `CCI`: with typical prices `tp = (high + low +
//! close) / 3` over the last `period` bars, their mean `m` and mean absolute deviation
//! `md = sum(|tp_i - m|) / period`, `CCI = (tp - m) / (0.015 * md)`. First output at index
//! `period - 1`.
//!
//! TA-Lib prints 0 when either `tp - m` or `md` is within 1e-14 of `|m|` (its relative
//! dead zone), so a flat window, or a bar exactly at the mean, gives 0 rather than NaN
//! or rounding noise.
//!
//! Cost: the mean deviation is taken about the current mean, so every term changes when
//! the mean moves and there is no O(1) update; this is O(period) per bar, as in TA-Lib.
//! The mean itself is an exact rolling sum, and the deviations are summed oldest first,
//! so the value depends on the window alone.

use crate::indicators::oscillator::dead_zone::is_zero_relative;
use crate::indicators::rolling_sum::RollingSum;
use crate::indicators::{Candle, IndicatorError, checked_period};
use std::collections::VecDeque;

/// Commodity channel index.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Cci {
    period: usize,
    typical: VecDeque<f64>,
    sum: RollingSum,
    value: Option<f64>,
}

impl Cci {
    /// TA-Lib accepts periods from 2 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        checked_period("cci", "period", period, 2)?;
        Ok(Self {
            period,
            typical: VecDeque::with_capacity(period),
            sum: RollingSum::default(),
            value: None,
        })
    }

    /// Adds one bar; O(period) (see the module notes).
    pub fn update(&mut self, c: &Candle) {
        let tp = (c.high + c.low + c.close) / 3.0;
        self.typical.push_back(tp);
        self.sum.add(tp);
        if self.typical.len() < self.period {
            return;
        }
        let n = self.period as f64;
        let mean = self.sum.value() / n;
        let deviation = self.typical.iter().map(|x| (x - mean).abs()).sum::<f64>() / n;
        let distance = tp - mean;
        let scale = mean.abs();
        self.value = Some(
            if is_zero_relative(distance, scale) || is_zero_relative(deviation, scale) {
                0.0
            } else {
                distance / (0.015 * deviation)
            },
        );
        if let Some(oldest) = self.typical.pop_front() {
            self.sum.remove(oldest);
        }
    }

    /// The index, from index `period - 1` on.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.typical.clear();
        self.sum.clear();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::bar;

    #[test]
    fn matches_talib_from_index_period_minus_one() {
        // TA-Lib: CCI(h, l, c, timeperiod=3).
        let high = [
            10.5, 11.0, 11.2, 11.4, 11.8, 11.9, 11.6, 11.0, 10.8, 11.4, 11.4, 11.4,
        ];
        let low = [
            9.8, 10.2, 10.5, 10.4, 10.9, 11.0, 10.6, 10.1, 9.9, 10.1, 10.7, 11.0,
        ];
        let close = [
            10.4, 10.9, 10.6, 11.2, 11.5, 11.1, 10.7, 10.2, 10.6, 11.0, 11.3, 11.4,
        ];
        let want = [
            59.99999999999947,
            99.9999999999995,
            100.00000000000001,
            36.36363636363623,
            -100.00000000000034,
            -100.0,
            -49.99999999999987,
            99.99999999999969,
            90.9090909090909,
            77.272727272727,
        ];
        let mut cci = Cci::new(3).expect("valid");
        for i in 0..high.len() {
            cci.update(&bar(high[i], low[i], close[i]));
            match i.checked_sub(2) {
                None => assert_eq!(cci.value(), None),
                Some(j) => {
                    let got = cci.value().expect("ready");
                    // TA-Lib's mean is a plain sum, ours exact: they differ in the last bits.
                    assert!(
                        (got - want[j]).abs() <= 1e-12 * want[j].abs(),
                        "bar {i}: {got}"
                    );
                }
            }
        }
    }

    #[test]
    fn flat_window_and_a_bar_at_the_mean_give_zero() {
        // TA-Lib: CCI of constant prices is 0; CCI([10, 12, 11], 3) is 0, not NaN.
        let mut cci = Cci::new(3).expect("valid");
        for _ in 0..4 {
            cci.update(&bar(5.0, 5.0, 5.0));
        }
        assert_eq!(cci.value(), Some(0.0));
        let mut cci = Cci::new(3).expect("valid");
        for tp in [10.0, 12.0, 11.0] {
            cci.update(&bar(tp, tp, tp));
        }
        assert_eq!(cci.value(), Some(0.0));
    }

    #[test]
    fn nan_propagates_while_in_the_window_and_reset_starts_over() {
        let mut cci = Cci::new(2).expect("valid");
        cci.update(&bar(1.0, 1.0, 1.0));
        cci.update(&bar(f64::NAN, 1.0, 1.0));
        assert!(cci.value().is_some_and(f64::is_nan));
        cci.update(&bar(2.0, 2.0, 2.0));
        assert!(cci.value().is_some_and(f64::is_nan));
        cci.update(&bar(1.0, 1.0, 1.0));
        // (1 - 1.5) / (0.015 * 0.5)
        assert!(cci.value().is_some_and(|v| (v + 200.0 / 3.0).abs() < 1e-12));
        cci.reset();
        assert!(!cci.is_ready());
        cci.update(&bar(1.0, 1.0, 1.0));
        assert_eq!(cci.value(), None);
    }

    #[test]
    fn refuses_periods_talib_refuses() {
        assert!(Cci::new(1).is_err());
        assert!(Cci::new(100_001).is_err());
    }
}
