//! Hanging man, as TA-Lib's `CDLHANGINGMAN`: the hammer's shape (short body, long lower
//! shadow, almost no upper shadow) with the body's bottom at or above the prior candle's
//! high minus Near, i.e. after a rise. -100, never 100; first output at index 11.

use super::shape::Direction;
use super::umbrella::Umbrella;

fixed_pattern! {
    /// TA-Lib's `CDLHANGINGMAN`.
    HangingMan(Umbrella) {
        lookback: Umbrella::lookback(false),
        new: Umbrella::new(false, Direction::Bearish),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn a_hammer_shape_at_the_prior_high() {
        let candles = after_calm(12, &[[101.3, 101.6, 99.5, 101.5]]);
        assert_outputs(
            &mut HangingMan::new(),
            HangingMan::LOOKBACK,
            &candles,
            &[-100],
        );
    }

    #[test]
    fn the_same_shape_below_the_prior_high_is_not() {
        let candles = after_calm(12, &[[100.5, 100.8, 98.7, 100.7]]);
        assert_outputs(&mut HangingMan::new(), HangingMan::LOOKBACK, &candles, &[0]);
    }
}
