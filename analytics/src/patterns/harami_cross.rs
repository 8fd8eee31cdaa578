//! Harami cross, as TA-Lib's `CDLHARAMICROSS`: a harami whose second candle is a doji
//! (BodyDoji instead of BodyShort). -100 after a white candle, 100 after a black one when
//! the doji is strictly inside the first body; ±80 when it touches an end. First output at
//! index 11.

use super::harami::HaramiCore;

fixed_pattern! {
    /// TA-Lib's `CDLHARAMICROSS`.
    HaramiCross(HaramiCore) {
        lookback: HaramiCore::lookback(true),
        new: HaramiCore::new(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    const LONG_WHITE: [f64; 4] = [100.0, 103.0, 99.8, 102.8];

    #[test]
    fn a_doji_inside_a_long_white_body() {
        let candles = after_calm(12, &[LONG_WHITE, [101.5, 102.0, 101.0, 101.5]]);
        assert_outputs(
            &mut HaramiCross::new(),
            HaramiCross::LOOKBACK,
            &candles,
            &[0, -100],
        );
    }

    #[test]
    fn a_short_body_that_is_no_doji_is_not() {
        let candles = after_calm(12, &[LONG_WHITE, [102.0, 102.5, 101.0, 101.5]]);
        assert_outputs(
            &mut HaramiCross::new(),
            HaramiCross::LOOKBACK,
            &candles,
            &[0, 0],
        );
    }
}
