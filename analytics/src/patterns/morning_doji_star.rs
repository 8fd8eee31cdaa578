//! Morning doji star, as TA-Lib's `CDLMORNINGDOJISTAR`: a morning star whose star is a
//! doji (BodyDoji): a long black candle (BodyLong), a doji gapping down from it, then a
//! white candle longer than short (BodyShort) closing more than `penetration` of the first
//! body above the first close. 100, never -100; first output at index 12. TA-Lib's default
//! penetration is 0.3; pass it explicitly.

use super::shape::Direction;

star_pattern! {
    /// TA-Lib's `CDLMORNINGDOJISTAR`.
    MorningDojiStar { doji: true, direction: Direction::Bullish }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    const LONG_BLACK: [f64; 4] = [102.8, 103.0, 99.8, 100.0];
    const WHITE_CLOSE_HIGH: [f64; 4] = [99.6, 102.2, 99.5, 102.0];

    fn detector() -> MorningDojiStar {
        MorningDojiStar::new(0.3).expect("valid penetration")
    }

    #[test]
    fn a_doji_star_between_a_black_and_a_strong_white_candle() {
        let candles = after_calm(
            12,
            &[LONG_BLACK, [99.4, 99.7, 99.0, 99.4], WHITE_CLOSE_HIGH],
        );
        assert_outputs(
            &mut detector(),
            MorningDojiStar::LOOKBACK,
            &candles,
            &[0, 0, 100],
        );
    }

    #[test]
    fn a_star_with_a_body_is_not() {
        let candles = after_calm(
            12,
            &[LONG_BLACK, [99.5, 99.7, 99.0, 99.2], WHITE_CLOSE_HIGH],
        );
        assert_outputs(
            &mut detector(),
            MorningDojiStar::LOOKBACK,
            &candles,
            &[0, 0, 0],
        );
    }
}
