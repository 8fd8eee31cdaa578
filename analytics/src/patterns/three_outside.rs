//! Three outside up/down, as TA-Lib's `CDL3OUTSIDE`: an engulfing (strict at both ends,
//! unlike `CDLENGULFING`'s weaker form) confirmed by a third candle closing beyond the
//! second. 100 when a white candle engulfs and the third closes higher, -100 when a black
//! one engulfs and the third closes lower. Uses no candle setting; first output at index 3.

use super::recent::RecentCandles;
use super::shape::color;
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDL3OUTSIDE`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ThreeOutside {
    recent: RecentCandles<3>,
    value: Option<i32>,
}

impl ThreeOutside {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = 3;

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (third, second, first) = (self.recent.ago(0), self.recent.ago(1), self.recent.ago(2));
        let up = color(second) == 1
            && color(first) == -1
            && second.close > first.open
            && second.open < first.close
            && third.close > second.close;
        let down = color(second) == -1
            && color(first) == 1
            && second.open > first.close
            && second.close < first.open
            && third.close < second.close;
        if up || down { color(second) * 100 } else { 0 }
    }
}

impl Default for ThreeOutside {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for ThreeOutside {
    fn kind(&self) -> PatternKind {
        PatternKind::ThreeOutside
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
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

    const ENGULFING_WHITE: [f64; 4] = [99.5, 102.0, 99.4, 101.5];

    #[test]
    fn a_bullish_engulfing_then_a_higher_close() {
        let candles = after_calm(12, &[ENGULFING_WHITE, [101.5, 102.5, 101.3, 102.2]]);
        assert_outputs(
            &mut ThreeOutside::new(),
            ThreeOutside::LOOKBACK,
            &candles,
            &[0, 100],
        );
    }

    #[test]
    fn a_lower_close_does_not_confirm() {
        let candles = after_calm(12, &[ENGULFING_WHITE, [101.5, 101.6, 100.3, 100.5]]);
        assert_outputs(
            &mut ThreeOutside::new(),
            ThreeOutside::LOOKBACK,
            &candles,
            &[0, 0],
        );
    }
}
