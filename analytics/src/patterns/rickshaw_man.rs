//! Rickshaw man, as TA-Lib's `CDLRICKSHAWMAN`: a doji body (BodyDoji) with both shadows
//! longer than the body (ShadowLong), sitting within Near (20% of the average range of the
//! last 5 candles) of the middle of its own high-low range. 100, never -100; first output
//! at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{high_low_range, lower_shadow, max, min, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLRICKSHAWMAN`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RickshawMan {
    recent: RecentCandles<1>,
    body_doji: RollingAverage,
    shadow_long: RollingAverage,
    near: RollingAverage,
    value: Option<i32>,
}

impl RickshawMan {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        max_period(
            CandleSetting::BODY_DOJI.period,
            CandleSetting::SHADOW_LONG.period,
        ),
        CandleSetting::NEAR.period,
    );

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            body_doji: RollingAverage::new(CandleSetting::BODY_DOJI, Self::LOOKBACK, 0),
            shadow_long: RollingAverage::new(CandleSetting::SHADOW_LONG, Self::LOOKBACK, 0),
            near: RollingAverage::new(CandleSetting::NEAR, Self::LOOKBACK, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let c = self.recent.ago(0);
        let long = self.shadow_long.average(&self.recent);
        let near = self.near.average(&self.recent);
        // Written as TA-Lib writes it, `low + range / 2 ± near`, for the same rounding.
        let middle = c.low + high_low_range(c) / 2.0;
        if real_body(c) <= self.body_doji.average(&self.recent)
            && lower_shadow(c) > long
            && upper_shadow(c) > long
            && min(c.open, c.close) <= middle + near
            && max(c.open, c.close) >= middle - near
        {
            100
        } else {
            0
        }
    }
}

impl Default for RickshawMan {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for RickshawMan {
    fn kind(&self) -> PatternKind {
        PatternKind::RickshawMan
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_doji.feed(&self.recent);
        self.shadow_long.feed(&self.recent);
        self.near.feed(&self.recent);
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
    fn a_doji_in_the_middle_of_long_shadows() {
        let candles = after_calm(12, &[[100.0, 101.0, 99.0, 100.0]]);
        assert_outputs(
            &mut RickshawMan::new(),
            RickshawMan::LOOKBACK,
            &candles,
            &[100],
        );
    }

    #[test]
    fn a_doji_near_the_top_of_its_range_is_not() {
        let candles = after_calm(12, &[[100.8, 101.0, 99.0, 100.8]]);
        assert_outputs(
            &mut RickshawMan::new(),
            RickshawMan::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
