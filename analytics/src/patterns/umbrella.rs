//! The one-candle shape shared by hammer, hanging man, inverted hammer and shooting star
//! (TA-Lib's `CDLHAMMER`, `CDLHANGINGMAN`, `CDLINVERTEDHAMMER`, `CDLSHOOTINGSTAR`): a short
//! real body (BodyShort), one shadow longer than the body (ShadowLong) and almost none on
//! the other side (ShadowVeryShort). The long shadow is the lower one, or the upper one
//! when `inverted`. Where the body must sit against the prior candle depends on the form:
//!
//! - hammer: its bottom at or below the prior low plus Near (measured on the prior candle);
//! - hanging man: its bottom at or above the prior high minus Near;
//! - inverted hammer: gapping down from the prior body;
//! - shooting star: gapping up from the prior body.
//!
//! `direction.sign() * 100`; first output at index 11.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{
    Direction, lower_shadow, min, real_body, real_body_gap_down, real_body_gap_up, upper_shadow,
};
use crate::indicators::Candle;

/// One umbrella-line detector; the four public patterns wrap it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Umbrella {
    inverted: bool,
    direction: Direction,
    recent: RecentCandles<2>,
    body_short: RollingAverage,
    shadow_long: RollingAverage,
    shadow_very_short: RollingAverage,
    /// Near, measured on the prior candle, whose low (hammer) or high (hanging man) the
    /// body must reach; the inverted forms do not read it.
    prior_near: RollingAverage,
    value: Option<i32>,
}

impl Umbrella {
    /// TA-Lib's lookback, written as TA-Lib writes it for each form.
    pub(crate) const fn lookback(inverted: bool) -> usize {
        if inverted {
            max_period(
                max_period(
                    CandleSetting::BODY_SHORT.period,
                    CandleSetting::SHADOW_LONG.period,
                ),
                CandleSetting::SHADOW_VERY_SHORT.period,
            ) + 1
        } else {
            max_period(
                max_period(
                    CandleSetting::BODY_SHORT.period,
                    CandleSetting::SHADOW_LONG.period,
                ),
                max_period(
                    CandleSetting::SHADOW_VERY_SHORT.period,
                    CandleSetting::NEAR.period,
                ),
            ) + 1
        }
    }

    pub(crate) fn new(inverted: bool, direction: Direction) -> Self {
        let lookback = Self::lookback(inverted);
        Self {
            inverted,
            direction,
            recent: RecentCandles::new(),
            body_short: RollingAverage::new(CandleSetting::BODY_SHORT, lookback, 0),
            shadow_long: RollingAverage::new(CandleSetting::SHADOW_LONG, lookback, 0),
            shadow_very_short: RollingAverage::new(CandleSetting::SHADOW_VERY_SHORT, lookback, 0),
            prior_near: RollingAverage::new(CandleSetting::NEAR, lookback, 1),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (c, prior) = (self.recent.ago(0), self.recent.ago(1));
        let (long_shadow, short_shadow) = if self.inverted {
            (upper_shadow(c), lower_shadow(c))
        } else {
            (lower_shadow(c), upper_shadow(c))
        };
        let placed = match (self.inverted, self.direction) {
            (false, Direction::Bullish) => {
                min(c.close, c.open) <= prior.low + self.prior_near.average(&self.recent)
            }
            (false, Direction::Bearish) => {
                min(c.close, c.open) >= prior.high - self.prior_near.average(&self.recent)
            }
            (true, Direction::Bullish) => real_body_gap_down(c, prior),
            (true, Direction::Bearish) => real_body_gap_up(c, prior),
        };
        if real_body(c) < self.body_short.average(&self.recent)
            && long_shadow > self.shadow_long.average(&self.recent)
            && short_shadow < self.shadow_very_short.average(&self.recent)
            && placed
        {
            self.direction.sign() * 100
        } else {
            0
        }
    }

    pub(crate) fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::lookback(self.inverted) {
            self.value = Some(self.judge());
        }
        self.body_short.feed(&self.recent);
        self.shadow_long.feed(&self.recent);
        self.shadow_very_short.feed(&self.recent);
        self.prior_near.feed(&self.recent);
    }

    pub(crate) fn value(&self) -> Option<i32> {
        self.value
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.inverted, self.direction);
    }
}
