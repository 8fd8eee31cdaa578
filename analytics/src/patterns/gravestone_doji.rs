//! Gravestone doji, as TA-Lib's `CDLGRAVESTONEDOJI`: a doji body (BodyDoji), a lower
//! shadow shorter than ShadowVeryShort and an upper shadow longer than it. 100, never
//! -100: TA-Lib marks where the shape is and leaves its reading to the caller. First
//! output at index 10.

use super::long_shadow_doji::{LongShadow, LongShadowDoji};

fixed_pattern! {
    /// TA-Lib's `CDLGRAVESTONEDOJI`.
    GravestoneDoji(LongShadowDoji) {
        lookback: LongShadowDoji::LOOKBACK,
        new: LongShadowDoji::new(LongShadow::Upper),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn a_doji_at_the_bottom_of_a_long_upper_shadow() {
        let candles = after_calm(12, &[[100.0, 102.0, 99.9, 100.0]]);
        assert_outputs(
            &mut GravestoneDoji::new(),
            GravestoneDoji::LOOKBACK,
            &candles,
            &[100],
        );
    }

    #[test]
    fn a_dragonfly_is_not_a_gravestone() {
        let candles = after_calm(12, &[[101.0, 101.1, 99.0, 101.0]]);
        assert_outputs(
            &mut GravestoneDoji::new(),
            GravestoneDoji::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
