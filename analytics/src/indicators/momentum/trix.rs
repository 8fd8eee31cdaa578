//! TRIX, as TA-Lib's `TRIX`: the one-bar rate of change, in percent, of a triple EMA of
//! the close. Each EMA is TA-Lib's (seeded with the simple average of its first `period`
//! inputs), and the second and third start on the first output of the one before, so
//! the triple EMA starts at index `3 * (period - 1)` and TRIX one bar later, at
//! `3 * (period - 1) + 1`.

use super::roc::percent_change;
use crate::indicators::IndicatorError;
use crate::indicators::average::EmaChain;
use crate::indicators::checked_period;

/// Rate of change of a triple-smoothed EMA.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Trix {
    period: usize,
    emas: EmaChain<3>,
    prev: Option<f64>,
    value: Option<f64>,
}

impl Trix {
    /// TA-Lib accepts periods from 1 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = checked_period("trix", "period", period, 1)?;
        Ok(Self {
            period,
            emas: EmaChain::new(period)?,
            prev: None,
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds one close; O(1).
    pub fn update(&mut self, x: f64) {
        let Some([_, _, e3]) = self.emas.update(x) else {
            return;
        };
        if let Some(prev) = self.prev {
            self.value = Some(percent_change(prev, e3));
        }
        self.prev = Some(e3);
    }

    /// The current TRIX in percent, once `3 * (period - 1) + 2` closes have been seen.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.emas.reset();
        self.prev = None;
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::CLOSES;

    fn run(trix: &mut Trix, xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter()
            .map(|&x| {
                trix.update(x);
                trix.value()
            })
            .collect()
    }

    #[test]
    fn matches_talib_from_index_three_lookbacks_plus_one() {
        // TA-Lib 0.8 (Python `talib.TRIX(CLOSES, timeperiod=2)`): first output at 3*1+1.
        let want = [
            0.02531079271814729,
            0.5389865763801183,
            0.6861807409049181,
            0.7174713951185963,
            0.783338776617204,
            0.7235350062471779,
            0.36368635858061715,
            0.2428781213717368,
            -0.1229375109187747,
            0.24257438219452698,
            0.2918807019302916,
            0.026026752335472914,
            -0.042745887297090945,
            0.20372340620333773,
            0.09655360598286311,
            -0.34471254201573487,
        ];
        let got = run(&mut Trix::new(2).expect("valid"), &CLOSES);
        assert_eq!(got[..4], [None; 4]);
        for (g, w) in got[4..].iter().zip(want) {
            let g = g.expect("ready");
            assert!((g - w).abs() <= 1e-12 * w.abs(), "{g} vs TA-Lib {w}");
        }
    }

    #[test]
    fn flat_is_zero_and_a_zero_base_gives_zero_as_in_talib() {
        let mut trix = Trix::new(3).expect("valid");
        let got = run(&mut trix, &[9.0; 8]);
        assert_eq!(got[..7], [None; 7]);
        assert_eq!(got[7], Some(0.0));
        // TA-Lib 0.8: TRIX([0, 0, 0, 0, 3], timeperiod=1) = [nan, 0, 0, 0, 0].
        let mut trix = Trix::new(1).expect("valid");
        let got = run(&mut trix, &[0.0, 0.0, 0.0, 0.0, 3.0]);
        assert_eq!(got, [None, Some(0.0), Some(0.0), Some(0.0), Some(0.0)]);
    }

    #[test]
    fn nan_poisons_until_reset_and_bad_periods_are_refused() {
        let mut trix = Trix::new(1).expect("valid");
        let got = run(&mut trix, &[1.0, f64::NAN, 2.0, 3.0]);
        assert!(got[1..].iter().all(|v| v.is_some_and(f64::is_nan)));
        trix.reset();
        assert!(!trix.is_ready());
        assert_eq!(run(&mut trix, &[2.0, 3.0]), [None, Some(50.0)]);
        assert!(Trix::new(0).is_err());
        assert!(Trix::new(100_001).is_err());
    }
}
