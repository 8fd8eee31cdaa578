//! Short line, as TA-Lib's `CDLSHORTLINE`: a short real body (BodyShort) with both shadows
//! shorter than ShadowShort (the average shadow of the 10 candles before). 100 white,
//! -100 black; first output at index 10.

use super::line::Line;

fixed_pattern! {
    /// TA-Lib's `CDLSHORTLINE`.
    ShortLine(Line) {
        lookback: Line::lookback(false),
        new: Line::new(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn a_short_body_with_short_shadows() {
        let candles = after_calm(12, &[[100.0, 100.8, 99.8, 100.5]]);
        assert_outputs(&mut ShortLine::new(), ShortLine::LOOKBACK, &candles, &[100]);
    }

    #[test]
    fn a_long_upper_shadow_is_not() {
        let candles = after_calm(12, &[[100.0, 101.5, 99.8, 100.5]]);
        assert_outputs(&mut ShortLine::new(), ShortLine::LOOKBACK, &candles, &[0]);
    }
}
