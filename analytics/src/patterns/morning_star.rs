//! Morning star, as TA-Lib's `CDLMORNINGSTAR`: a long black candle (BodyLong), a short body
//! (BodyShort) gapping down from it, then a white candle longer than short that closes
//! more than `penetration` of the first body above the first close. 100, never -100;
//! first output at index 12. TA-Lib's default penetration is 0.3; pass it explicitly.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, real_body, real_body_gap_down};
use super::{CandlePattern, PatternKind};
use crate::indicators::{Candle, IndicatorError};

/// TA-Lib's `CDLMORNINGSTAR`.
#[derive(Debug, Clone)]
pub struct MorningStar {
    penetration: f64,
    recent: RecentCandles<3>,
    first_long: RollingAverage,
    star_short: RollingAverage,
    /// TA-Lib keeps a second BodyShort total for the third candle, one bar ahead of the
    /// star's; the two hold the same candles at different times and round differently.
    third_short: RollingAverage,
    value: Option<i32>,
}

impl MorningStar {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        CandleSetting::BODY_SHORT.period,
        CandleSetting::BODY_LONG.period,
    ) + 2;
    /// TA-Lib's default penetration.
    pub const DEFAULT_PENETRATION: f64 = 0.3;

    /// `penetration`: how far into the first body the third candle must close, as a
    /// fraction of it (0 or more, as TA-Lib accepts).
    pub fn new(penetration: f64) -> Result<Self, IndicatorError> {
        let penetration = super::penetration("cdlmorningstar", penetration)?;
        Ok(Self::with(penetration))
    }

    fn with(penetration: f64) -> Self {
        Self {
            penetration,
            recent: RecentCandles::new(),
            first_long: RollingAverage::new(CandleSetting::BODY_LONG, Self::LOOKBACK, 2),
            star_short: RollingAverage::new(CandleSetting::BODY_SHORT, Self::LOOKBACK, 1),
            third_short: RollingAverage::new(CandleSetting::BODY_SHORT, Self::LOOKBACK, 0),
            value: None,
        }
    }

    pub fn penetration(&self) -> f64 {
        self.penetration
    }

    fn judge(&self) -> i32 {
        let (third, star, first) = (self.recent.ago(0), self.recent.ago(1), self.recent.ago(2));
        if real_body(first) > self.first_long.average(&self.recent)
            && color(first) == -1
            && real_body(star) <= self.star_short.average(&self.recent)
            && real_body_gap_down(star, first)
            && real_body(third) > self.third_short.average(&self.recent)
            && color(third) == 1
            && third.close > first.close + real_body(first) * self.penetration
        {
            100
        } else {
            0
        }
    }
}

impl Default for MorningStar {
    /// TA-Lib's default penetration, 0.3.
    fn default() -> Self {
        Self::with(Self::DEFAULT_PENETRATION)
    }
}

impl CandlePattern for MorningStar {
    fn kind(&self) -> PatternKind {
        PatternKind::MorningStar
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.first_long.feed(&self.recent);
        self.star_short.feed(&self.recent);
        self.third_short.feed(&self.recent);
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
