//! The one-candle shape shared by long line and short line (TA-Lib's `CDLLONGLINE`,
//! `CDLSHORTLINE`): a long real body (BodyLong), or a short one (BodyShort), with both
//! shadows shorter than ShadowShort (the average shadow of the 10 candles before). 100
//! white, -100 black; first output at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, lower_shadow, real_body, upper_shadow};
use crate::indicators::Candle;

/// One line detector; long line and short line wrap it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Line {
    long: bool,
    recent: RecentCandles<1>,
    /// BodyLong for a long line, BodyShort for a short one.
    body: RollingAverage,
    shadow_short: RollingAverage,
    value: Option<i32>,
}

impl Line {
    const fn body_setting(long: bool) -> CandleSetting {
        if long {
            CandleSetting::BODY_LONG
        } else {
            CandleSetting::BODY_SHORT
        }
    }

    /// TA-Lib's lookback: the index of the first output.
    pub(crate) const fn lookback(long: bool) -> usize {
        max_period(
            Self::body_setting(long).period,
            CandleSetting::SHADOW_SHORT.period,
        )
    }

    pub(crate) fn new(long: bool) -> Self {
        let lookback = Self::lookback(long);
        Self {
            long,
            recent: RecentCandles::new(),
            body: RollingAverage::new(Self::body_setting(long), lookback, 0),
            shadow_short: RollingAverage::new(CandleSetting::SHADOW_SHORT, lookback, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let c = self.recent.ago(0);
        let short = self.shadow_short.average(&self.recent);
        let body = self.body.average(&self.recent);
        let body_fits = if self.long {
            real_body(c) > body
        } else {
            real_body(c) < body
        };
        if body_fits && upper_shadow(c) < short && lower_shadow(c) < short {
            color(c) * 100
        } else {
            0
        }
    }

    pub(crate) fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::lookback(self.long) {
            self.value = Some(self.judge());
        }
        self.body.feed(&self.recent);
        self.shadow_short.feed(&self.recent);
    }

    pub(crate) fn value(&self) -> Option<i32> {
        self.value
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.long);
    }
}
