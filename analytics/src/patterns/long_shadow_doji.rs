//! The one-candle shape shared by dragonfly and gravestone doji (TA-Lib's
//! `CDLDRAGONFLYDOJI`, `CDLGRAVESTONEDOJI`): a doji body (BodyDoji), one shadow longer
//! than ShadowVeryShort and the other shorter than it (10% of the average high-low range
//! of the 10 candles before). 100, never -100; first output at index 10.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{lower_shadow, real_body, upper_shadow};
use crate::indicators::Candle;

/// The shadow that must be long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum LongShadow {
    /// Dragonfly doji.
    Lower,
    /// Gravestone doji.
    Upper,
}

/// One long-shadow doji detector; dragonfly and gravestone doji wrap it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct LongShadowDoji {
    long_shadow: LongShadow,
    recent: RecentCandles<1>,
    body_doji: RollingAverage,
    shadow_very_short: RollingAverage,
    value: Option<i32>,
}

impl LongShadowDoji {
    /// TA-Lib's lookback: the index of the first output.
    pub(crate) const LOOKBACK: usize = max_period(
        CandleSetting::BODY_DOJI.period,
        CandleSetting::SHADOW_VERY_SHORT.period,
    );

    pub(crate) fn new(long_shadow: LongShadow) -> Self {
        Self {
            long_shadow,
            recent: RecentCandles::new(),
            body_doji: RollingAverage::new(CandleSetting::BODY_DOJI, Self::LOOKBACK, 0),
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
        let (long, short) = match self.long_shadow {
            LongShadow::Lower => (lower_shadow(c), upper_shadow(c)),
            LongShadow::Upper => (upper_shadow(c), lower_shadow(c)),
        };
        if real_body(c) <= self.body_doji.average(&self.recent)
            && short < very_short
            && long > very_short
        {
            100
        } else {
            0
        }
    }

    pub(crate) fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        self.body_doji.feed(&self.recent);
        self.shadow_very_short.feed(&self.recent);
    }

    pub(crate) fn value(&self) -> Option<i32> {
        self.value
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.long_shadow);
    }
}
