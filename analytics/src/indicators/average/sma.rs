//! Simple moving average, as TA-Lib's `SMA`: the mean of the last `period` inputs; first
//! output after `period` inputs (TA-Lib's lookback is `period - 1`). The window's sum is
//! exact ([`RollingSum`]), so the value depends on the window alone, not on history.

use crate::indicators::rolling_sum::RollingSum;
use std::collections::VecDeque;

/// Simple moving average over a fixed window.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Sma {
    period: usize,
    window: VecDeque<f64>,
    sum: RollingSum,
    value: Option<f64>,
}

impl Sma {
    /// A new average over `period` values (at least 1).
    pub fn new(period: usize) -> Self {
        let period = period.max(1);
        Self {
            period,
            window: VecDeque::with_capacity(period),
            sum: RollingSum::default(),
            value: None,
        }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds one input; O(1).
    pub fn update(&mut self, x: f64) {
        self.sum.add(x);
        self.window.push_back(x);
        if self.window.len() == self.period {
            self.value = Some(self.sum.value() / self.period as f64);
            if let Some(oldest) = self.window.pop_front() {
                self.sum.remove(oldest);
            }
        }
    }

    /// The current average, once `period` inputs have been seen.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.window.clear();
        self.sum.clear();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_output_after_period_inputs_then_rolls() {
        // TA-Lib: SMA([1,2,3,4,5], 3) = [nan, nan, 2, 3, 4].
        let mut sma = Sma::new(3);
        let mut out = Vec::new();
        for x in [1.0, 2.0, 3.0, 4.0, 5.0] {
            sma.update(x);
            out.push(sma.value());
        }
        assert_eq!(out, vec![None, None, Some(2.0), Some(3.0), Some(4.0)]);
    }

    #[test]
    fn flat_input_gives_the_input_and_reset_starts_over() {
        let mut sma = Sma::new(4);
        for _ in 0..10 {
            sma.update(7.25);
        }
        assert_eq!(sma.value(), Some(7.25));
        sma.reset();
        assert!(!sma.is_ready());
        sma.update(1.0);
        assert_eq!(sma.value(), None);
    }

    #[test]
    fn period_one_is_the_input_and_zero_is_clamped() {
        let mut sma = Sma::new(0);
        assert_eq!(sma.period(), 1);
        sma.update(3.5);
        assert_eq!(sma.value(), Some(3.5));
        sma.update(f64::NAN);
        assert!(sma.value().is_some_and(f64::is_nan));
    }
}
