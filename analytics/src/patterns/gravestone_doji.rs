//! Gravestone doji, as TA-Lib's `CDLGRAVESTONEDOJI`: a doji body (BodyDoji), a lower
//! shadow shorter than ShadowVeryShort and an upper shadow longer than it. 100, never
//! -100: TA-Lib marks where the shape is and leaves its reading to the caller. First
//! output at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLGRAVESTONEDOJI`.
#[derive(Debug, Clone)]
pub struct GravestoneDoji {
    recent: RecentCandles<1>,
    body_doji: RollingAverage,
    shadow_very_short: RollingAverage,
    value: Option<i32>,
}

impl GravestoneDoji {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::BODY_DOJI.period,
        CandleSetting::SHADOW_VERY_SHORT.period,
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
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let c = self.recent.ago(0);
        let very_short = self.shadow_very_short.average(&self.recent);
        if real_body(c) <= self.body_doji.average(&self.recent)
            && lower_shadow(c) < very_short
            && upper_shadow(c) > very_short
        {
            100
        } else {
            0
        }
    }
}

impl Default for GravestoneDoji {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for GravestoneDoji {
    fn kind(&self) -> PatternKind {
        PatternKind::GravestoneDoji
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_doji.feed(&self.recent);
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
    fn a_doji_at_the_bottom_of_a_long_upper_shadow() {
        let candles = after_calm(12, &[[100.0, 102.0, 99.9, 100.0]]);
        assert_outputs(
            &mut GravestoneDoji::new(),
            GravestoneDoji::LOOKBACK,
            &candles,
            &[100],
        );
    }

    #[test]
    fn a_dragonfly_is_not_a_gravestone() {
        let candles = after_calm(12, &[[101.0, 101.1, 99.0, 101.0]]);
        assert_outputs(
            &mut GravestoneDoji::new(),
            GravestoneDoji::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
