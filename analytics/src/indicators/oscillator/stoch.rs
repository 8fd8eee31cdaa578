//! Slow stochastic, as TA-Lib's `STOCH` with simple moving averages (`slowk_matype = 0`,
//! `slowd_matype = 0`): fast %K is where the close sits in the high-low range of the last
//! `fastk_period` bars, %K its SMA over `slowk_period`, %D the SMA of %K over
//! `slowd_period`. TA-Lib prints both lines from the first %D, at index
//! `fastk_period + slowk_period + slowd_period - 3`.
//!
//! A flat window (high = low, within TA-Lib's relative dead zone) gives a fast %K of 0,
//! not 50 or NaN, as TA-Lib does. Fast %K has TA-Lib's bits; the averages are exact
//! ([`Sma`]), so where TA-Lib's running totals leave a residue of about 1e-14 over a
//! window of zeros we print 0.

use crate::indicators::average::Sma;
use crate::indicators::oscillator::dead_zone::is_zero_relative;
use crate::indicators::rolling_extreme::{Extreme, RollingExtreme};
use crate::indicators::{Candle, IndicatorError, checked_period};

/// The two lines of the slow stochastic, in percent.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StochasticOutput {
    /// Slow %K: the smoothed fast %K.
    pub k: f64,
    /// %D: the signal line, the smoothed slow %K.
    pub d: f64,
}

/// Slow stochastic oscillator (%K and %D).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Stochastic {
    highest: RollingExtreme,
    lowest: RollingExtreme,
    slow_k: Sma,
    slow_d: Sma,
    value: Option<StochasticOutput>,
}

impl Stochastic {
    /// TA-Lib accepts each period from 1 to 100000. Both averages are simple (TA-Lib's
    /// matype 0, its default and the only kind offered here).
    pub fn new(
        fastk_period: usize,
        slowk_period: usize,
        slowd_period: usize,
    ) -> Result<Self, IndicatorError> {
        checked_period("stoch", "fastk_period", fastk_period, 1)?;
        checked_period("stoch", "slowk_period", slowk_period, 1)?;
        checked_period("stoch", "slowd_period", slowd_period, 1)?;
        Ok(Self {
            highest: RollingExtreme::new(Extreme::Highest, fastk_period),
            lowest: RollingExtreme::new(Extreme::Lowest, fastk_period),
            slow_k: Sma::new(slowk_period),
            slow_d: Sma::new(slowd_period),
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
        let fast_k = if is_zero_relative(highest - lowest, highest.abs() + lowest.abs()) {
            0.0
        } else {
            // TA-Lib 0.8's order of operations, which reproduces it bit for bit.
            100.0 * ((c.close - lowest) / (highest - lowest))
        };
        self.slow_k.update(fast_k);
        let Some(k) = self.slow_k.value() else {
            return;
        };
        self.slow_d.update(k);
        self.value = self.slow_d.value().map(|d| StochasticOutput { k, d });
    }

    /// %K and %D, from TA-Lib's first output index on.
    pub fn value(&self) -> Option<StochasticOutput> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.highest.clear();
        self.lowest.clear();
        self.slow_k.reset();
        self.slow_d.reset();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::bar;

    fn bars() -> Vec<Candle> {
        let high = [
            10.5, 11.0, 11.2, 11.4, 11.8, 11.9, 11.6, 11.0, 10.8, 11.4, 11.4, 11.4,
        ];
        let low = [
            9.8, 10.2, 10.5, 10.4, 10.9, 11.0, 10.6, 10.1, 9.9, 10.1, 10.7, 11.0,
        ];
        let close = [
            10.4, 10.9, 10.6, 11.2, 11.5, 11.1, 10.7, 10.2, 10.6, 11.0, 11.3, 11.4,
        ];
        (0..high.len())
            .map(|i| bar(high[i], low[i], close[i]))
            .collect()
    }

    fn close_to(got: f64, want: f64) -> bool {
        (got - want).abs() <= 1e-12 * want.abs().max(1.0)
    }

    #[test]
    fn matches_talib_from_the_first_d() {
        // TA-Lib: STOCH(h, l, c, fastk_period=3, slowk_period=2, slowk_matype=0,
        // slowd_period=2, slowd_matype=0); first output at 3 + 2 + 2 - 3 = 4.
        let want_k = [
            80.95238095238089,
            62.61904761904757,
            27.179487179487136,
            6.623931623931596,
            23.3660130718954,
            57.25490196078428,
            83.33333333333331,
            96.66666666666666,
        ];
        let want_d = [
            75.59523809523805,
            71.78571428571423,
            44.89926739926736,
            16.901709401709372,
            14.994972347913503,
            40.310457516339845,
            70.29411764705881,
            90.0,
        ];
        let mut stoch = Stochastic::new(3, 2, 2).expect("valid");
        for (i, b) in bars().iter().enumerate() {
            stoch.update(b);
            match i.checked_sub(4) {
                None => assert_eq!(stoch.value(), None, "bar {i}"),
                Some(j) => {
                    let v = stoch.value().expect("ready");
                    assert!(close_to(v.k, want_k[j]), "k[{i}] = {}", v.k);
                    assert!(close_to(v.d, want_d[j]), "d[{i}] = {}", v.d);
                }
            }
        }
    }

    #[test]
    fn flat_window_gives_zero_not_nan() {
        // TA-Lib: %K and %D are 0 on constant prices.
        let mut stoch = Stochastic::new(3, 2, 2).expect("valid");
        for _ in 0..8 {
            stoch.update(&bar(5.0, 5.0, 5.0));
        }
        assert_eq!(stoch.value(), Some(StochasticOutput { k: 0.0, d: 0.0 }));
    }

    #[test]
    fn nan_propagates_while_in_the_window_and_reset_starts_over() {
        let mut stoch = Stochastic::new(2, 1, 1).expect("valid");
        stoch.update(&bar(2.0, 1.0, 1.5));
        stoch.update(&bar(f64::NAN, 1.0, 1.5));
        assert!(stoch.value().is_some_and(|v| v.k.is_nan() && v.d.is_nan()));
        stoch.update(&bar(3.0, 1.0, 2.0));
        assert!(stoch.value().is_some_and(|v| v.k.is_nan()));
        stoch.update(&bar(3.0, 2.0, 2.5));
        assert_eq!(stoch.value(), Some(StochasticOutput { k: 75.0, d: 75.0 }));

        stoch.reset();
        assert!(!stoch.is_ready());
        stoch.update(&bar(3.0, 2.0, 2.5));
        assert_eq!(stoch.value(), None);
    }

    #[test]
    fn refuses_periods_talib_refuses() {
        assert!(Stochastic::new(0, 3, 3).is_err());
        assert!(Stochastic::new(5, 0, 3).is_err());
        assert!(Stochastic::new(5, 3, 0).is_err());
        assert!(Stochastic::new(100_001, 3, 3).is_err());
        assert!(Stochastic::new(1, 1, 1).is_ok());
    }
}
