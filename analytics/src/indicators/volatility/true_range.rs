//! True range, as TA-Lib's `TRANGE`: the bar's range widened to include the previous
//! close, `max(high, prev_close) - min(low, prev_close)`. The first bar has no previous
//! close, so (like TA-Lib) there is no output until the second bar: index 1.

use crate::indicators::Candle;

/// True range of each bar against the previous close.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TrueRange {
    prev_close: Option<f64>,
    value: Option<f64>,
}

/// TA-Lib's form: the largest of `high - low`, `|prev_close - high|` and
/// `|prev_close - low|`, compared with `>` so that a NaN previous close falls back to the
/// bar's own range (as TA-Lib's does) while a NaN high or low gives NaN.
pub(crate) fn true_range(c: &Candle, prev_close: f64) -> f64 {
    let mut greatest = c.high - c.low;
    let to_high = (prev_close - c.high).abs();
    if to_high > greatest {
        greatest = to_high;
    }
    let to_low = (prev_close - c.low).abs();
    if to_low > greatest {
        greatest = to_low;
    }
    greatest
}

impl TrueRange {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one bar; O(1).
    pub fn update(&mut self, c: &Candle) {
        if let Some(prev_close) = self.prev_close {
            self.value = Some(true_range(c, prev_close));
        }
        self.prev_close = Some(c.close);
    }

    /// The true range of the latest bar, from the second bar on.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::{bars, flat};

    #[test]
    fn starts_at_the_second_bar_and_includes_the_previous_close() {
        // TA-Lib: TRANGE = [nan, 1.5, 1.5, 1.5, 2.0, 1.0, 1.5].
        let mut tr = TrueRange::new();
        let out: Vec<Option<f64>> = bars()
            .iter()
            .map(|b| {
                tr.update(b);
                tr.value()
            })
            .collect();
        let want = [
            None,
            Some(1.5),
            Some(1.5),
            Some(1.5),
            Some(2.0),
            Some(1.0),
            Some(1.5),
        ];
        assert_eq!(out, want);
    }

    #[test]
    fn gaps_count_and_flat_bars_give_zero() {
        let mut tr = TrueRange::new();
        tr.update(&flat(100.0, 1.0));
        tr.update(&flat(100.0, 1.0));
        assert_eq!(tr.value(), Some(0.0));
        // A gap up: the range reaches back to the previous close.
        tr.update(&flat(103.0, 1.0));
        assert_eq!(tr.value(), Some(3.0));
    }

    #[test]
    fn nan_previous_close_falls_back_to_the_bar_range_and_reset_starts_over() {
        let mut tr = TrueRange::new();
        tr.update(&flat(f64::NAN, 1.0));
        tr.update(&Candle {
            open: 10.0,
            high: 11.0,
            low: 9.5,
            close: 10.0,
            volume: 1.0,
        });
        assert_eq!(tr.value(), Some(1.5));
        tr.reset();
        assert!(!tr.is_ready());
        tr.update(&flat(1.0, 1.0));
        assert_eq!(tr.value(), None);
    }
}
