//! Doji star, as TA-Lib's `CDLDOJISTAR`: a long real body (BodyLong) followed by a doji
//! (BodyDoji) whose body gaps away in the direction of the first: up after a white
//! candle, down after a black one. -100 after white, 100 after black; first output at
//! index 11.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, real_body, real_body_gap_down, real_body_gap_up};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLDOJISTAR`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DojiStar {
    recent: RecentCandles<2>,
    /// BodyLong of the first (prior) candle.
    first_long: RollingAverage,
    /// BodyDoji of the star (newest candle).
    star_doji: RollingAverage,
    value: Option<i32>,
}

impl DojiStar {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::BODY_DOJI.period,
        CandleSetting::BODY_LONG.period,
    ) + 1;

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            first_long: RollingAverage::new(CandleSetting::BODY_LONG, Self::LOOKBACK, 1),
            star_doji: RollingAverage::new(CandleSetting::BODY_DOJI, Self::LOOKBACK, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (star, first) = (self.recent.ago(0), self.recent.ago(1));
        let gaps_away = (color(first) == 1 && real_body_gap_up(star, first))
            || (color(first) == -1 && real_body_gap_down(star, first));
        if real_body(first) > self.first_long.average(&self.recent)
            && real_body(star) <= self.star_doji.average(&self.recent)
            && gaps_away
        {
            -color(first) * 100
        } else {
            0
        }
    }
}

impl Default for DojiStar {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for DojiStar {
    fn kind(&self) -> PatternKind {
        PatternKind::DojiStar
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.first_long.feed(&self.recent);
        self.star_doji.feed(&self.recent);
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

    const LONG_WHITE: [f64; 4] = [100.0, 103.0, 99.8, 102.8];

    #[test]
    fn a_doji_gapping_up_after_a_long_white_body() {
        let candles = after_calm(12, &[LONG_WHITE, [103.2, 103.5, 103.0, 103.2]]);
        assert_outputs(
            &mut DojiStar::new(),
            DojiStar::LOOKBACK,
            &candles,
            &[0, -100],
        );
    }

    #[test]
    fn a_doji_without_the_gap_is_not() {
        let candles = after_calm(12, &[LONG_WHITE, [102.6, 103.5, 102.3, 102.6]]);
        assert_outputs(&mut DojiStar::new(), DojiStar::LOOKBACK, &candles, &[0, 0]);
    }
}
