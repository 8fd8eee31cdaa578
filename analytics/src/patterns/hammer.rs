//! Hammer, as TA-Lib's `CDLHAMMER`: a short real body (BodyShort), a lower shadow longer
//! than the body (ShadowLong), almost no upper shadow (ShadowVeryShort), and a body whose
//! bottom is at or below the prior candle's low plus Near (20% of the average range of the
//! 5 candles before the prior one). 100, never -100; first output at index 11.

use super::shape::Direction;
use super::umbrella::Umbrella;

fixed_pattern! {
    /// TA-Lib's `CDLHAMMER`.
    Hammer(Umbrella) {
        lookback: Umbrella::lookback(false),
        new: Umbrella::new(false, Direction::Bullish),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn a_small_body_near_the_prior_low_on_a_long_lower_shadow() {
        let candles = after_calm(12, &[[99.8, 100.1, 98.0, 100.0]]);
        assert_outputs(&mut Hammer::new(), Hammer::LOOKBACK, &candles, &[100]);
    }

    #[test]
    fn the_same_shape_too_far_above_the_prior_low_is_not() {
        let candles = after_calm(12, &[[100.3, 100.6, 98.0, 100.5]]);
        assert_outputs(&mut Hammer::new(), Hammer::LOOKBACK, &candles, &[0]);
    }
}
