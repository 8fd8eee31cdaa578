//! Inverted hammer, as TA-Lib's `CDLINVERTEDHAMMER`: a short real body (BodyShort)
//! gapping down from the prior candle's body, an upper shadow longer than the body
//! (ShadowLong) and almost no lower shadow (ShadowVeryShort). 100, never -100; first
//! output at index 11.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{lower_shadow, real_body, real_body_gap_down, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLINVERTEDHAMMER`.
#[derive(Debug, Clone)]
pub struct InvertedHammer {
    recent: RecentCandles<2>,
    body_short: RollingAverage,
    shadow_long: RollingAverage,
    shadow_very_short: RollingAverage,
    value: Option<i32>,
}

impl InvertedHammer {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        max_period(
            CandleSetting::BODY_SHORT.period,
            CandleSetting::SHADOW_LONG.period,
        ),
        CandleSetting::SHADOW_VERY_SHORT.period,
    ) + 1;

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            body_short: RollingAverage::new(CandleSetting::BODY_SHORT, Self::LOOKBACK, 0),
            shadow_long: RollingAverage::new(CandleSetting::SHADOW_LONG, Self::LOOKBACK, 0),
            shadow_very_short: RollingAverage::new(
                CandleSetting::SHADOW_VERY_SHORT,
                Self::LOOKBACK,
                0,
            ),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (c, prior) = (self.recent.ago(0), self.recent.ago(1));
        if real_body(c) < self.body_short.average(&self.recent)
            && upper_shadow(c) > self.shadow_long.average(&self.recent)
            && lower_shadow(c) < self.shadow_very_short.average(&self.recent)
            && real_body_gap_down(c, prior)
        {
            100
        } else {
            0
        }
    }
}

impl Default for InvertedHammer {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for InvertedHammer {
    fn kind(&self) -> PatternKind {
        PatternKind::InvertedHammer
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_short.feed(&self.recent);
        self.shadow_long.feed(&self.recent);
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
    fn a_small_body_gapping_down_under_a_long_upper_shadow() {
        let candles = after_calm(12, &[[99.6, 101.5, 99.5, 99.8]]);
        assert_outputs(
            &mut InvertedHammer::new(),
            InvertedHammer::LOOKBACK,
            &candles,
            &[100],
        );
    }

    #[test]
    fn without_the_gap_it_is_not() {
        let candles = after_calm(12, &[[100.2, 102.0, 100.1, 100.4]]);
        assert_outputs(
            &mut InvertedHammer::new(),
            InvertedHammer::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
