//! Double exponential moving average, as TA-Lib's `DEMA`: `2 * EMA - EMA(EMA)`, each EMA
//! TA-Lib's (smoothing `2 / (period + 1)`, seeded with the simple average of its first
//! `period` inputs). The second EMA starts on the first output of the first, so the first
//! output is at index `2 * (period - 1)`. Period 1 is the input itself, as in TA-Lib 0.6.

use super::EmaChain;
use crate::indicators::IndicatorError;
use crate::indicators::checked_period;

/// Double exponential moving average.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Dema {
    period: usize,
    emas: EmaChain<2>,
    value: Option<f64>,
}

impl Dema {
    /// TA-Lib accepts periods from 1 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = checked_period("dema", "period", period, 1)?;
        Ok(Self {
            period,
            emas: EmaChain::new(period)?,
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds one input; O(1).
    pub fn update(&mut self, x: f64) {
        if self.period == 1 {
            // TA-Lib copies the input; `2x - x` through the EMAs could differ in the last bit.
            self.value = Some(x);
            return;
        }
        let Some([e1, e2]) = self.emas.update(x) else {
            return;
        };
        // TA-Lib's order of operations.
        self.value = Some(2.0 * e1 - e2);
    }

    /// The current average, once `2 * period - 1` inputs have been seen.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.emas.reset();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::CLOSES;

    fn run(dema: &mut Dema, xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter()
            .map(|&x| {
                dema.update(x);
                dema.value()
            })
            .collect()
    }

    #[test]
    fn matches_talib_from_index_twice_the_lookback() {
        // TA-Lib 0.8 (Python `talib.DEMA(CLOSES, timeperiod=3)`): first output at 2*(3-1).
        let want = [
            44.16138888888889,
            44.6742361111111,
            45.04388888888888,
            45.39032986111111,
            45.79935763888889,
            46.09177517361111,
            46.01943576388889,
            46.07399197048612,
            45.76163302951389,
            46.148135036892356,
            46.277726779513884,
            46.10069302029079,
            46.053761325412324,
            46.32108807033963,
            46.26764773898654,
            45.80737572140164,
        ];
        let got = run(&mut Dema::new(3).expect("valid"), &CLOSES);
        assert_eq!(got[..4], [None; 4]);
        for (g, w) in got[4..].iter().zip(want) {
            let g = g.expect("ready");
            assert!((g - w).abs() <= 1e-12 * w.abs(), "{g} vs TA-Lib {w}");
        }
    }

    #[test]
    fn flat_input_gives_the_input_and_period_one_is_the_input() {
        let got = run(&mut Dema::new(3).expect("valid"), &[9.5; 8]);
        assert_eq!(got[..4], [None; 4]);
        assert!(got[4..].iter().all(|v| *v == Some(9.5)));
        let got = run(&mut Dema::new(1).expect("valid"), &[3.5, 1e-300, -7.0]);
        assert_eq!(got, [Some(3.5), Some(1e-300), Some(-7.0)]);
    }

    #[test]
    fn nan_poisons_until_reset_and_bad_periods_are_refused() {
        // An EMA carries every input forever, so one NaN spoils all later values.
        let mut dema = Dema::new(2).expect("valid");
        let got = run(&mut dema, &[1.0, 2.0, f64::NAN, 3.0, 4.0]);
        assert_eq!(got[..2], [None; 2]);
        assert!(got[2..].iter().all(|v| v.is_some_and(f64::is_nan)));
        dema.reset();
        assert!(!dema.is_ready());
        // EMA(2) of [1, 2, 3] = [_, 1.5, 2.5], of that [_, _, 2.0]: 2 * 2.5 - 2.0.
        assert_eq!(run(&mut dema, &[1.0, 2.0, 3.0]), [None, None, Some(3.0)]);
        assert!(Dema::new(0).is_err());
        assert!(Dema::new(100_001).is_err());
    }
}
