//! Shooting star, as TA-Lib's `CDLSHOOTINGSTAR`: a short real body (BodyShort) gapping up
//! from the prior candle's body, an upper shadow longer than the body (ShadowLong) and
//! almost no lower shadow (ShadowVeryShort). -100, never 100; first output at index 11.

use super::shape::Direction;
use super::umbrella::Umbrella;

fixed_pattern! {
    /// TA-Lib's `CDLSHOOTINGSTAR`.
    ShootingStar(Umbrella) {
        lookback: Umbrella::lookback(true),
        new: Umbrella::new(true, Direction::Bearish),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn a_small_body_gapping_up_under_a_long_upper_shadow() {
        let candles = after_calm(12, &[[101.2, 103.0, 101.1, 101.4]]);
        assert_outputs(
            &mut ShootingStar::new(),
            ShootingStar::LOOKBACK,
            &candles,
            &[-100],
        );
    }

    #[test]
    fn without_the_gap_it_is_not() {
        let candles = after_calm(12, &[[100.8, 103.0, 100.7, 101.0]]);
        assert_outputs(
            &mut ShootingStar::new(),
            ShootingStar::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
