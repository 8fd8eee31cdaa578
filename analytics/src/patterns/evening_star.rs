//! Evening star, as TA-Lib's `CDLEVENINGSTAR`: a long white candle (BodyLong), a short body
//! (BodyShort) gapping up from it, then a black candle longer than short that closes more
//! than `penetration` of the first body below the first close. -100, never 100; first
//! output at index 12. TA-Lib's default penetration is 0.3; pass it explicitly.

use super::shape::Direction;

star_pattern! {
    /// TA-Lib's `CDLEVENINGSTAR`.
    EveningStar { doji: false, direction: Direction::Bearish }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    const LONG_WHITE: [f64; 4] = [100.0, 103.0, 99.8, 102.8];
    const STAR: [f64; 4] = [103.3, 103.8, 103.1, 103.5];

    fn detector() -> EveningStar {
        EveningStar::new(0.3).expect("valid penetration")
    }

    #[test]
    fn a_black_candle_closing_well_into_the_white_body() {
        // 0.3 of the white body below its close is 101.96.
        let candles = after_calm(12, &[LONG_WHITE, STAR, [103.2, 103.3, 100.9, 101.0]]);
        assert_outputs(
            &mut detector(),
            EveningStar::LOOKBACK,
            &candles,
            &[0, 0, -100],
        );
    }

    #[test]
    fn closing_short_of_the_penetration_is_not() {
        let candles = after_calm(12, &[LONG_WHITE, STAR, [103.2, 103.3, 102.1, 102.2]]);
        assert_outputs(&mut detector(), EveningStar::LOOKBACK, &candles, &[0, 0, 0]);
    }
}
