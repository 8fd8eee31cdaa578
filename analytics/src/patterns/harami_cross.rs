//! Harami cross, as TA-Lib's `CDLHARAMICROSS`: a harami whose second candle is a doji
//! (BodyDoji instead of BodyShort). -100 after a white candle, 100 after a black one when
//! the doji is strictly inside the first body; ±80 when it touches an end. First output at
//! index 11.

use super::harami::inside;
use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, real_body};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLHARAMICROSS`.
#[derive(Debug, Clone)]
pub struct HaramiCross {
    recent: RecentCandles<2>,
    /// BodyLong of the first (prior) candle.
    first_long: RollingAverage,
    /// BodyDoji of the second (newest) candle.
    second_doji: RollingAverage,
    value: Option<i32>,
}

impl HaramiCross {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::BODY_DOJI.period,
        CandleSetting::BODY_LONG.period,
    ) + 1;

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            first_long: RollingAverage::new(CandleSetting::BODY_LONG, Self::LOOKBACK, 1),
            second_doji: RollingAverage::new(CandleSetting::BODY_DOJI, Self::LOOKBACK, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (second, first) = (self.recent.ago(0), self.recent.ago(1));
        if !(real_body(first) > self.first_long.average(&self.recent)
            && real_body(second) <= self.second_doji.average(&self.recent))
        {
            return 0;
        }
        inside(second, first) * -color(first)
    }
}

impl Default for HaramiCross {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for HaramiCross {
    fn kind(&self) -> PatternKind {
        PatternKind::HaramiCross
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.first_long.feed(&self.recent);
        self.second_doji.feed(&self.recent);
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
    fn a_doji_inside_a_long_white_body() {
        let candles = after_calm(12, &[LONG_WHITE, [101.5, 102.0, 101.0, 101.5]]);
        assert_outputs(
            &mut HaramiCross::new(),
            HaramiCross::LOOKBACK,
            &candles,
            &[0, -100],
        );
    }

    #[test]
    fn a_short_body_that_is_no_doji_is_not() {
        let candles = after_calm(12, &[LONG_WHITE, [102.0, 102.5, 101.0, 101.5]]);
        assert_outputs(
            &mut HaramiCross::new(),
            HaramiCross::LOOKBACK,
            &candles,
            &[0, 0],
        );
    }
}
