//! Piercing, as TA-Lib's `CDLPIERCING`: a long black candle, then a long white one
//! (both BodyLong) that opens below the prior low and closes inside the prior body, above
//! its midpoint. The midpoint (penetration 0.5) is fixed in TA-Lib, not a parameter. 100,
//! never -100; first output at index 11.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage};
use super::shape::{color, real_body};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLPIERCING`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Piercing {
    recent: RecentCandles<2>,
    /// BodyLong of the first (prior) candle.
    first_long: RollingAverage,
    /// BodyLong of the second (newest) candle.
    second_long: RollingAverage,
    value: Option<i32>,
}

impl Piercing {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = CandleSetting::BODY_LONG.period + 1;

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            first_long: RollingAverage::new(CandleSetting::BODY_LONG, Self::LOOKBACK, 1),
            second_long: RollingAverage::new(CandleSetting::BODY_LONG, Self::LOOKBACK, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (second, first) = (self.recent.ago(0), self.recent.ago(1));
        if color(first) == -1
            && real_body(first) > self.first_long.average(&self.recent)
            && color(second) == 1
            && real_body(second) > self.second_long.average(&self.recent)
            && second.open < first.low
            && second.close < first.open
            && second.close > first.close + real_body(first) * 0.5
        {
            100
        } else {
            0
        }
    }
}

impl Default for Piercing {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for Piercing {
    fn kind(&self) -> PatternKind {
        PatternKind::Piercing
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.first_long.feed(&self.recent);
        self.second_long.feed(&self.recent);
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

    const LONG_BLACK: [f64; 4] = [102.8, 103.0, 99.9, 100.0];

    #[test]
    fn a_white_candle_closing_above_the_black_midpoint() {
        // Midpoint of 102.8 -> 100 is 101.4.
        let candles = after_calm(12, &[LONG_BLACK, [99.5, 102.2, 99.4, 101.8]]);
        assert_outputs(
            &mut Piercing::new(),
            Piercing::LOOKBACK,
            &candles,
            &[0, 100],
        );
    }

    #[test]
    fn closing_below_the_midpoint_is_not() {
        let candles = after_calm(12, &[LONG_BLACK, [99.5, 102.2, 99.4, 101.2]]);
        assert_outputs(&mut Piercing::new(), Piercing::LOOKBACK, &candles, &[0, 0]);
    }
}
