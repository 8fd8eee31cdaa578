//! Morning doji star, as TA-Lib's `CDLMORNINGDOJISTAR`: a morning star whose star is a
//! doji (BodyDoji): a long black candle (BodyLong), a doji gapping down from it, then a
//! white candle longer than short (BodyShort) closing more than `penetration` of the first
//! body above the first close. 100, never -100; first output at index 12. TA-Lib's default
//! penetration is 0.3; pass it explicitly.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, real_body, real_body_gap_down};
use super::{CandlePattern, PatternKind};
use crate::indicators::{Candle, IndicatorError};

/// TA-Lib's `CDLMORNINGDOJISTAR`.
#[derive(Debug, Clone)]
pub struct MorningDojiStar {
    penetration: f64,
    recent: RecentCandles<3>,
    first_long: RollingAverage,
    star_doji: RollingAverage,
    third_short: RollingAverage,
    value: Option<i32>,
}

impl MorningDojiStar {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        max_period(
            CandleSetting::BODY_DOJI.period,
            CandleSetting::BODY_LONG.period,
        ),
        CandleSetting::BODY_SHORT.period,
    ) + 2;
    /// TA-Lib's default penetration.
    pub const DEFAULT_PENETRATION: f64 = 0.3;

    /// `penetration`: how far into the first body the third candle must close, as a
    /// fraction of it (0 or more, as TA-Lib accepts).
    pub fn new(penetration: f64) -> Result<Self, IndicatorError> {
        let penetration = super::penetration("cdlmorningdojistar", penetration)?;
        Ok(Self::with(penetration))
    }

    fn with(penetration: f64) -> Self {
        Self {
            penetration,
            recent: RecentCandles::new(),
            first_long: RollingAverage::new(CandleSetting::BODY_LONG, Self::LOOKBACK, 2),
            star_doji: RollingAverage::new(CandleSetting::BODY_DOJI, Self::LOOKBACK, 1),
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
            && real_body(star) <= self.star_doji.average(&self.recent)
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

impl Default for MorningDojiStar {
    /// TA-Lib's default penetration, 0.3.
    fn default() -> Self {
        Self::with(Self::DEFAULT_PENETRATION)
    }
}

impl CandlePattern for MorningDojiStar {
    fn kind(&self) -> PatternKind {
        PatternKind::MorningDojiStar
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.first_long.feed(&self.recent);
        self.star_doji.feed(&self.recent);
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
