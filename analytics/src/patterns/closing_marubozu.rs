//! Closing marubozu, as TA-Lib's `CDLCLOSINGMARUBOZU`: a long real body (BodyLong) with
//! almost no shadow (ShadowVeryShort) on the closing side: the upper shadow of a white
//! candle, the lower shadow of a black one. 100 white, -100 black; first output at
//! index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLCLOSINGMARUBOZU`.
#[derive(Debug, Clone)]
pub struct ClosingMarubozu {
    recent: RecentCandles<1>,
    body_long: RollingAverage,
    shadow_very_short: RollingAverage,
    value: Option<i32>,
}

impl ClosingMarubozu {
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
        let closing_shadow = if color(c) == 1 {
            upper_shadow(c)
        } else {
            lower_shadow(c)
        };
        if real_body(c) > self.body_long.average(&self.recent) && closing_shadow < very_short {
            color(c) * 100
        } else {
            0
        }
    }
}

impl Default for ClosingMarubozu {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for ClosingMarubozu {
    fn kind(&self) -> PatternKind {
        PatternKind::ClosingMarubozu
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
    fn long_bodies_closing_at_the_extreme_in_either_colour() {
        let white = after_calm(12, &[[100.0, 102.05, 99.0, 102.0]]);
        let lookback = ClosingMarubozu::LOOKBACK;
        assert_outputs(&mut ClosingMarubozu::new(), lookback, &white, &[100]);
        let black = after_calm(12, &[[102.0, 103.0, 99.95, 100.0]]);
        assert_outputs(&mut ClosingMarubozu::new(), lookback, &black, &[-100]);
    }

    #[test]
    fn a_long_shadow_on_the_closing_side_is_not() {
        let candles = after_calm(12, &[[100.0, 103.0, 99.0, 102.0]]);
        assert_outputs(
            &mut ClosingMarubozu::new(),
            ClosingMarubozu::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
