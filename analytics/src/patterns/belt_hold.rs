//! Belt hold, as TA-Lib's `CDLBELTHOLD`: a long real body (BodyLong) with almost no shadow
//! (ShadowVeryShort) on the opening side: a white candle opening on its low, a black one on
//! its high. 100 white, -100 black; first output at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLBELTHOLD`.
#[derive(Debug, Clone)]
pub struct BeltHold {
    recent: RecentCandles<1>,
    body_long: RollingAverage,
    shadow_very_short: RollingAverage,
    value: Option<i32>,
}

impl BeltHold {
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
        let opening_shadow = if color(c) == 1 {
            lower_shadow(c)
        } else {
            upper_shadow(c)
        };
        if real_body(c) > self.body_long.average(&self.recent) && opening_shadow < very_short {
            color(c) * 100
        } else {
            0
        }
    }
}

impl Default for BeltHold {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for BeltHold {
    fn kind(&self) -> PatternKind {
        PatternKind::BeltHold
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
    fn long_bodies_opening_at_the_extreme_in_either_colour() {
        let white = after_calm(12, &[[100.0, 103.0, 99.9, 102.0]]);
        assert_outputs(&mut BeltHold::new(), BeltHold::LOOKBACK, &white, &[100]);
        let black = after_calm(12, &[[102.0, 102.1, 99.0, 100.0]]);
        assert_outputs(&mut BeltHold::new(), BeltHold::LOOKBACK, &black, &[-100]);
    }

    #[test]
    fn a_long_shadow_on_the_opening_side_is_not() {
        let candles = after_calm(12, &[[100.0, 103.0, 99.0, 102.0]]);
        assert_outputs(&mut BeltHold::new(), BeltHold::LOOKBACK, &candles, &[0]);
    }
}
