//! Inverted hammer, as TA-Lib's `CDLINVERTEDHAMMER`: a short real body (BodyShort)
//! gapping down from the prior candle's body, an upper shadow longer than the body
//! (ShadowLong) and almost no lower shadow (ShadowVeryShort). 100, never -100; first
//! output at index 11.

use super::shape::Direction;
use super::umbrella::Umbrella;

fixed_pattern! {
    /// TA-Lib's `CDLINVERTEDHAMMER`.
    InvertedHammer(Umbrella) {
        lookback: Umbrella::lookback(true),
        new: Umbrella::new(true, Direction::Bullish),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn a_small_body_gapping_down_under_a_long_upper_shadow() {
        let candles = after_calm(12, &[[99.6, 101.5, 99.5, 99.8]]);
        assert_outputs(
            &mut InvertedHammer::new(),
            InvertedHammer::LOOKBACK,
            &candles,
            &[100],
        );
    }

    #[test]
    fn without_the_gap_it_is_not() {
        let candles = after_calm(12, &[[100.2, 102.0, 100.1, 100.4]]);
        assert_outputs(
            &mut InvertedHammer::new(),
            InvertedHammer::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
