//! Belt hold, as TA-Lib's `CDLBELTHOLD`: a long real body (BodyLong) with almost no shadow
//! (ShadowVeryShort) on the opening side: a white candle opening on its low, a black one on
//! its high. 100 white, -100 black; first output at index 10.

use super::long_body::{LongBody, ShortShadows};

fixed_pattern! {
    /// TA-Lib's `CDLBELTHOLD`.
    BeltHold(LongBody) {
        lookback: LongBody::LOOKBACK,
        new: LongBody::new(ShortShadows::Opening),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn long_bodies_opening_at_the_extreme_in_either_colour() {
        let white = after_calm(12, &[[100.0, 103.0, 99.9, 102.0]]);
        assert_outputs(&mut BeltHold::new(), BeltHold::LOOKBACK, &white, &[100]);
        let black = after_calm(12, &[[102.0, 102.1, 99.0, 100.0]]);
        assert_outputs(&mut BeltHold::new(), BeltHold::LOOKBACK, &black, &[-100]);
    }

    #[test]
    fn a_long_shadow_on_the_opening_side_is_not() {
        let candles = after_calm(12, &[[100.0, 103.0, 99.0, 102.0]]);
        assert_outputs(&mut BeltHold::new(), BeltHold::LOOKBACK, &candles, &[0]);
    }
}
