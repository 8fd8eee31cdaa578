//! Evening star, as TA-Lib's `CDLEVENINGSTAR`: a long white candle (BodyLong), a short body
//! (BodyShort) gapping up from it, then a black candle longer than short that closes more
//! than `penetration` of the first body below the first close. -100, never 100; first
//! output at index 12. TA-Lib's default penetration is 0.3; pass it explicitly.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, real_body, real_body_gap_up};
use super::{CandlePattern, PatternKind};
use crate::indicators::{Candle, IndicatorError};

/// TA-Lib's `CDLEVENINGSTAR`.
#[derive(Debug, Clone)]
pub struct EveningStar {
    penetration: f64,
    recent: RecentCandles<3>,
    first_long: RollingAverage,
    star_short: RollingAverage,
    /// TA-Lib keeps a second BodyShort total for the third candle, one bar ahead of the
    /// star's; the two hold the same candles at different times and round differently.
    third_short: RollingAverage,
    value: Option<i32>,
}

impl EveningStar {
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
        let penetration = super::penetration("cdleveningstar", penetration)?;
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
            && color(first) == 1
            && real_body(star) <= self.star_short.average(&self.recent)
            && real_body_gap_up(star, first)
            && real_body(third) > self.third_short.average(&self.recent)
            && color(third) == -1
            && third.close < first.close - real_body(first) * self.penetration
        {
            -100
        } else {
            0
        }
    }
}

impl Default for EveningStar {
    /// TA-Lib's default penetration, 0.3.
    fn default() -> Self {
        Self::with(Self::DEFAULT_PENETRATION)
    }
}

impl CandlePattern for EveningStar {
    fn kind(&self) -> PatternKind {
        PatternKind::EveningStar
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

    const LONG_WHITE: [f64; 4] = [100.0, 103.0, 99.8, 102.8];
    const STAR: [f64; 4] = [103.3, 103.8, 103.1, 103.5];

    fn detector() -> EveningStar {
        EveningStar::new(0.3).expect("valid penetration")
    }

    #[test]
    fn a_black_candle_closing_well_into_the_white_body() {
        // 0.3 of the white body below its close is 101.96.
        let candles = after_calm(12, &[LONG_WHITE, STAR, [103.2, 103.3, 100.9, 101.0]]);
        assert_outputs(
            &mut detector(),
            EveningStar::LOOKBACK,
            &candles,
            &[0, 0, -100],
        );
    }

    #[test]
    fn closing_short_of_the_penetration_is_not() {
        let candles = after_calm(12, &[LONG_WHITE, STAR, [103.2, 103.3, 102.1, 102.2]]);
        assert_outputs(&mut detector(), EveningStar::LOOKBACK, &candles, &[0, 0, 0]);
    }
}
