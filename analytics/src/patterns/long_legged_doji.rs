//! Long-legged doji, as TA-Lib's `CDLLONGLEGGEDDOJI`: a doji body (BodyDoji) with at least
//! one shadow longer than ShadowLong, which is the candle's own real body. 100, never -100;
//! first output at index 10.
//!
//! Because ShadowLong is the candle's own body, a doji with any shadow qualifies, so this
//! fires on most dojis; that is TA-Lib's definition.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLLONGLEGGEDDOJI`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LongLeggedDoji {
    recent: RecentCandles<1>,
    body_doji: RollingAverage,
    shadow_long: RollingAverage,
    value: Option<i32>,
}

impl LongLeggedDoji {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::BODY_DOJI.period,
        CandleSetting::SHADOW_LONG.period,
    );

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            body_doji: RollingAverage::new(CandleSetting::BODY_DOJI, Self::LOOKBACK, 0),
            shadow_long: RollingAverage::new(CandleSetting::SHADOW_LONG, Self::LOOKBACK, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let c = self.recent.ago(0);
        let long = self.shadow_long.average(&self.recent);
        if real_body(c) <= self.body_doji.average(&self.recent)
            && (lower_shadow(c) > long || upper_shadow(c) > long)
        {
            100
        } else {
            0
        }
    }
}

impl Default for LongLeggedDoji {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for LongLeggedDoji {
    fn kind(&self) -> PatternKind {
        PatternKind::LongLeggedDoji
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_doji.feed(&self.recent);
        self.shadow_long.feed(&self.recent);
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
    fn a_doji_with_shadows() {
        let candles = after_calm(12, &[[100.0, 101.0, 99.0, 100.0]]);
        assert_outputs(
            &mut LongLeggedDoji::new(),
            LongLeggedDoji::LOOKBACK,
            &candles,
            &[100],
        );
    }

    #[test]
    fn a_flat_candle_or_a_real_body_is_not() {
        for tail in [[100.0, 100.0, 100.0, 100.0], [100.0, 102.0, 99.0, 101.0]] {
            let candles = after_calm(12, &[tail]);
            assert_outputs(
                &mut LongLeggedDoji::new(),
                LongLeggedDoji::LOOKBACK,
                &candles,
                &[0],
            );
        }
    }
}
