//! TA-Lib's candle settings: what "long body", "doji", "very short shadow", "near" mean,
//! measured against recent candles. Each setting is `factor` times the average of one
//! range (real body, high-low, or both shadows, halved) over the `period` candles before
//! the candle being judged, or that candle's own range when `period` is 0. The defaults
//! are TA-Lib's (`TA_CandleDefaultSettings` in `ta_global.c`).
//!
//! `RollingAverage` keeps the sum as TA-Lib does: a running total started at the first
//! candle TA-Lib's batch function reads for that pattern, then `total += new - old` per
//! candle. For ordinary prices that total is exact; after a range far larger than the
//! others it is not, and it stays off for good (see the doji tests). Keeping TA-Lib's sum
//! rather than an exact one keeps its outputs there too.

use super::recent::RecentCandles;
use super::shape::{high_low_range, lower_shadow, real_body, upper_shadow};
use crate::indicators::Candle;
use std::collections::VecDeque;

/// The measure of a candle a setting averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RangeType {
    /// `|close - open|`.
    RealBody,
    /// `high - low`.
    HighLow,
    /// Upper plus lower shadow; the average is halved, so it is per shadow.
    Shadows,
}

/// One of TA-Lib's candle settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CandleSetting {
    pub range: RangeType,
    /// Candles averaged, before the judged one; 0 means the judged candle's own range.
    pub period: usize,
    pub factor: f64,
}

impl CandleSetting {
    /// A long real body: longer than the average body of the last 10 candles.
    pub const BODY_LONG: Self = Self::new(RangeType::RealBody, 10, 1.0);
    /// A very long real body: longer than 3 times the average body.
    pub const BODY_VERY_LONG: Self = Self::new(RangeType::RealBody, 10, 3.0);
    /// A short real body: shorter than the average body of the last 10 candles.
    pub const BODY_SHORT: Self = Self::new(RangeType::RealBody, 10, 1.0);
    /// A doji body: at most 10% of the average high-low range of the last 10 candles.
    pub const BODY_DOJI: Self = Self::new(RangeType::HighLow, 10, 0.1);
    /// A long shadow: longer than the candle's own real body.
    pub const SHADOW_LONG: Self = Self::new(RangeType::RealBody, 0, 1.0);
    /// A very long shadow: longer than twice the candle's own real body.
    pub const SHADOW_VERY_LONG: Self = Self::new(RangeType::RealBody, 0, 2.0);
    /// A short shadow: shorter than the average shadow of the last 10 candles.
    pub const SHADOW_SHORT: Self = Self::new(RangeType::Shadows, 10, 1.0);
    /// A very short shadow: shorter than 10% of the average high-low range.
    pub const SHADOW_VERY_SHORT: Self = Self::new(RangeType::HighLow, 10, 0.1);
    /// Near: within 20% of the average high-low range of the last 5 candles.
    pub const NEAR: Self = Self::new(RangeType::HighLow, 5, 0.2);
    /// Far: more than 60% of the average high-low range of the last 5 candles.
    pub const FAR: Self = Self::new(RangeType::HighLow, 5, 0.6);
    /// Equal: within 5% of the average high-low range of the last 5 candles.
    pub const EQUAL: Self = Self::new(RangeType::HighLow, 5, 0.05);

    pub const fn new(range: RangeType, period: usize, factor: f64) -> Self {
        Self {
            range,
            period,
            factor,
        }
    }

    /// `TA_CANDLERANGE`: the measure this setting averages, for one candle.
    pub fn range_of(&self, c: &Candle) -> f64 {
        match self.range {
            RangeType::RealBody => real_body(c),
            RangeType::HighLow => high_low_range(c),
            RangeType::Shadows => upper_shadow(c) + lower_shadow(c),
        }
    }

    /// `TA_CANDLEAVERAGE`: the threshold for `judged`, given the sum of the ranges of the
    /// `period` candles before it. Same operations in the same order as TA-Lib's macro.
    pub fn average(&self, total: f64, judged: &Candle) -> f64 {
        let mean = if self.period != 0 {
            total / self.period as f64
        } else {
            self.range_of(judged)
        };
        let per_shadow = if self.range == RangeType::Shadows {
            2.0
        } else {
            1.0
        };
        self.factor * mean / per_shadow
    }
}

/// The longer of two periods, in `const` context: lookbacks are written as TA-Lib
/// writes them, `max(max(a, b), c) + 1`.
pub(crate) const fn max_period(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// One setting's threshold for the candle `lag` bars before the newest, kept as TA-Lib's
/// batch function keeps it for a pattern whose first output is at index `lookback`.
///
/// TA-Lib starts the total at index `lookback - lag - period`, the first candle of the
/// first window it needs, and ignores earlier candles; the pattern feeds every candle and
/// this type skips those.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct RollingAverage {
    setting: CandleSetting,
    lag: usize,
    /// Candles, from the first, that TA-Lib never adds to this total.
    skip: usize,
    /// Ranges in the total, oldest first.
    window: VecDeque<f64>,
    total: f64,
}

impl RollingAverage {
    pub(crate) fn new(setting: CandleSetting, lookback: usize, lag: usize) -> Self {
        Self {
            setting,
            lag,
            skip: lookback.saturating_sub(lag + setting.period),
            window: VecDeque::with_capacity(setting.period + 1),
            total: 0.0,
        }
    }

    /// The threshold for the candle `lag` bars before the newest in `recent`.
    pub(crate) fn average<const N: usize>(&self, recent: &RecentCandles<N>) -> f64 {
        self.setting.average(self.total, recent.ago(self.lag))
    }

    /// Moves the window on by one, after the pattern has judged the newest candle: the
    /// candle `lag` bars back enters, the one `period` before it leaves. O(1).
    pub(crate) fn feed<const N: usize>(&mut self, recent: &RecentCandles<N>) {
        let count = recent.count();
        if self.setting.period == 0 || count <= self.lag + self.skip {
            return;
        }
        let range = self.setting.range_of(recent.ago(self.lag));
        self.window.push_back(range);
        if self.window.len() > self.setting.period {
            let oldest = self.window.pop_front().unwrap_or(0.0);
            // TA-Lib's `total += new - old`: the difference first, as its rounding shows.
            self.total += range - oldest;
        } else {
            self.total += range;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(open: f64, high: f64, low: f64, close: f64) -> Candle {
        Candle {
            open,
            high,
            low,
            close,
            volume: 0.0,
        }
    }

    #[test]
    fn ranges_and_averages_follow_the_macros() {
        let c = bar(10.0, 13.0, 9.0, 11.0);
        assert_eq!(CandleSetting::BODY_LONG.range_of(&c), 1.0);
        assert_eq!(CandleSetting::BODY_DOJI.range_of(&c), 4.0);
        assert_eq!(CandleSetting::SHADOW_SHORT.range_of(&c), 3.0);
        // Shadows are averaged per shadow: 10 candles of 3.0 in all give 1.5 each.
        assert_eq!(CandleSetting::SHADOW_SHORT.average(30.0, &c), 1.5);
        // Period 0 judges the candle by its own body.
        assert_eq!(CandleSetting::SHADOW_VERY_LONG.average(123.0, &c), 2.0);
        assert_eq!(CandleSetting::BODY_DOJI.average(40.0, &c), 0.1 * 4.0);
    }

    #[test]
    fn skips_candles_before_the_first_window_then_rolls() {
        // A setting of period 5 for the newest candle, in a pattern with lookback 7: TA-Lib
        // sums candles 2..=6 for the output at 7, so candles 0 and 1 never count.
        let mut avg = RollingAverage::new(CandleSetting::NEAR, 7, 0);
        let mut recent = RecentCandles::<1>::new();
        let mut thresholds = Vec::new();
        for range in [100.0, 100.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0] {
            recent.push(bar(0.0, range, 0.0, 0.0));
            thresholds.push(avg.average(&recent));
            avg.feed(&recent);
        }
        // 0.2 * mean(1..=5), then 0.2 * mean(2..=6).
        assert_eq!(thresholds[7], 0.2 * (15.0 / 5.0));
        assert_eq!(thresholds[8], 0.2 * (20.0 / 5.0));
    }

    #[test]
    fn a_lagged_average_judges_an_earlier_candle() {
        // Period 0 with lag 1: the threshold is the previous candle's own body.
        let avg = RollingAverage::new(CandleSetting::SHADOW_LONG, 3, 1);
        let mut recent = RecentCandles::<2>::new();
        recent.push(bar(1.0, 5.0, 0.0, 4.0));
        recent.push(bar(1.0, 5.0, 0.0, 2.0));
        assert_eq!(avg.average(&recent), 3.0);
    }
}
