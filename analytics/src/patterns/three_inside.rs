//! Three inside up/down, as TA-Lib's `CDL3INSIDE`: a long body (BodyLong), a short body
//! (BodyShort) strictly inside it, then a candle of the opposite colour to the first that
//! closes beyond the first candle's open. 100 after a black first candle (inside up), -100
//! after a white one (inside down); first output at index 12.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, max, min, real_body};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDL3INSIDE`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ThreeInside {
    recent: RecentCandles<3>,
    first_long: RollingAverage,
    second_short: RollingAverage,
    value: Option<i32>,
}

impl ThreeInside {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::BODY_SHORT.period,
        CandleSetting::BODY_LONG.period,
    ) + 2;

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            first_long: RollingAverage::new(CandleSetting::BODY_LONG, Self::LOOKBACK, 2),
            second_short: RollingAverage::new(CandleSetting::BODY_SHORT, Self::LOOKBACK, 1),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (third, second, first) = (self.recent.ago(0), self.recent.ago(1), self.recent.ago(2));
        let confirmed = (color(first) == 1 && color(third) == -1 && third.close < first.open)
            || (color(first) == -1 && color(third) == 1 && third.close > first.open);
        if real_body(first) > self.first_long.average(&self.recent)
            && real_body(second) <= self.second_short.average(&self.recent)
            && max(second.close, second.open) < max(first.close, first.open)
            && min(second.close, second.open) > min(first.close, first.open)
            && confirmed
        {
            -color(first) * 100
        } else {
            0
        }
    }
}

impl Default for ThreeInside {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for ThreeInside {
    fn kind(&self) -> PatternKind {
        PatternKind::ThreeInside
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.first_long.feed(&self.recent);
        self.second_short.feed(&self.recent);
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

    const LONG_BLACK: [f64; 4] = [102.8, 103.0, 99.8, 100.0];
    const INSIDE: [f64; 4] = [100.5, 101.2, 100.3, 101.0];

    #[test]
    fn a_white_candle_closing_above_the_black_open() {
        let candles = after_calm(12, &[LONG_BLACK, INSIDE, [101.0, 103.5, 100.9, 103.2]]);
        assert_outputs(
            &mut ThreeInside::new(),
            ThreeInside::LOOKBACK,
            &candles,
            &[0, 0, 100],
        );
    }

    #[test]
    fn closing_below_the_black_open_is_not() {
        let candles = after_calm(12, &[LONG_BLACK, INSIDE, [101.0, 102.5, 100.9, 102.0]]);
        assert_outputs(
            &mut ThreeInside::new(),
            ThreeInside::LOOKBACK,
            &candles,
            &[0, 0, 0],
        );
    }
}
