//! Spinning top, as TA-Lib's `CDLSPINNINGTOP`: a short real body (BodyShort) with both
//! shadows longer than the body. 100 for a white candle, -100 for a black one (TA-Lib
//! signs it by colour although the pattern means indecision); first output at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage};
use super::shape::{color, lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLSPINNINGTOP`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SpinningTop {
    recent: RecentCandles<1>,
    body_short: RollingAverage,
    value: Option<i32>,
}

impl SpinningTop {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = CandleSetting::BODY_SHORT.period;

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            body_short: RollingAverage::new(CandleSetting::BODY_SHORT, Self::LOOKBACK, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let c = self.recent.ago(0);
        let body = real_body(c);
        if body < self.body_short.average(&self.recent)
            && upper_shadow(c) > body
            && lower_shadow(c) > body
        {
            color(c) * 100
        } else {
            0
        }
    }
}

impl Default for SpinningTop {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for SpinningTop {
    fn kind(&self) -> PatternKind {
        PatternKind::SpinningTop
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_short.feed(&self.recent);
    }

    fn value(&self) -> Option<i32> {
        self.value
    }

    fn reset(&mut self) {
        *self = Self::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    #[test]
    fn a_small_black_body_between_longer_shadows() {
        let candles = after_calm(12, &[[100.0, 101.0, 99.0, 99.8]]);
        assert_outputs(
            &mut SpinningTop::new(),
            SpinningTop::LOOKBACK,
            &candles,
            &[-100],
        );
    }

    #[test]
    fn an_upper_shadow_shorter_than_the_body_is_not() {
        let candles = after_calm(12, &[[100.0, 100.1, 99.0, 99.8]]);
        assert_outputs(
            &mut SpinningTop::new(),
            SpinningTop::LOOKBACK,
            &candles,
            &[0],
        );
    }
}
