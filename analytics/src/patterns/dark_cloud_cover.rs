//! Dark cloud cover, as TA-Lib's `CDLDARKCLOUDCOVER`: a long white candle (BodyLong), then
//! a black one opening above the prior high and closing inside the prior body, more than
//! `penetration` of that body below its close. -100, never 100; first output at index 11.
//! TA-Lib's default penetration is 0.5; pass it explicitly.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage};
use super::shape::{color, real_body};
use super::{CandlePattern, PatternKind};
use crate::indicators::{Candle, IndicatorError};

/// TA-Lib's `CDLDARKCLOUDCOVER`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DarkCloudCover {
    penetration: f64,
    recent: RecentCandles<2>,
    /// BodyLong of the first (prior) candle; TA-Lib does not ask the second to be long.
    first_long: RollingAverage,
    value: Option<i32>,
}

impl DarkCloudCover {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = CandleSetting::BODY_LONG.period + 1;
    /// TA-Lib's default penetration.
    pub const DEFAULT_PENETRATION: f64 = 0.5;

    /// `penetration`: how deep into the white body the black one must close, as a fraction
    /// of it (0 or more, as TA-Lib accepts).
    pub fn new(penetration: f64) -> Result<Self, IndicatorError> {
        let penetration = super::penetration("cdldarkcloudcover", penetration)?;
        Ok(Self::with(penetration))
    }

    fn with(penetration: f64) -> Self {
        Self {
            penetration,
            recent: RecentCandles::new(),
            first_long: RollingAverage::new(CandleSetting::BODY_LONG, Self::LOOKBACK, 1),
            value: None,
        }
    }

    pub fn penetration(&self) -> f64 {
        self.penetration
    }

    fn judge(&self) -> i32 {
        let (second, first) = (self.recent.ago(0), self.recent.ago(1));
        if color(first) == 1
            && real_body(first) > self.first_long.average(&self.recent)
            && color(second) == -1
            && second.open > first.high
            && second.close > first.open
            && second.close < first.close - real_body(first) * self.penetration
        {
            -100
        } else {
            0
        }
    }
}

impl Default for DarkCloudCover {
    /// TA-Lib's default penetration, 0.5.
    fn default() -> Self {
        Self::with(Self::DEFAULT_PENETRATION)
    }
}

impl CandlePattern for DarkCloudCover {
    fn kind(&self) -> PatternKind {
        PatternKind::DarkCloudCover
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.first_long.feed(&self.recent);
    }

    fn value(&self) -> Option<i32> {
        self.value
    }

    fn reset(&mut self) {
        *self = Self::with(self.penetration);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    const LONG_WHITE: [f64; 4] = [100.0, 103.0, 99.8, 102.8];

    fn detector() -> DarkCloudCover {
        DarkCloudCover::new(0.5).expect("valid penetration")
    }

    #[test]
    fn a_black_candle_closing_below_the_white_midpoint() {
        let candles = after_calm(12, &[LONG_WHITE, [103.2, 103.4, 100.9, 101.0]]);
        assert_outputs(
            &mut detector(),
            DarkCloudCover::LOOKBACK,
            &candles,
            &[0, -100],
        );
    }

    #[test]
    fn closing_above_the_midpoint_is_not() {
        let candles = after_calm(12, &[LONG_WHITE, [103.2, 103.4, 100.9, 101.8]]);
        assert_outputs(&mut detector(), DarkCloudCover::LOOKBACK, &candles, &[0, 0]);
    }

    #[test]
    fn refuses_a_negative_penetration_as_ta_lib_does() {
        assert!(DarkCloudCover::new(-0.1).is_err());
        assert!(DarkCloudCover::new(f64::NAN).is_err());
        assert_eq!(DarkCloudCover::default().penetration(), 0.5);
    }
}
