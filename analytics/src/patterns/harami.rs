//! Harami, as TA-Lib's `CDLHARAMI`: a long real body (BodyLong, against the 10 candles
//! before it) followed by a short one (BodyShort) inside it. -100 after a white candle, 100
//! after a black one when the second body is strictly inside; ±80 when it touches an end
//! of the first. First output at index 11.

use super::recent::RecentCandles;
use super::settings::{CandleSetting, RollingAverage, max_period};
use super::shape::{color, max, min, real_body};
use crate::indicators::Candle;

fixed_pattern! {
    /// TA-Lib's `CDLHARAMI`.
    Harami(HaramiCore) {
        lookback: HaramiCore::lookback(false),
        new: HaramiCore::new(false),
    }
}

/// The harami detector shared with [`super::HaramiCross`]: the second body is short
/// (BodyShort), or a doji (BodyDoji) for the cross.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct HaramiCore {
    cross: bool,
    recent: RecentCandles<2>,
    /// BodyLong of the first (prior) candle.
    first_long: RollingAverage,
    /// BodyShort, or BodyDoji for the cross, of the second (newest) candle.
    second_body: RollingAverage,
    value: Option<i32>,
}

impl HaramiCore {
    const fn second_setting(cross: bool) -> CandleSetting {
        if cross {
            CandleSetting::BODY_DOJI
        } else {
            CandleSetting::BODY_SHORT
        }
    }

    /// TA-Lib's lookback: the index of the first output.
    pub(crate) const fn lookback(cross: bool) -> usize {
        max_period(
            Self::second_setting(cross).period,
            CandleSetting::BODY_LONG.period,
        ) + 1
    }

    pub(crate) fn new(cross: bool) -> Self {
        let lookback = Self::lookback(cross);
        Self {
            cross,
            recent: RecentCandles::new(),
            first_long: RollingAverage::new(CandleSetting::BODY_LONG, lookback, 1),
            second_body: RollingAverage::new(Self::second_setting(cross), lookback, 0),
            value: None,
        }
    }

    fn judge(&self) -> i32 {
        let (second, first) = (self.recent.ago(0), self.recent.ago(1));
        if !(real_body(first) > self.first_long.average(&self.recent)
            && real_body(second) <= self.second_body.average(&self.recent))
        {
            return 0;
        }
        inside(second, first) * -color(first)
    }

    pub(crate) fn update(&mut self, candle: &Candle) {
        self.recent.push(*candle);
        if self.recent.count() > Self::lookback(self.cross) {
            self.value = Some(self.judge());
        }
        self.first_long.feed(&self.recent);
        self.second_body.feed(&self.recent);
    }

    pub(crate) fn value(&self) -> Option<i32> {
        self.value
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.cross);
    }
}

/// Harami's strength: 100 when `second`'s body is strictly inside `first`'s, 80 when it is
/// inside but touches an end, 0 otherwise.
fn inside(second: &Candle, first: &Candle) -> i32 {
    let (top, bottom) = (
        max(second.close, second.open),
        min(second.close, second.open),
    );
    let (first_top, first_bottom) = (max(first.close, first.open), min(first.close, first.open));
    if top < first_top && bottom > first_bottom {
        100
    } else if top <= first_top && bottom >= first_bottom {
        80
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::fixtures::{after_calm, assert_outputs};

    const LONG_WHITE: [f64; 4] = [100.0, 103.0, 99.8, 102.8];

    #[test]
    fn a_small_body_strictly_inside_a_long_white_one() {
        let candles = after_calm(12, &[LONG_WHITE, [102.0, 102.5, 101.0, 101.5]]);
        assert_outputs(&mut Harami::new(), Harami::LOOKBACK, &candles, &[0, -100]);
    }

    #[test]
    fn touching_the_top_of_the_first_body_is_the_weaker_form() {
        let candles = after_calm(12, &[LONG_WHITE, [102.8, 102.9, 101.0, 102.0]]);
        assert_outputs(&mut Harami::new(), Harami::LOOKBACK, &candles, &[0, -80]);
    }

    #[test]
    fn a_body_poking_out_of_the_first_is_not() {
        let candles = after_calm(12, &[LONG_WHITE, [103.0, 103.5, 101.0, 102.5]]);
        assert_outputs(&mut Harami::new(), Harami::LOOKBACK, &candles, &[0, 0]);
    }
}
