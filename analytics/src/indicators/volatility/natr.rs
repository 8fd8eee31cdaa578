//! Normalized average true range, as TA-Lib's `NATR`: `ATR / close * 100`, with the
//! same seed and start index as [`Atr`] (index `period`), and 0 when the close is 0.
//!
//! TA-Lib quirk kept on purpose: with a period of 1 TA-Lib returns the plain true range,
//! not normalized by the close (its code short-cuts to `TRANGE`). We print the same, so
//! that NATR(1) agrees with TA-Lib; use a period of at least 2 for a percentage.

use super::atr::Atr;
use crate::indicators::{Candle, IndicatorError};

/// ATR as a percentage of the close.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Natr {
    atr: Atr,
    value: Option<f64>,
}

impl Natr {
    /// TA-Lib accepts periods from 1 to 100 000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let atr = Atr::new(period).map_err(|e| IndicatorError::new("natr", e.message))?;
        Ok(Self { atr, value: None })
    }

    pub fn period(&self) -> usize {
        self.atr.period()
    }

    /// Adds one bar; O(1).
    pub fn update(&mut self, c: &Candle) {
        self.atr.update(c);
        self.value = if self.atr.period() == 1 {
            self.atr.true_range()
        } else {
            self.atr.value().map(|atr| {
                if c.close != 0.0 {
                    (atr / c.close) * 100.0
                } else {
                    0.0
                }
            })
        };
    }

    /// The percentage, from index `period` on.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.atr.reset();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::{assert_close, bars, flat};

    fn run(natr: &mut Natr, bars: &[Candle]) -> Vec<Option<f64>> {
        bars.iter()
            .map(|b| {
                natr.update(b);
                natr.value()
            })
            .collect()
    }

    #[test]
    fn is_atr_over_close_in_percent() {
        // TA-Lib: NATR(timeperiod=3) on the shared bars.
        let mut natr = Natr::new(3).expect("valid");
        let want = [
            None,
            None,
            None,
            Some(14.285714285714285),
            Some(13.88888888888889),
            Some(11.555555555555555),
            Some(12.721417069243154),
        ];
        assert_close(&run(&mut natr, &bars()), &want);
    }

    #[test]
    fn period_one_is_the_raw_true_range_like_talib() {
        // TA-Lib: NATR(timeperiod=1) == TRANGE, not TRANGE / close * 100.
        let mut natr = Natr::new(1).expect("valid");
        let want = [
            None,
            Some(1.5),
            Some(1.5),
            Some(1.5),
            Some(2.0),
            Some(1.0),
            Some(1.5),
        ];
        assert_eq!(run(&mut natr, &bars()), want);
    }

    #[test]
    fn zero_close_gives_zero_and_reset_starts_over() {
        let mut natr = Natr::new(2).expect("valid");
        let mut bars = vec![flat(1.0, 1.0), flat(2.0, 1.0), flat(1.0, 1.0)];
        bars.push(Candle {
            close: 0.0,
            ..flat(1.0, 1.0)
        });
        assert_eq!(run(&mut natr, &bars)[3], Some(0.0));
        natr.reset();
        assert!(!natr.is_ready());
        assert!(Natr::new(0).is_err());
    }
}
