//! Morning star, as TA-Lib's `CDLMORNINGSTAR`: a long black candle (BodyLong), a short body
//! (BodyShort) gapping down from it, then a white candle longer than short that closes
//! more than `penetration` of the first body above the first close. 100, never -100;
//! first output at index 12. TA-Lib's default penetration is 0.3; pass it explicitly.

use super::shape::Direction;

star_pattern! {
    /// TA-Lib's `CDLMORNINGSTAR`.
    MorningStar { doji: false, direction: Direction::Bullish }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    const LONG_BLACK: [f64; 4] = [102.8, 103.0, 99.8, 100.0];
    const STAR: [f64; 4] = [99.5, 99.7, 99.0, 99.3];

    fn detector() -> MorningStar {
        MorningStar::new(0.3).expect("valid penetration")
    }

    #[test]
    fn a_white_candle_closing_well_into_the_black_body() {
        // 0.3 of the black body above its close is 100.84.
        let candles = after_calm(12, &[LONG_BLACK, STAR, [99.6, 102.2, 99.5, 102.0]]);
        assert_outputs(
            &mut detector(),
            MorningStar::LOOKBACK,
            &candles,
            &[0, 0, 100],
        );
    }

    #[test]
    fn closing_short_of_the_penetration_is_not() {
        let candles = after_calm(12, &[LONG_BLACK, STAR, [99.6, 100.7, 99.5, 100.5]]);
        assert_outputs(&mut detector(), MorningStar::LOOKBACK, &candles, &[0, 0, 0]);
    }

    #[test]
    fn refuses_a_negative_penetration_as_ta_lib_does() {
        assert!(MorningStar::new(-1.0).is_err());
        assert_eq!(MorningStar::default().penetration(), 0.3);
    }
}
