//! The one-candle shape shared by marubozu, closing marubozu and belt hold (TA-Lib's
//! `CDLMARUBOZU`, `CDLCLOSINGMARUBOZU`, `CDLBELTHOLD`): a long real body (BodyLong) with
//! almost no shadow (ShadowVeryShort, 10% of the average range of the 10 candles before)
//! on the side or sides [`ShortShadows`] names. 100 for a white candle, -100 for a black
//! one; first output at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, lower_shadow, real_body, upper_shadow};
use crate::indicators::Candle;

/// Which shadows of a long body must be very short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum ShortShadows {
    /// Both (marubozu).
    Both,
    /// The opening side: the lower shadow of a white candle, the upper of a black one
    /// (belt hold).
    Opening,
    /// The closing side: the upper shadow of a white candle, the lower of a black one
    /// (closing marubozu).
    Closing,
}

/// One long-body detector; the three public patterns wrap it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct LongBody {
    short_shadows: ShortShadows,
    recent: RecentCandles<1>,
    body_long: RollingAverage,
    shadow_very_short: RollingAverage,
    value: Option<i32>,
}

impl LongBody {
    /// TA-Lib's lookback: the index of the first output.
    pub(crate) const LOOKBACK: usize = max_period(
        CandleSetting::BODY_LONG.period,
        CandleSetting::SHADOW_VERY_SHORT.period,
    );

    pub(crate) fn new(short_shadows: ShortShadows) -> Self {
        Self {
            short_shadows,
            recent: RecentCandles::new(),
            body_long: RollingAverage::new(CandleSetting::BODY_LONG, Self::LOOKBACK, 0),
            shadow_very_short: RollingAverage::new(
                CandleSetting::SHADOW_VERY_SHORT,
                Self::LOOKBACK,
                0,
            ),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let c = self.recent.ago(0);
        let very_short = self.shadow_very_short.average(&self.recent);
        let white = color(c) == 1;
        let shadows_short = match self.short_shadows {
            ShortShadows::Both => upper_shadow(c) < very_short && lower_shadow(c) < very_short,
            ShortShadows::Opening => {
                let opening_shadow = if white {
                    lower_shadow(c)
                } else {
                    upper_shadow(c)
                };
                opening_shadow < very_short
            }
            ShortShadows::Closing => {
                let closing_shadow = if white {
                    upper_shadow(c)
                } else {
                    lower_shadow(c)
                };
                closing_shadow < very_short
            }
        };
        if real_body(c) > self.body_long.average(&self.recent) && shadows_short {
            color(c) * 100
        } else {
            0
        }
    }

    pub(crate) fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_long.feed(&self.recent);
        self.shadow_very_short.feed(&self.recent);
    }

    pub(crate) fn value(&self) -> Option<i32> {
        self.value
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.short_shadows);
    }
}
