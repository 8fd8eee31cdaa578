//! Dragonfly doji, as TA-Lib's `CDLDRAGONFLYDOJI`: a doji body (BodyDoji), an upper
//! shadow shorter than ShadowVeryShort and a lower shadow longer than it (both 10% of the
//! average high-low range of the 10 candles before). 100, never -100; first output at
//! index 10.

use super::long_shadow_doji::{LongShadow, LongShadowDoji};

fixed_pattern! {
    /// TA-Lib's `CDLDRAGONFLYDOJI`.
    DragonflyDoji(LongShadowDoji) {
        lookback: LongShadowDoji::LOOKBACK,
        new: LongShadowDoji::new(LongShadow::Lower),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn a_doji_at_the_top_of_a_long_lower_shadow() {
        let candles = after_calm(12, &[[101.0, 101.1, 99.0, 101.0]]);
        assert_outputs(
            &mut DragonflyDoji::new(),
            DragonflyDoji::LOOKBACK,
            &candles,
            &[100],
        );
    }

    #[test]
    fn a_doji_in_the_middle_of_its_range_is_not() {
        let candles = after_calm(12, &[[100.0, 101.0, 99.0, 100.0]]);
        assert_outputs(
            &mut DragonflyDoji::new(),
            DragonflyDoji::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
