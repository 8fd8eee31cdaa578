//! Short line, as TA-Lib's `CDLSHORTLINE`: a short real body (BodyShort) with both shadows
//! shorter than ShadowShort (the average shadow of the 10 candles before). 100 white,
//! -100 black; first output at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, lower_shadow, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDLSHORTLINE`.
#[derive(Debug, Clone)]
pub struct ShortLine {
    recent: RecentCandles<1>,
    body_short: RollingAverage,
    shadow_short: RollingAverage,
    value: Option<i32>,
}

impl ShortLine {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::BODY_SHORT.period,
        CandleSetting::SHADOW_SHORT.period,
    );

    pub fn new() -> Self {
        Self {
            recent: RecentCandles::new(),
            body_short: RollingAverage::new(CandleSetting::BODY_SHORT, Self::LOOKBACK, 0),
            shadow_short: RollingAverage::new(CandleSetting::SHADOW_SHORT, Self::LOOKBACK, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let c = self.recent.ago(0);
        let short = self.shadow_short.average(&self.recent);
        if real_body(c) < self.body_short.average(&self.recent)
            && upper_shadow(c) < short
            && lower_shadow(c) < short
        {
            color(c) * 100
        } else {
            0
        }
    }
}

impl Default for ShortLine {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for ShortLine {
    fn kind(&self) -> PatternKind {
        PatternKind::ShortLine
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_short.feed(&self.recent);
        self.shadow_short.feed(&self.recent);
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
