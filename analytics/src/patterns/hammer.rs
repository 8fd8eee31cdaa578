//! Hammer, as TA-Lib's `CDLHAMMER`: a short real body (BodyShort), a lower shadow longer
//! than the body (ShadowLong), almost no upper shadow (ShadowVeryShort), and a body whose
//! bottom is at or below the prior candle's low plus Near (20% of the average range of the
//! 5 candles before the prior one). 100, never -100; first output at index 11.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{lower_shadow, min, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLHAMMER`.
#[derive(Debug, Clone)]
pub struct Hammer {
    recent: RecentCandles<2>,
    body_short: RollingAverage,
    shadow_long: RollingAverage,
    shadow_very_short: RollingAverage,
    /// Near is measured on the prior candle, whose low the body must reach.
    prior_near: RollingAverage,
    value: Option<i32>,
}

impl Hammer {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        max_period(
            CandleSetting::BODY_SHORT.period,
            CandleSetting::SHADOW_LONG.period,
        ),
        max_period(
            CandleSetting::SHADOW_VERY_SHORT.period,
            CandleSetting::NEAR.period,
        ),
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
            prior_near: RollingAverage::new(CandleSetting::NEAR, Self::LOOKBACK, 1),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (c, prior) = (self.recent.ago(0), self.recent.ago(1));
        if real_body(c) < self.body_short.average(&self.recent)
            && lower_shadow(c) > self.shadow_long.average(&self.recent)
            && upper_shadow(c) < self.shadow_very_short.average(&self.recent)
            && min(c.close, c.open) <= prior.low + self.prior_near.average(&self.recent)
        {
            100
        } else {
            0
        }
    }
}

impl Default for Hammer {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for Hammer {
    fn kind(&self) -> PatternKind {
        PatternKind::Hammer
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_short.feed(&self.recent);
        self.shadow_long.feed(&self.recent);
        self.shadow_very_short.feed(&self.recent);
        self.prior_near.feed(&self.recent);
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
    fn a_small_body_near_the_prior_low_on_a_long_lower_shadow() {
        let candles = after_calm(12, &[[99.8, 100.1, 98.0, 100.0]]);
        assert_outputs(&mut Hammer::new(), Hammer::LOOKBACK, &candles, &[100]);
    }

    #[test]
    fn the_same_shape_too_far_above_the_prior_low_is_not() {
        let candles = after_calm(12, &[[100.3, 100.6, 98.0, 100.5]]);
        assert_outputs(&mut Hammer::new(), Hammer::LOOKBACK, &candles, &[0]);
    }
}
