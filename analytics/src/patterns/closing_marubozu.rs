//! Closing marubozu, as TA-Lib's `CDLCLOSINGMARUBOZU`: a long real body (BodyLong) with
//! almost no shadow (ShadowVeryShort) on the closing side: the upper shadow of a white
//! candle, the lower shadow of a black one. 100 white, -100 black; first output at
//! index 10.

use super::long_body::{LongBody, ShortShadows};

fixed_pattern! {
    /// TA-Lib's `CDLCLOSINGMARUBOZU`.
    ClosingMarubozu(LongBody) {
        lookback: LongBody::LOOKBACK,
        new: LongBody::new(ShortShadows::Closing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn long_bodies_closing_at_the_extreme_in_either_colour() {
        let white = after_calm(12, &[[100.0, 102.05, 99.0, 102.0]]);
        let lookback = ClosingMarubozu::LOOKBACK;
        assert_outputs(&mut ClosingMarubozu::new(), lookback, &white, &[100]);
        let black = after_calm(12, &[[102.0, 103.0, 99.95, 100.0]]);
        assert_outputs(&mut ClosingMarubozu::new(), lookback, &black, &[-100]);
    }

    #[test]
    fn a_long_shadow_on_the_closing_side_is_not() {
        let candles = after_calm(12, &[[100.0, 103.0, 99.0, 102.0]]);
        assert_outputs(
            &mut ClosingMarubozu::new(),
            ClosingMarubozu::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
