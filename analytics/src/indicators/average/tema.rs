//! Triple exponential moving average, as TA-Lib's `TEMA`:
//! `3 * EMA - 3 * EMA(EMA) + EMA(EMA(EMA))`, each EMA TA-Lib's (smoothing
//! `2 / (period + 1)`, seeded with the simple average of its first `period` inputs). Each
//! EMA starts on the first output of the one before, so the first output is at index
//! `3 * (period - 1)`. Period 1 is the input itself, as in TA-Lib 0.6.

use super::EmaChain;
use crate::indicators::IndicatorError;
use crate::indicators::checked_period;

/// Triple exponential moving average.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Tema {
    period: usize,
    emas: EmaChain<3>,
    value: Option<f64>,
}

impl Tema {
    /// TA-Lib accepts periods from 1 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = checked_period("tema", "period", period, 1)?;
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
            // TA-Lib copies the input; the EMA combination could differ in the last bit.
            self.value = Some(x);
            return;
        }
        let Some([e1, e2, e3]) = self.emas.update(x) else {
            return;
        };
        // TA-Lib's order of operations: the third EMA plus the difference of the others.
        self.value = Some(e3 + (3.0 * e1 - 3.0 * e2));
    }

    /// The current average, once `3 * period - 2` inputs have been seen.
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

    fn run(tema: &mut Tema, xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter()
            .map(|&x| {
                tema.update(x);
                tema.value()
            })
            .collect()
    }

    #[test]
    fn matches_talib_from_index_three_lookbacks() {
        // TA-Lib 0.8 (Python `talib.TEMA(CLOSES, timeperiod=3)`): first output at 3*(3-1).
        let want = [
            45.06259259259259,
            45.414516782407404,
            45.831772280092586,
            46.10209490740742,
            45.959877748842594,
            46.02221697771991,
            45.65992901837386,
            46.16321551287615,
            46.28640362774884,
            46.05468493426285,
            46.018876619692186,
            46.34810168230976,
            46.25733067547833,
            45.71852932894673,
        ];
        let got = run(&mut Tema::new(3).expect("valid"), &CLOSES);
        assert_eq!(got[..6], [None; 6]);
        for (g, w) in got[6..].iter().zip(want) {
            let g = g.expect("ready");
            assert!((g - w).abs() <= 1e-12 * w.abs(), "{g} vs TA-Lib {w}");
        }
    }

    #[test]
    fn flat_input_gives_the_input_and_period_one_is_the_input() {
        let got = run(&mut Tema::new(3).expect("valid"), &[9.5; 8]);
        assert_eq!(got[..6], [None; 6]);
        assert_eq!(got[6..], [Some(9.5); 2]);
        let got = run(&mut Tema::new(1).expect("valid"), &[3.5, 1e-300, -7.0]);
        assert_eq!(got, [Some(3.5), Some(1e-300), Some(-7.0)]);
    }

    #[test]
    fn nan_poisons_until_reset_and_bad_periods_are_refused() {
        // An EMA carries every input forever, so one NaN spoils all later values.
        let mut tema = Tema::new(2).expect("valid");
        let got = run(&mut tema, &[1.0, 2.0, 3.0, f64::NAN, 4.0]);
        assert_eq!(got[..3], [None; 3]);
        assert!(got[3..].iter().all(|v| v.is_some_and(f64::is_nan)));
        tema.reset();
        assert!(!tema.is_ready());
        // EMA(2) of [1, 2, 3, 4] = [_, 1.5, 2.5, 3.5]; of that [_, _, 2, 3]; of that
        // [_, _, _, 2.5]: 2.5 + 3 * 3.5 - 3 * 3.
        assert_eq!(
            run(&mut tema, &[1.0, 2.0, 3.0, 4.0]),
            [None, None, None, Some(4.0)]
        );
        assert!(Tema::new(0).is_err());
        assert!(Tema::new(100_001).is_err());
    }
}
