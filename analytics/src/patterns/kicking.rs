//! Kicking, as TA-Lib's `CDLKICKING`: two marubozu of opposite colours (long bodies,
//! BodyLong; both shadows under ShadowVeryShort) with a gap between their whole ranges: a
//! black one then a white one gapping up, or a white one then a black one gapping down.
//! 100 or -100, the colour of the second; first output at index 11.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{candle_gap_down, candle_gap_up, color, lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLKICKING`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Kicking {
    recent: RecentCandles<2>,
    first_very_short: RollingAverage,
    second_very_short: RollingAverage,
    first_long: RollingAverage,
    second_long: RollingAverage,
    value: Option<i32>,
}

impl Kicking {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::SHADOW_VERY_SHORT.period,
        CandleSetting::BODY_LONG.period,
    ) + 1;

    pub fn new() -> Self {
        let shadow = CandleSetting::SHADOW_VERY_SHORT;
        let body = CandleSetting::BODY_LONG;
        Self {
            recent: RecentCandles::new(),
            first_very_short: RollingAverage::new(shadow, Self::LOOKBACK, 1),
            second_very_short: RollingAverage::new(shadow, Self::LOOKBACK, 0),
            first_long: RollingAverage::new(body, Self::LOOKBACK, 1),
            second_long: RollingAverage::new(body, Self::LOOKBACK, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (second, first) = (self.recent.ago(0), self.recent.ago(1));
        let first_short = self.first_very_short.average(&self.recent);
        let second_short = self.second_very_short.average(&self.recent);
        let gap = (color(first) == -1 && candle_gap_up(second, first))
            || (color(first) == 1 && candle_gap_down(second, first));
        if color(first) == -color(second)
            && real_body(first) > self.first_long.average(&self.recent)
            && upper_shadow(first) < first_short
            && lower_shadow(first) < first_short
            && real_body(second) > self.second_long.average(&self.recent)
            && upper_shadow(second) < second_short
            && lower_shadow(second) < second_short
            && gap
        {
            color(second) * 100
        } else {
            0
        }
    }
}

impl Default for Kicking {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for Kicking {
    fn kind(&self) -> PatternKind {
        PatternKind::Kicking
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.first_very_short.feed(&self.recent);
        self.second_very_short.feed(&self.recent);
        self.first_long.feed(&self.recent);
        self.second_long.feed(&self.recent);
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

    const BLACK_MARUBOZU: [f64; 4] = [102.8, 102.82, 100.0, 100.02];

    #[test]
    fn a_white_marubozu_gapping_up_over_a_black_one() {
        let candles = after_calm(12, &[BLACK_MARUBOZU, [103.0, 105.8, 102.98, 105.78]]);
        assert_outputs(&mut Kicking::new(), Kicking::LOOKBACK, &candles, &[0, 100]);
    }

    #[test]
    fn ranges_that_overlap_are_not() {
        let candles = after_calm(12, &[BLACK_MARUBOZU, [102.5, 105.3, 102.48, 105.28]]);
        assert_outputs(&mut Kicking::new(), Kicking::LOOKBACK, &candles, &[0, 0]);
    }
}
