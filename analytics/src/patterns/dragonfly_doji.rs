//! Dragonfly doji, as TA-Lib's `CDLDRAGONFLYDOJI`: a doji body (BodyDoji), an upper
//! shadow shorter than ShadowVeryShort and a lower shadow longer than it (both 10% of the
//! average high-low range of the 10 candles before). 100, never -100; first output at
//! index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLDRAGONFLYDOJI`.
#[derive(Debug, Clone)]
pub struct DragonflyDoji {
    recent: RecentCandles<1>,
    body_doji: RollingAverage,
    shadow_very_short: RollingAverage,
    value: Option<i32>,
}

impl DragonflyDoji {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::BODY_DOJI.period,
        CandleSetting::SHADOW_VERY_SHORT.period,
    );

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            body_doji: RollingAverage::new(CandleSetting::BODY_DOJI, Self::LOOKBACK, 0),
            shadow_very_short: RollingAverage::new(
                CandleSetting::SHADOW_VERY_SHORT,
                Self::LOOKBACK,
                0,
            ),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let c = self.recent.ago(0);
        let very_short = self.shadow_very_short.average(&self.recent);
        if real_body(c) <= self.body_doji.average(&self.recent)
            && upper_shadow(c) < very_short
            && lower_shadow(c) > very_short
        {
            100
        } else {
            0
        }
    }
}

impl Default for DragonflyDoji {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for DragonflyDoji {
    fn kind(&self) -> PatternKind {
        PatternKind::DragonflyDoji
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_doji.feed(&self.recent);
        self.shadow_very_short.feed(&self.recent);
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
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn a_doji_at_the_top_of_a_long_lower_shadow() {
        let candles = after_calm(12, &[[101.0, 101.1, 99.0, 101.0]]);
        assert_outputs(
            &mut DragonflyDoji::new(),
            DragonflyDoji::LOOKBACK,
            &candles,
            &[100],
        );
    }

    #[test]
    fn a_doji_in_the_middle_of_its_range_is_not() {
        let candles = after_calm(12, &[[100.0, 101.0, 99.0, 100.0]]);
        assert_outputs(
            &mut DragonflyDoji::new(),
            DragonflyDoji::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
