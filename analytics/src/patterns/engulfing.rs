//! Engulfing, as TA-Lib's `CDLENGULFING`: a candle of the opposite colour whose real body
//! covers the prior one's. 100 (bullish) or -100 (bearish) when the cover is strict at both
//! ends, 80 or -80 when one end only touches: bars that open at the prior close, as
//! continuous 1-minute bars do, can only give ±80. Uses no candle setting. First output at
//! index 2, TA-Lib's lookback, although the pattern needs only one prior candle.

use super::recent::RecentCandles;
use super::shape::color;
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLENGULFING`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Engulfing {
    recent: RecentCandles<2>,
    value: Option<i32>,
}

impl Engulfing {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = 2;

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (c, prior) = (self.recent.ago(0), self.recent.ago(1));
        let white_engulfs_black = color(c) == 1
            && color(prior) == -1
            && ((c.close >= prior.open && c.open < prior.close)
                || (c.close > prior.open && c.open <= prior.close));
        let black_engulfs_white = color(c) == -1
            && color(prior) == 1
            && ((c.open >= prior.close && c.close < prior.open)
                || (c.open > prior.close && c.close <= prior.open));
        if !(white_engulfs_black || black_engulfs_white) {
            0
        } else if c.open != prior.close && c.close != prior.open {
            color(c) * 100
        } else {
            color(c) * 80
        }
    }
}

impl Default for Engulfing {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for Engulfing {
    fn kind(&self) -> PatternKind {
        PatternKind::Engulfing
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

    #[test]
    fn a_white_body_strictly_covering_a_black_one() {
        // The last calm candle is black, 101 -> 100.
        let candles = after_calm(12, &[[99.5, 102.0, 99.4, 101.5]]);
        assert_outputs(&mut Engulfing::new(), Engulfing::LOOKBACK, &candles, &[100]);
    }

    #[test]
    fn opening_at_the_prior_close_is_the_weaker_form() {
        let candles = after_calm(12, &[[100.0, 102.0, 99.4, 101.5]]);
        assert_outputs(&mut Engulfing::new(), Engulfing::LOOKBACK, &candles, &[80]);
    }

    #[test]
    fn bullish_then_bearish_and_a_body_that_does_not_cover() {
        let candles = after_calm(
            12,
            &[
                [99.0, 99.5, 98.0, 98.5],
                [98.2, 99.8, 98.1, 99.6],
                [99.7, 99.8, 97.9, 98.0],
            ],
        );
        assert_outputs(
            &mut Engulfing::new(),
            Engulfing::LOOKBACK,
            &candles,
            &[0, 100, -100],
        );
        let candles = after_calm(12, &[[100.2, 102.0, 99.4, 101.5]]);
        assert_outputs(&mut Engulfing::new(), Engulfing::LOOKBACK, &candles, &[0]);
    }
}
