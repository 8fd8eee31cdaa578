//! Shooting star, as TA-Lib's `CDLSHOOTINGSTAR`: a short real body (BodyShort) gapping up
//! from the prior candle's body, an upper shadow longer than the body (ShadowLong) and
//! almost no lower shadow (ShadowVeryShort). -100, never 100; first output at index 11.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{lower_shadow, real_body, real_body_gap_up, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLSHOOTINGSTAR`.
#[derive(Debug, Clone)]
pub struct ShootingStar {
    recent: RecentCandles<2>,
    body_short: RollingAverage,
    shadow_long: RollingAverage,
    shadow_very_short: RollingAverage,
    value: Option<i32>,
}

impl ShootingStar {
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
            && real_body_gap_up(c, prior)
        {
            -100
        } else {
            0
        }
    }
}

impl Default for ShootingStar {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for ShootingStar {
    fn kind(&self) -> PatternKind {
        PatternKind::ShootingStar
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
    fn a_small_body_gapping_up_under_a_long_upper_shadow() {
        let candles = after_calm(12, &[[101.2, 103.0, 101.1, 101.4]]);
        assert_outputs(
            &mut ShootingStar::new(),
            ShootingStar::LOOKBACK,
            &candles,
            &[-100],
        );
    }

    #[test]
    fn without_the_gap_it_is_not() {
        let candles = after_calm(12, &[[100.8, 103.0, 100.7, 101.0]]);
        assert_outputs(
            &mut ShootingStar::new(),
            ShootingStar::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
