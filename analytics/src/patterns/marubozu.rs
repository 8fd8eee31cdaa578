//! Marubozu, as TA-Lib's `CDLMARUBOZU`: a long real body (BodyLong) with both shadows
//! shorter than ShadowVeryShort (10% of the average range of the 10 candles before). 100
//! for a white candle, -100 for a black one; first output at index 10.

use super::long_body::{LongBody, ShortShadows};

fixed_pattern! {
    /// TA-Lib's `CDLMARUBOZU`.
    Marubozu(LongBody) {
        lookback: LongBody::LOOKBACK,
        new: LongBody::new(ShortShadows::Both),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn long_bodies_without_shadows_in_either_colour() {
        let white = after_calm(12, &[[100.0, 102.05, 99.95, 102.0]]);
        assert_outputs(&mut Marubozu::new(), Marubozu::LOOKBACK, &white, &[100]);
        let black = after_calm(12, &[[102.0, 102.05, 99.95, 100.0]]);
        assert_outputs(&mut Marubozu::new(), Marubozu::LOOKBACK, &black, &[-100]);
    }

    #[test]
    fn a_long_upper_shadow_is_not() {
        let candles = after_calm(12, &[[100.0, 102.5, 99.95, 102.0]]);
        assert_outputs(&mut Marubozu::new(), Marubozu::LOOKBACK, &candles, &[0]);
    }
}
