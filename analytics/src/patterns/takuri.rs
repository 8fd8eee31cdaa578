//! Takuri, as TA-Lib's `CDLTAKURI`: a dragonfly doji with a very long lower shadow: a doji
//! body (BodyDoji), an upper shadow shorter than ShadowVeryShort and a lower shadow longer
//! than ShadowVeryLong (twice the candle's own body). 100, never -100; first output at
//! index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLTAKURI`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Takuri {
    recent: RecentCandles<1>,
    body_doji: RollingAverage,
    shadow_very_short: RollingAverage,
    shadow_very_long: RollingAverage,
    value: Option<i32>,
}

impl Takuri {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        max_period(
            CandleSetting::BODY_DOJI.period,
            CandleSetting::SHADOW_VERY_SHORT.period,
        ),
        CandleSetting::SHADOW_VERY_LONG.period,
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
            shadow_very_long: RollingAverage::new(
                CandleSetting::SHADOW_VERY_LONG,
                Self::LOOKBACK,
                0,
            ),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let c = self.recent.ago(0);
        if real_body(c) <= self.body_doji.average(&self.recent)
            && upper_shadow(c) < self.shadow_very_short.average(&self.recent)
            && lower_shadow(c) > self.shadow_very_long.average(&self.recent)
        {
            100
        } else {
            0
        }
    }
}

impl Default for Takuri {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for Takuri {
    fn kind(&self) -> PatternKind {
        PatternKind::Takuri
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_doji.feed(&self.recent);
        self.shadow_very_short.feed(&self.recent);
        self.shadow_very_long.feed(&self.recent);
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
    fn a_doji_on_top_of_a_very_long_lower_shadow() {
        let candles = after_calm(12, &[[100.0, 100.1, 98.0, 100.05]]);
        assert_outputs(&mut Takuri::new(), Takuri::LOOKBACK, &candles, &[100]);
    }

    #[test]
    fn a_lower_shadow_shorter_than_twice_the_body_is_not() {
        let candles = after_calm(12, &[[100.0, 100.1, 99.95, 100.05]]);
        assert_outputs(&mut Takuri::new(), Takuri::LOOKBACK, &candles, &[0]);
    }
}
