//! Momentum, as TA-Lib's `MOM`: `close - close[period ago]`, first output at index
//! `period`.

use crate::indicators::IndicatorError;
use crate::indicators::checked_period;
use std::collections::VecDeque;

/// Change of the close over `period` bars.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Mom {
    period: usize,
    /// The last `period` closes before the current one, oldest first.
    window: VecDeque<f64>,
    value: Option<f64>,
}

impl Mom {
    /// TA-Lib accepts periods from 1 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = checked_period("mom", "period", period, 1)?;
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
            self.value = Some(x - then);
        }
    }

    /// The current momentum, once `period + 1` closes have been seen.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mom: &mut Mom, xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter()
            .map(|&x| {
                mom.update(x);
                mom.value()
            })
            .collect()
    }

    #[test]
    fn matches_talib_from_index_period() {
        // TA-Lib 0.8: MOM([44.34, 44.09, 44.15, 43.61, 44.33, 44.83], timeperiod=3).
        let got = run(
            &mut Mom::new(3).expect("valid"),
            &[44.34, 44.09, 44.15, 43.61, 44.33, 44.83],
        );
        assert_eq!(
            got,
            [
                None,
                None,
                None,
                Some(-0.730000000000004),
                Some(0.23999999999999488),
                Some(0.6799999999999997)
            ]
        );
    }

    #[test]
    fn flat_is_zero_nan_leaves_with_the_window_and_reset_starts_over() {
        let mut mom = Mom::new(1).expect("valid");
        assert_eq!(run(&mut mom, &[2.5; 3]), [None, Some(0.0), Some(0.0)]);
        let got = run(&mut mom, &[f64::NAN, 3.0, 4.0]);
        assert!(got[0].is_some_and(f64::is_nan) && got[1].is_some_and(f64::is_nan));
        assert_eq!(got[2], Some(1.0));
        mom.reset();
        assert!(!mom.is_ready());
        assert_eq!(run(&mut mom, &[1.0]), [None]);
    }

    #[test]
    fn refuses_periods_talib_refuses() {
        assert!(Mom::new(0).is_err());
        assert!(Mom::new(100_001).is_err());
    }
}
