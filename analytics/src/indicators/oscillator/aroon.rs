//! Aroon, as TA-Lib's `AROON`: how recently the highest high (up) and lowest low (down)
//! of the last `period + 1` bars occurred, `100 * (period - bars_since) / period`. The
//! window includes the current bar and `period` before it, so the first output is at
//! index `period`.
//!
//! When several bars share the extreme, the most recent one counts (TA-Lib scans with
//! `>=` and `<=`), so a high equalled today gives an up of 100.

use crate::indicators::rolling_extreme::{Extreme, RollingExtreme};
use crate::indicators::{Candle, IndicatorError, checked_period};

/// Aroon down and up, in percent.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AroonOutput {
    pub down: f64,
    pub up: f64,
}

/// Aroon indicator.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Aroon {
    period: usize,
    highest: RollingExtreme,
    lowest: RollingExtreme,
    value: Option<AroonOutput>,
}

impl Aroon {
    /// TA-Lib accepts periods from 2 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        checked_period("aroon", "period", period, 2)?;
        Ok(Self {
            period,
            highest: RollingExtreme::new(Extreme::Highest, period + 1),
            lowest: RollingExtreme::new(Extreme::Lowest, period + 1),
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
        let (Some(high), Some(low)) = (self.highest.extreme(), self.lowest.extreme()) else {
            return;
        };
        self.value = Some(AroonOutput {
            down: self.score(low),
            up: self.score(high),
        });
    }

    /// TA-Lib's `factor * (period - age)` with `factor = 100 / period`, in that order.
    fn score(&self, (extreme, age): (f64, u64)) -> f64 {
        if extreme.is_nan() {
            return f64::NAN;
        }
        let factor = 100.0 / self.period as f64;
        factor * (self.period as u64).saturating_sub(age) as f64
    }

    /// Down and up, from index `period` on.
    pub fn value(&self) -> Option<AroonOutput> {
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

    fn bar(high: f64, low: f64) -> Candle {
        Candle {
            open: low,
            high,
            low,
            close: high,
            volume: 1.0,
        }
    }

    #[test]
    fn matches_talib_and_its_newest_wins_tie_rule() {
        // TA-Lib: AROON(h, l, timeperiod=3). Bars 9, 10 and 11 share the high 11.4: TA-Lib
        // counts the newest, so up is 100 at bar 11 (the oldest would give 33.3).
        let high = [
            10.5, 11.0, 11.2, 11.4, 11.8, 11.9, 11.6, 11.0, 10.8, 11.4, 11.4, 11.4,
        ];
        let low = [
            9.8, 10.2, 10.5, 10.4, 10.9, 11.0, 10.6, 10.1, 9.9, 10.1, 10.7, 11.0,
        ];
        let third = 100.0 / 3.0;
        let want_down = [0.0, 0.0, third, 0.0, 100.0, 100.0, 2.0 * third, third, 0.0];
        let want_up = [
            100.0,
            100.0,
            100.0,
            2.0 * third,
            third,
            0.0,
            0.0,
            100.0,
            100.0,
        ];
        let mut aroon = Aroon::new(3).expect("valid");
        for i in 0..high.len() {
            aroon.update(&bar(high[i], low[i]));
            match i.checked_sub(3) {
                None => assert_eq!(aroon.value(), None),
                Some(j) => assert_eq!(
                    aroon.value(),
                    Some(AroonOutput {
                        down: want_down[j],
                        up: want_up[j],
                    }),
                    "bar {i}"
                ),
            }
        }
    }

    #[test]
    fn flat_window_is_a_fresh_high_and_low() {
        // TA-Lib: AROON of constant prices is 100 / 100 (every bar ties, the newest counts).
        let mut aroon = Aroon::new(3).expect("valid");
        for _ in 0..6 {
            aroon.update(&bar(5.0, 5.0));
        }
        assert_eq!(
            aroon.value(),
            Some(AroonOutput {
                down: 100.0,
                up: 100.0
            })
        );
    }

    #[test]
    fn nan_propagates_while_in_the_window_and_reset_starts_over() {
        let mut aroon = Aroon::new(2).expect("valid");
        aroon.update(&bar(2.0, 1.0));
        aroon.update(&bar(f64::NAN, 1.5));
        aroon.update(&bar(3.0, 2.0));
        let v = aroon.value().expect("ready");
        assert!(v.up.is_nan());
        assert_eq!(v.down, 0.0);
        aroon.update(&bar(2.5, 2.5));
        aroon.update(&bar(2.0, 3.0));
        assert_eq!(aroon.value(), Some(AroonOutput { down: 0.0, up: 0.0 }));
        aroon.reset();
        assert!(!aroon.is_ready());
    }

    #[test]
    fn refuses_periods_talib_refuses() {
        assert!(Aroon::new(1).is_err());
        assert!(Aroon::new(100_001).is_err());
    }
}
