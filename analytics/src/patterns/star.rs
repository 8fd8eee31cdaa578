//! The three-candle star shared by morning star, evening star and their doji forms
//! (TA-Lib's `CDLMORNINGSTAR`, `CDLEVENINGSTAR`, `CDLMORNINGDOJISTAR`,
//! `CDLEVENINGDOJISTAR`): a long first candle (BodyLong) against the direction, a star
//! (BodyShort, or BodyDoji for the doji forms) gapping away from it, then a third candle
//! in the direction, longer than short (BodyShort), closing more than `penetration` of the
//! first body back into it. `direction.sign() * 100`; first output at index 12.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{Direction, color, real_body, real_body_gap_down, real_body_gap_up};
use crate::indicators::Candle;

/// One star detector; the public star patterns wrap it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Star {
    doji: bool,
    direction: Direction,
    penetration: f64,
    recent: RecentCandles<3>,
    first_long: RollingAverage,
    /// BodyShort, or BodyDoji for a doji star.
    star_body: RollingAverage,
    /// TA-Lib keeps a second BodyShort total for the third candle, one bar ahead of the
    /// star's; the two hold the same candles at different times and round differently.
    third_short: RollingAverage,
    value: Option<i32>,
}

impl Star {
    /// TA-Lib's lookback, written as TA-Lib writes it for each form.
    pub(crate) const fn lookback(doji: bool) -> usize {
        if doji {
            max_period(
                max_period(
                    CandleSetting::BODY_DOJI.period,
                    CandleSetting::BODY_LONG.period,
                ),
                CandleSetting::BODY_SHORT.period,
            ) + 2
        } else {
            max_period(
                CandleSetting::BODY_SHORT.period,
                CandleSetting::BODY_LONG.period,
            ) + 2
        }
    }

    /// `penetration` must already be checked (see `super::penetration`).
    pub(crate) fn new(doji: bool, direction: Direction, penetration: f64) -> Self {
        let lookback = Self::lookback(doji);
        let star_setting = if doji {
            CandleSetting::BODY_DOJI
        } else {
            CandleSetting::BODY_SHORT
        };
        Self {
            doji,
            direction,
            penetration,
            recent: RecentCandles::new(),
            first_long: RollingAverage::new(CandleSetting::BODY_LONG, lookback, 2),
            star_body: RollingAverage::new(star_setting, lookback, 1),
            third_short: RollingAverage::new(CandleSetting::BODY_SHORT, lookback, 0),
            value: None,
        }
    }

    pub(crate) fn penetration(&self) -> f64 {
        self.penetration
    }

    fn judge(&self) -> i32 {
        let (third, star, first) = (self.recent.ago(0), self.recent.ago(1), self.recent.ago(2));
        let sign = self.direction.sign();
        // Each side written as TA-Lib writes it, for the same rounding.
        let (gaps_away, penetrates) = match self.direction {
            Direction::Bullish => (
                real_body_gap_down(star, first),
                third.close > first.close + real_body(first) * self.penetration,
            ),
            Direction::Bearish => (
                real_body_gap_up(star, first),
                third.close < first.close - real_body(first) * self.penetration,
            ),
        };
        if real_body(first) > self.first_long.average(&self.recent)
            && color(first) == -sign
            && real_body(star) <= self.star_body.average(&self.recent)
            && gaps_away
            && real_body(third) > self.third_short.average(&self.recent)
            && color(third) == sign
            && penetrates
        {
            sign * 100
        } else {
            0
        }
    }

    pub(crate) fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::lookback(self.doji) {
            self.value = Some(self.judge());
        }
        self.first_long.feed(&self.recent);
        self.star_body.feed(&self.recent);
        self.third_short.feed(&self.recent);
    }

    pub(crate) fn value(&self) -> Option<i32> {
        self.value
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.doji, self.direction, self.penetration);
    }
}
