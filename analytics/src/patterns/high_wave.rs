//! High-wave candle, as TA-Lib's `CDLHIGHWAVE`: a short real body (BodyShort) with both
//! shadows longer than ShadowVeryLong (twice the body). 100 for a white candle, -100 for a
//! black one; first output at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLHIGHWAVE`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct HighWave {
    recent: RecentCandles<1>,
    body_short: RollingAverage,
    shadow_very_long: RollingAverage,
    value: Option<i32>,
}

impl HighWave {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::BODY_SHORT.period,
        CandleSetting::SHADOW_VERY_LONG.period,
    );

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            body_short: RollingAverage::new(CandleSetting::BODY_SHORT, Self::LOOKBACK, 0),
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
        let very_long = self.shadow_very_long.average(&self.recent);
        if real_body(c) < self.body_short.average(&self.recent)
            && upper_shadow(c) > very_long
            && lower_shadow(c) > very_long
        {
            color(c) * 100
        } else {
            0
        }
    }
}

impl Default for HighWave {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for HighWave {
    fn kind(&self) -> PatternKind {
        PatternKind::HighWave
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_short.feed(&self.recent);
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
    fn a_small_body_between_very_long_shadows() {
        let candles = after_calm(12, &[[100.0, 102.0, 98.0, 100.5]]);
        assert_outputs(&mut HighWave::new(), HighWave::LOOKBACK, &candles, &[100]);
    }

    #[test]
    fn an_upper_shadow_under_twice_the_body_is_not() {
        let candles = after_calm(12, &[[100.0, 100.7, 98.0, 100.5]]);
        assert_outputs(&mut HighWave::new(), HighWave::LOOKBACK, &candles, &[0]);
    }
}
