//! Rate of change, as TA-Lib's `ROC`: `(close / close[period ago] - 1) * 100`, first
//! output at index `period`; 0 where the earlier close is exactly 0, as TA-Lib prints.

use crate::indicators::IndicatorError;
use crate::indicators::checked_period;
use std::collections::VecDeque;

/// Percentage change of the close over `period` bars.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Roc {
    period: usize,
    /// The last `period` closes before the current one, oldest first.
    window: VecDeque<f64>,
    value: Option<f64>,
}

impl Roc {
    /// TA-Lib accepts periods from 1 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = checked_period("roc", "period", period, 1)?;
        Ok(Self {
            period,
            window: VecDeque::with_capacity(period + 1),
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds one close; O(1).
    pub fn update(&mut self, x: f64) {
        self.window.push_back(x);
        if self.window.len() > self.period
            && let Some(then) = self.window.pop_front()
        {
            self.value = Some(percent_change(then, x));
        }
    }

    /// The current rate of change in percent, once `period + 1` closes have been seen.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.window.clear();
        self.value = None;
    }
}

/// TA-Lib's `ROC` step, also TRIX's last step: the exact-zero test is TA-Lib's (values
/// as small as 1e-300 still divide).
pub(super) fn percent_change(then: f64, now: f64) -> f64 {
    if then == 0.0 {
        0.0
    } else {
        ((now / then) - 1.0) * 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(roc: &mut Roc, xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter()
            .map(|&x| {
                roc.update(x);
                roc.value()
            })
            .collect()
    }

    #[test]
    fn matches_talib_from_index_period() {
        // TA-Lib 0.8: ROC([44.34, 44.09, 44.15, 43.61, 44.33, 44.83], timeperiod=3).
        let got = run(
            &mut Roc::new(3).expect("valid"),
            &[44.34, 44.09, 44.15, 43.61, 44.33, 44.83],
        );
        assert_eq!(
            got,
            [
                None,
                None,
                None,
                Some(-1.6463689670726311),
                Some(0.5443411204354653),
                Some(1.540203850509636)
            ]
        );
    }

    #[test]
    fn zero_base_gives_zero_as_in_talib() {
        // TA-Lib 0.8: ROC([0, 1, 2, 0, 3], timeperiod=1) = [nan, 0, 100, -100, 0].
        let got = run(&mut Roc::new(1).expect("valid"), &[0.0, 1.0, 2.0, 0.0, 3.0]);
        assert_eq!(got, [None, Some(0.0), Some(100.0), Some(-100.0), Some(0.0)]);
    }

    #[test]
    fn flat_is_zero_nan_leaves_with_the_window_and_reset_starts_over() {
        let mut roc = Roc::new(2).expect("valid");
        assert_eq!(run(&mut roc, &[7.0; 3])[2], Some(0.0));
        // A NaN spoils the two outputs it takes part in: as the close, then as the base.
        let got = run(&mut roc, &[f64::NAN, 7.0, 7.0, 14.0]);
        assert!(got[0].is_some_and(f64::is_nan) && got[2].is_some_and(f64::is_nan));
        assert_eq!((got[1], got[3]), (Some(0.0), Some(100.0)));
        roc.reset();
        assert!(!roc.is_ready());
        assert!(Roc::new(0).is_err());
        assert!(Roc::new(100_001).is_err());
    }
}
