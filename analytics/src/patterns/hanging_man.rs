//! Hanging man, as TA-Lib's `CDLHANGINGMAN`: the hammer's shape (short body, long lower
//! shadow, almost no upper shadow) with the body's bottom at or above the prior candle's
//! high minus Near, i.e. after a rise. -100, never 100; first output at index 11.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{lower_shadow, min, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLHANGINGMAN`.
#[derive(Debug, Clone)]
pub struct HangingMan {
    recent: RecentCandles<2>,
    body_short: RollingAverage,
    shadow_long: RollingAverage,
    shadow_very_short: RollingAverage,
    /// Near is measured on the prior candle, whose high the body must reach.
    prior_near: RollingAverage,
    value: Option<i32>,
}

impl HangingMan {
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
            && min(c.close, c.open) >= prior.high - self.prior_near.average(&self.recent)
        {
            -100
        } else {
            0
        }
    }
}

impl Default for HangingMan {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for HangingMan {
    fn kind(&self) -> PatternKind {
        PatternKind::HangingMan
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
    fn a_hammer_shape_at_the_prior_high() {
        let candles = after_calm(12, &[[101.3, 101.6, 99.5, 101.5]]);
        assert_outputs(
            &mut HangingMan::new(),
            HangingMan::LOOKBACK,
            &candles,
            &[-100],
        );
    }

    #[test]
    fn the_same_shape_below_the_prior_high_is_not() {
        let candles = after_calm(12, &[[100.5, 100.8, 98.7, 100.7]]);
        assert_outputs(&mut HangingMan::new(), HangingMan::LOOKBACK, &candles, &[0]);
    }
}
