//! Williams' %R, as TA-Lib's `WILLR`: where the close sits below the highest high of the
//! last `period` bars, as a percentage of their high-low range, from -100 (at the low) to
//! 0 (at the high). First output at index `period - 1`.
//!
//! A flat window (high = low, within TA-Lib's relative dead zone) gives 0, as TA-Lib does.

use crate::indicators::oscillator::dead_zone::is_zero_relative;
use crate::indicators::rolling_extreme::{Extreme, RollingExtreme};
use crate::indicators::{Candle, IndicatorError, checked_period};

/// Williams' %R.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct WilliamsR {
    highest: RollingExtreme,
    lowest: RollingExtreme,
    value: Option<f64>,
}

impl WilliamsR {
    /// TA-Lib accepts periods from 2 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        checked_period("willr", "period", period, 2)?;
        Ok(Self {
            highest: RollingExtreme::new(Extreme::Highest, period),
            lowest: RollingExtreme::new(Extreme::Lowest, period),
            value: None,
        })
    }

    /// Adds one bar; amortised O(1).
    pub fn update(&mut self, c: &Candle) {
        self.highest.push(c.high);
        self.lowest.push(c.low);
        if !self.highest.is_full() {
            return;
        }
        let (Some((highest, _)), Some((lowest, _))) =
            (self.highest.extreme(), self.lowest.extreme())
        else {
            return;
        };
        self.value = Some(
            if is_zero_relative(highest - lowest, highest.abs() + lowest.abs()) {
                0.0
            } else {
                // TA-Lib 0.8's order of operations, which reproduces it bit for bit.
                -100.0 * ((highest - c.close) / (highest - lowest))
            },
        );
    }

    /// %R in [-100, 0], from index `period - 1` on.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.highest.clear();
        self.lowest.clear();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::bar;

    #[test]
    fn matches_talib_from_index_period_minus_one() {
        // TA-Lib: WILLR(h, l, c, timeperiod=3).
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
            -42.857142857142875,
            -16.666666666666742,
            -21.428571428571473,
            -53.33333333333338,
            -92.30769230769234,
            -94.44444444444446,
            -58.82352941176473,
            -26.66666666666669,
            -6.666666666666643,
            -0.0,
        ];
        let mut willr = WilliamsR::new(3).expect("valid");
        for i in 0..high.len() {
            willr.update(&bar(high[i], low[i], close[i]));
            match i.checked_sub(2) {
                None => assert_eq!(willr.value(), None),
                // Same operations as TA-Lib, so the same bits.
                Some(j) => assert_eq!(willr.value(), Some(want[j]), "bar {i}"),
            }
        }
    }

    #[test]
    fn flat_window_gives_zero_nan_propagates_and_reset_starts_over() {
        let mut willr = WilliamsR::new(2).expect("valid");
        willr.update(&bar(5.0, 5.0, 5.0));
        willr.update(&bar(5.0, 5.0, 5.0));
        assert_eq!(willr.value(), Some(0.0));
        willr.update(&bar(6.0, f64::NAN, 5.5));
        assert!(willr.value().is_some_and(f64::is_nan));
        willr.update(&bar(6.0, 5.0, 5.0));
        assert!(willr.value().is_some_and(f64::is_nan));
        willr.update(&bar(6.0, 5.0, 5.0));
        assert_eq!(willr.value(), Some(-100.0));
        willr.reset();
        assert!(!willr.is_ready());
    }

    #[test]
    fn refuses_periods_talib_refuses() {
        assert!(WilliamsR::new(1).is_err());
        assert!(WilliamsR::new(100_001).is_err());
        assert!(WilliamsR::new(2).is_ok());
    }
}
