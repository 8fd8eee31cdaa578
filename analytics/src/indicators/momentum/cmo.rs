//! Chande momentum oscillator, as TA-Lib's `CMO`: `100 * (gain - loss) / (gain + loss)`
//! over Wilder's averages of gains and losses, exactly as its RSI smooths them (seeded
//! with the plain means of the first `period` changes, then smoothing `1 / period`), not
//! Chande's plain sums over the window. First output at index `period`; 0 when both
//! averages are zero (flat prices), as TA-Lib prints.

use super::wilder::{Arithmetic, GainLoss};
use crate::indicators::{IndicatorError, checked_period};

/// Chande momentum oscillator over closes, in [-100, 100].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Cmo {
    averages: GainLoss,
    value: Option<f64>,
}

impl Cmo {
    /// TA-Lib accepts periods from 2 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = checked_period("cmo", "period", period, 2)?;
        Ok(Self {
            // Unlike its RSI, TA-Lib's CMO divides by the period (bit-identical this way).
            averages: GainLoss::new(period, Arithmetic::Division),
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
        // TA-Lib prints 0 when `total > 0` fails, NaN included; we keep NaN for NaN input.
        self.value = Some(if total == 0.0 {
            0.0
        } else {
            ((gain - loss) / total) * 100.0
        });
    }

    /// The current CMO, once `period + 1` closes have been seen.
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

    fn run(cmo: &mut Cmo, xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter()
            .map(|&x| {
                cmo.update(x);
                cmo.value()
            })
            .collect()
    }

    #[test]
    fn matches_talib_bit_for_bit_from_index_period() {
        // TA-Lib 0.8 (Python `talib.CMO(CLOSES, timeperiod=5)`). The seed equals Chande's
        // plain sums at index 5; at index 6 his window sums would give 48.33, not 34.37.
        let want = [
            23.67149758454089,
            34.371754932502576,
            45.65778159931212,
            57.61589403973515,
            63.37293538104891,
            44.01510268348035,
            49.523786390735495,
            9.222403539112825,
            40.95607909374042,
            40.95607909374042,
            14.760039347931805,
            16.830138021867228,
            39.928786386190204,
            19.232385128186777,
            -23.783013214974893,
        ];
        let got = run(&mut Cmo::new(5).expect("valid"), &CLOSES);
        assert_eq!(got[..5], [None; 5]);
        let got: Vec<f64> = got[5..].iter().map(|v| v.expect("ready")).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn flat_prices_give_zero_and_one_way_moves_the_extremes() {
        let mut cmo = Cmo::new(3).expect("valid");
        assert_eq!(run(&mut cmo, &[5.0; 6])[3..], [Some(0.0); 3]);
        cmo.reset();
        assert_eq!(
            run(&mut cmo, &[1.0, 2.0, 3.0, 4.0, 5.0])[3..],
            [Some(100.0); 2]
        );
        cmo.reset();
        assert_eq!(
            run(&mut cmo, &[5.0, 4.0, 3.0, 2.0, 1.0])[3..],
            [Some(-100.0); 2]
        );
    }

    #[test]
    fn nan_poisons_until_reset_and_bad_periods_are_refused() {
        let mut cmo = Cmo::new(2).expect("valid");
        let got = run(&mut cmo, &[1.0, 2.0, f64::NAN, 3.0, 4.0]);
        assert!(got[2..].iter().all(|v| v.is_some_and(f64::is_nan)));
        cmo.reset();
        assert!(!cmo.is_ready());
        assert!(Cmo::new(1).is_err());
        assert!(Cmo::new(100_001).is_err());
    }
}
