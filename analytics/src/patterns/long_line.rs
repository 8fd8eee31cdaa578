//! Long line, as TA-Lib's `CDLLONGLINE`: a long real body (BodyLong) with both shadows
//! shorter than ShadowShort (the average shadow of the 10 candles before). 100 white,
//! -100 black; first output at index 10.

use super::line::Line;

fixed_pattern! {
    /// TA-Lib's `CDLLONGLINE`.
    LongLine(Line) {
        lookback: Line::lookback(true),
        new: Line::new(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn a_long_body_with_short_shadows() {
        let candles = after_calm(12, &[[100.0, 102.3, 99.7, 102.0]]);
        assert_outputs(&mut LongLine::new(), LongLine::LOOKBACK, &candles, &[100]);
    }

    #[test]
    fn an_upper_shadow_longer_than_the_usual_shadow_is_not() {
        let candles = after_calm(12, &[[100.0, 103.0, 99.7, 102.0]]);
        assert_outputs(&mut LongLine::new(), LongLine::LOOKBACK, &candles, &[0]);
    }
}
