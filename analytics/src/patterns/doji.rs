//! Doji, as TA-Lib's `CDLDOJI`: a real body no longer than BodyDoji (10% of the average
//! high-low range of the 10 candles before). 100 for a doji, never -100 (a doji has no
//! direction); first output at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage};
use super::shape::real_body;
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLDOJI`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Doji {
    recent: RecentCandles<1>,
    body_doji: RollingAverage,
    value: Option<i32>,
}

impl Doji {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = CandleSetting::BODY_DOJI.period;

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            body_doji: RollingAverage::new(CandleSetting::BODY_DOJI, Self::LOOKBACK, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let c = self.recent.ago(0);
        if real_body(c) <= self.body_doji.average(&self.recent) {
            100
        } else {
            0
        }
    }
}

impl Default for Doji {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for Doji {
    fn kind(&self) -> PatternKind {
        PatternKind::Doji
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_doji.feed(&self.recent);
    }

    fn value(&self) -> Option<i32> {
        self.value
    }

    fn reset(&mut self) {
        *self = Self::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs, bar, outputs};

    #[test]
    fn a_body_of_a_tenth_of_the_usual_range_is_a_doji() {
        // Body 0.1 against a threshold of 0.1 * 2 (TA-Lib: 100).
        let candles = after_calm(12, &[[100.0, 101.0, 99.0, 100.1]]);
        assert_outputs(&mut Doji::new(), Doji::LOOKBACK, &candles, &[100]);
    }

    #[test]
    fn a_body_of_a_quarter_of_the_range_is_not() {
        let candles = after_calm(12, &[[100.0, 101.0, 99.0, 100.5]]);
        assert_outputs(&mut Doji::new(), Doji::LOOKBACK, &candles, &[0]);
    }

    #[test]
    fn the_threshold_keeps_ta_libs_running_total_not_the_exact_window_sum() {
        // A range of 2^53 swallows the next nine ranges of 1 when TA-Lib adds them up, and
        // once it leaves the window the total is 1, not 10, for good: TA-Lib's doji
        // threshold stays 0.01 where the exact one is 0.1, so bodies of 0.05 are no doji.
        // TA-Lib: [0 x 10, 100, 0, 100 x 12, 0].
        let mut candles: Vec<Candle> = (0..25).map(|_| bar(1.0, 2.0, 1.0, 1.0)).collect();
        candles[0].high = 2f64.powi(53);
        candles[0].low = 0.0;
        candles[11].close = 1.05;
        candles[24].close = 1.05;
        let mut want = vec![None; 10];
        want.push(Some(100));
        want.push(Some(0));
        want.extend([Some(100); 12]);
        want.push(Some(0));
        assert_eq!(outputs(&mut Doji::new(), &candles), want);
    }

    #[test]
    fn a_nan_range_poisons_the_average_for_good_as_in_ta_lib() {
        // TA-Lib: 100 from index 10 on flat dojis; all 0 once a high is NaN.
        let mut candles: Vec<Candle> = (0..14).map(|_| bar(1.0, 2.0, 1.0, 1.0)).collect();
        assert_eq!(outputs(&mut Doji::new(), &candles)[10..], [Some(100); 4]);
        candles[3].high = f64::NAN;
        assert_eq!(outputs(&mut Doji::new(), &candles)[10..], [Some(0); 4]);
    }

    #[test]
    fn nothing_before_the_first_output_index() {
        let mut doji = Doji::new();
        for c in after_calm(10, &[]) {
            doji.update(&c);
        }
        assert!(!doji.is_ready());
    }
}
