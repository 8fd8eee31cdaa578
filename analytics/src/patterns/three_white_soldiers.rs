//! Three white soldiers, as TA-Lib's `CDL3WHITESOLDIERS`: three white candles with higher
//! closes, each with a very short upper shadow (ShadowVeryShort), each opening above the
//! previous open and no more than Near above the previous close, none Far shorter than the
//! one before, and the last not short (BodyShort). 100, never -100; first output at
//! index 12.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, real_body, upper_shadow};
use super::{CandlePattern, PatternKind};
use crate::indicators::Candle;

/// TA-Lib's `CDL3WHITESOLDIERS`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ThreeWhiteSoldiers {
    recent: RecentCandles<3>,
    /// ShadowVeryShort of each soldier, oldest first.
    very_short: [RollingAverage; 3],
    /// Near and Far of the first and second soldiers, measured against the next one.
    near: [RollingAverage; 2],
    far: [RollingAverage; 2],
    third_short: RollingAverage,
    value: Option<i32>,
}

impl ThreeWhiteSoldiers {
    /// TA-Lib's lookback: the index of the first output.
    pub const LOOKBACK: usize = max_period(
        max_period(
            CandleSetting::SHADOW_VERY_SHORT.period,
            CandleSetting::BODY_SHORT.period,
        ),
        max_period(CandleSetting::FAR.period, CandleSetting::NEAR.period),
    ) + 2;

    pub fn new() -> Self {
        let lookback = Self::LOOKBACK;
        let very_short = |lag| RollingAverage::new(CandleSetting::SHADOW_VERY_SHORT, lookback, lag);
        let near = |lag| RollingAverage::new(CandleSetting::NEAR, lookback, lag);
        let far = |lag| RollingAverage::new(CandleSetting::FAR, lookback, lag);
        Self {
            recent: RecentCandles::new(),
            very_short: [very_short(2), very_short(1), very_short(0)],
            near: [near(2), near(1)],
            far: [far(2), far(1)],
            third_short: RollingAverage::new(CandleSetting::BODY_SHORT, lookback, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let r = &self.recent;
        let (third, second, first) = (r.ago(0), r.ago(1), r.ago(2));
        let [short1, short2, short3] = &self.very_short;
        let [near1, near2] = &self.near;
        let [far1, far2] = &self.far;
        if color(first) == 1
            && upper_shadow(first) < short1.average(r)
            && color(second) == 1
            && upper_shadow(second) < short2.average(r)
            && color(third) == 1
            && upper_shadow(third) < short3.average(r)
            && third.close > second.close
            && second.close > first.close
            && second.open > first.open
            && second.open <= first.close + near1.average(r)
            && third.open > second.open
            && third.open <= second.close + near2.average(r)
            && real_body(second) > real_body(first) - far1.average(r)
            && real_body(third) > real_body(second) - far2.average(r)
            && real_body(third) > self.third_short.average(r)
        {
            100
        } else {
            0
        }
    }
}

impl Default for ThreeWhiteSoldiers {
    fn default() -> Self {
        Self::new()
    }
}

impl CandlePattern for ThreeWhiteSoldiers {
    fn kind(&self) -> PatternKind {
        PatternKind::ThreeWhiteSoldiers
    }

    fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::LOOKBACK {
            self.value = Some(self.judge());
        }
        let averages = self
            .very_short
            .iter_mut()
            .chain(&mut self.near)
            .chain(&mut self.far);
        for average in averages {
            average.feed(&self.recent);
        }
        self.third_short.feed(&self.recent);
    }

    fn value(&self) -> Option<i32> {
        self.value
    }

    fn reset(&mut self) {
        *self = Self::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    const FIRST: [f64; 4] = [100.0, 101.55, 99.9, 101.5];
    const SECOND: [f64; 4] = [101.0, 102.55, 100.9, 102.5];

    #[test]
    fn three_rising_white_candles_closing_near_their_highs() {
        let candles = after_calm(12, &[FIRST, SECOND, [102.0, 103.55, 101.9, 103.5]]);
        assert_outputs(
            &mut ThreeWhiteSoldiers::new(),
            ThreeWhiteSoldiers::LOOKBACK,
            &candles,
            &[0, 0, 100],
        );
    }

    #[test]
    fn a_long_upper_shadow_on_the_third_is_not() {
        let candles = after_calm(12, &[FIRST, SECOND, [102.0, 104.5, 101.9, 103.5]]);
        assert_outputs(
            &mut ThreeWhiteSoldiers::new(),
            ThreeWhiteSoldiers::LOOKBACK,
            &candles,
            &[0, 0, 0],
        );
    }
}
