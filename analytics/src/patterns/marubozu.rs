//! Marubozu, as TA-Lib's `CDLMARUBOZU`: a long real body (BodyLong) with both shadows
//! shorter than ShadowVeryShort (10% of the average range of the 10 candles before). 100
//! for a white candle, -100 for a black one; first output at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLMARUBOZU`.
#[derive(Debug, Clone)]
pub struct Marubozu {
    recent: RecentCandles<1>,
    body_long: RollingAverage,
    shadow_very_short: RollingAverage,
    value: Option<i32>,
}

impl Marubozu {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::BODY_LONG.period,
        CandleSetting::SHADOW_VERY_SHORT.period,
    );

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            body_long: RollingAverage::new(CandleSetting::BODY_LONG, Self::LOOKBACK, 0),
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
        if real_body(c) > self.body_long.average(&self.recent)
            && upper_shadow(c) < very_short
            && lower_shadow(c) < very_short
        {
            color(c) * 100
        } else {
            0
        }
    }
}

impl Default for Marubozu {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for Marubozu {
    fn kind(&self) -> PatternKind {
        PatternKind::Marubozu
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_long.feed(&self.recent);
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
    fn long_bodies_without_shadows_in_either_colour() {
        let white = after_calm(12, &[[100.0, 102.05, 99.95, 102.0]]);
        assert_outputs(&mut Marubozu::new(), Marubozu::LOOKBACK, &white, &[100]);
        let black = after_calm(12, &[[102.0, 102.05, 99.95, 100.0]]);
        assert_outputs(&mut Marubozu::new(), Marubozu::LOOKBACK, &black, &[-100]);
    }

    #[test]
    fn a_long_upper_shadow_is_not() {
        let candles = after_calm(12, &[[100.0, 102.5, 99.95, 102.0]]);
        assert_outputs(&mut Marubozu::new(), Marubozu::LOOKBACK, &candles, &[0]);
    }
}
