//! Three black crows, as TA-Lib's `CDL3BLACKCROWS`: a white candle, then three black ones
//! with lower closes, each with a very short lower shadow (ShadowVeryShort), the second
//! and third opening inside the previous body, and the first closing under the white
//! candle's high. -100, never 100; first output at index 13.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage};
use super::shape::{color, lower_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDL3BLACKCROWS`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ThreeBlackCrows {
    recent: RecentCandles<4>,
    /// ShadowVeryShort of each crow, oldest first.
    very_short: [RollingAverage; 3],
    value: Option<i32>,
}

impl ThreeBlackCrows {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = CandleSetting::SHADOW_VERY_SHORT.period + 3;

    pub fn new() -> Self {
        let very_short =
            |lag| RollingAverage::new(CandleSetting::SHADOW_VERY_SHORT, Self::LOOKBACK, lag);
        Self {
            recent: RecentCandles::new(),
            very_short: [very_short(2), very_short(1), very_short(0)],
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let r = &self.recent;
        let (third, second, first, white) = (r.ago(0), r.ago(1), r.ago(2), r.ago(3));
        let [short1, short2, short3] = &self.very_short;
        if color(white) == 1
            && color(first) == -1
            && lower_shadow(first) < short1.average(r)
            && color(second) == -1
            && lower_shadow(second) < short2.average(r)
            && color(third) == -1
            && lower_shadow(third) < short3.average(r)
            && second.open < first.open
            && second.open > first.close
            && third.open < second.open
            && third.open > second.close
            && white.high > first.close
            && first.close > second.close
            && second.close > third.close
        {
            -100
        } else {
            0
        }
    }
}

impl Default for ThreeBlackCrows {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for ThreeBlackCrows {
    fn kind(&self) -> PatternKind {
        PatternKind::ThreeBlackCrows
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        for average in &mut self.very_short {
            average.feed(&self.recent);
        }
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

    const FIRST: [f64; 4] = [101.0, 101.1, 99.45, 99.5];
    const SECOND: [f64; 4] = [100.5, 100.6, 98.45, 98.5];

    #[test]
    fn three_falling_black_candles_after_a_white_one() {
        // The last of 13 calm candles is white, 100 -> 101.
        let candles = after_calm(13, &[FIRST, SECOND, [99.5, 99.6, 97.45, 97.5]]);
        assert_outputs(
            &mut ThreeBlackCrows::new(),
            ThreeBlackCrows::LOOKBACK,
            &candles,
            &[0, 0, -100],
        );
    }

    #[test]
    fn a_third_crow_opening_below_the_second_body_is_not() {
        let candles = after_calm(13, &[FIRST, SECOND, [98.3, 98.4, 97.45, 97.5]]);
        assert_outputs(
            &mut ThreeBlackCrows::new(),
            ThreeBlackCrows::LOOKBACK,
            &candles,
            &[0, 0, 0],
        );
    }
}
