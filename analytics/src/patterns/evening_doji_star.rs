//! Evening doji star, as TA-Lib's `CDLEVENINGDOJISTAR`: an evening star whose star is a
//! doji (BodyDoji): a long white candle (BodyLong), a doji gapping up from it, then a black
//! candle longer than short (BodyShort) closing more than `penetration` of the first body
//! below the first close. -100, never 100; first output at index 12. TA-Lib's default
//! penetration is 0.3; pass it explicitly.

use super::shape::Direction;

star_pattern! {
    /// TA-Lib's `CDLEVENINGDOJISTAR`.
    EveningDojiStar { doji: true, direction: Direction::Bearish }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    const LONG_WHITE: [f64; 4] = [100.0, 103.0, 99.8, 102.8];
    const BLACK_CLOSE_LOW: [f64; 4] = [103.2, 103.3, 100.9, 101.0];

    fn detector() -> EveningDojiStar {
        EveningDojiStar::new(0.3).expect("valid penetration")
    }

    #[test]
    fn a_doji_star_between_a_white_and_a_strong_black_candle() {
        let candles = after_calm(
            12,
            &[LONG_WHITE, [103.4, 103.8, 103.1, 103.4], BLACK_CLOSE_LOW],
        );
        assert_outputs(
            &mut detector(),
            EveningDojiStar::LOOKBACK,
            &candles,
            &[0, 0, -100],
        );
    }

    #[test]
    fn a_star_with_a_body_is_not() {
        let candles = after_calm(
            12,
            &[LONG_WHITE, [103.3, 103.8, 103.1, 103.6], BLACK_CLOSE_LOW],
        );
        assert_outputs(
            &mut detector(),
            EveningDojiStar::LOOKBACK,
            &candles,
            &[0, 0, 0],
        );
    }
}
