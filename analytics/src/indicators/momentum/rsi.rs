//! Relative strength index, as TA-Lib's `RSI`: Wilder's averages of gains and losses
//! (smoothing `1 / period`), seeded with the plain means of the first `period` changes, so
//! the first output is at index `period` (TA-Lib's lookback). `100 * gain / (gain + loss)`,
//! and 0 when both averages are zero (flat prices), as TA-Lib prints.

use super::wilder::{Arithmetic, GainLoss};
use crate::indicators::{IndicatorError, checked_period};

/// Relative strength index over closes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Rsi {
    averages: GainLoss,
    value: Option<f64>,
}

impl Rsi {
    /// TA-Lib accepts periods from 2 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = checked_period("rsi", "period", period, 2)?;
        Ok(Self {
            // TA-Lib's RSI (C library 0.8) multiplies by the reciprocal where its CMO divides
            // by the period; keeping its arithmetic makes our outputs bit-identical to its.
            averages: GainLoss::new(period, Arithmetic::Reciprocal),
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.averages.period()
    }

    /// Adds one close; O(1).
    pub fn update(&mut self, x: f64) {
        let Some((gain, loss)) = self.averages.update(x) else {
            return;
        };
        let total = gain + loss;
        // TA-Lib prints 0 when `total > 0` fails, which also turns a NaN input into a
        // steady 0 (a legitimate "all losses" reading); we print NaN for it instead.
        self.value = Some(if total == 0.0 {
            0.0
        } else {
            (gain / total) * 100.0
        });
    }

    /// The current RSI in [0, 100], once `period + 1` closes have been seen.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.averages.reset();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::CLOSES;

    fn run(rsi: &mut Rsi, xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter()
            .map(|&x| {
                rsi.update(x);
                rsi.value()
            })
            .collect()
    }

    #[test]
    fn matches_talib_bit_for_bit_from_index_period() {
        // TA-Lib 0.8 (Python `talib.RSI(CLOSES, timeperiod=5)`).
        let want = [
            61.83574879227044,
            67.1858774662513,
            72.82889079965608,
            78.80794701986757,
            81.68646769052444,
            72.00755134174017,
            74.76189319536775,
            54.61120176955643,
            70.4780395468702,
            70.47803954687019,
            57.38001967396591,
            58.41506901093361,
            69.96439319309509,
            59.616192564093375,
            38.10849339251256,
        ];
        let got = run(&mut Rsi::new(5).expect("valid"), &CLOSES);
        assert_eq!(got[..5], [None; 5]);
        let got: Vec<f64> = got[5..].iter().map(|v| v.expect("ready")).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn flat_prices_give_zero_and_one_way_moves_the_extremes() {
        // TA-Lib: RSI of a constant is 0 (no gain, no loss), of a rising series 100.
        let mut rsi = Rsi::new(3).expect("valid");
        assert_eq!(run(&mut rsi, &[5.0; 6])[3..], [Some(0.0); 3]);
        rsi.reset();
        assert_eq!(
            run(&mut rsi, &[1.0, 2.0, 3.0, 4.0, 5.0])[3..],
            [Some(100.0); 2]
        );
        rsi.reset();
        assert_eq!(
            run(&mut rsi, &[5.0, 4.0, 3.0, 2.0, 1.0])[3..],
            [Some(0.0); 2]
        );
    }

    #[test]
    fn nan_poisons_until_reset() {
        let mut rsi = Rsi::new(2).expect("valid");
        let got = run(&mut rsi, &[1.0, 2.0, f64::NAN, 3.0, 4.0]);
        assert_eq!(got[..2], [None, None]);
        assert!(got[2..].iter().all(|v| v.is_some_and(f64::is_nan)));
        rsi.reset();
        assert!(!rsi.is_ready());
        assert_eq!(run(&mut rsi, &[1.0, 2.0, 3.0])[2], Some(100.0));
    }

    #[test]
    fn refuses_periods_talib_refuses() {
        assert!(Rsi::new(0).is_err());
        assert!(Rsi::new(1).is_err());
        assert!(Rsi::new(100_001).is_err());
        assert_eq!(Rsi::new(2).map(|r| r.period()), Ok(2));
    }
}
