//! The geometry of candles as TA-Lib's candle macros define it (`TA_REALBODY`,
//! `TA_UPPERSHADOW`, `TA_CANDLECOLOR`, `TA_REALBODYGAPUP`, ...). Written with the same
//! operations in the same order, so that ties and NaN compare as they do in TA-Lib.

use crate::indicators::Candle;

/// `|close - open|`.
pub(crate) fn real_body(c: &Candle) -> f64 {
    (c.close - c.open).abs()
}

/// `high - low`.
pub(crate) fn high_low_range(c: &Candle) -> f64 {
    c.high - c.low
}

/// The top of the real body, as `TA_UPPERSHADOW` takes it (`close >= open ? close :
/// open`), not `f64::max`: they differ on NaN.
pub(crate) fn body_top(c: &Candle) -> f64 {
    if c.close >= c.open { c.close } else { c.open }
}

/// The bottom of the real body.
pub(crate) fn body_bottom(c: &Candle) -> f64 {
    if c.close >= c.open { c.open } else { c.close }
}

pub(crate) fn upper_shadow(c: &Candle) -> f64 {
    c.high - body_top(c)
}

pub(crate) fn lower_shadow(c: &Candle) -> f64 {
    body_bottom(c) - c.low
}

/// +1 for a white candle, -1 for a black one. A candle with `close == open` is white, as in
/// TA-Lib; patterns multiply their output by the colour, hence a number, not an enum.
pub(crate) fn color(c: &Candle) -> i32 {
    if c.close >= c.open { 1 } else { -1 }
}

/// Whether `later`'s real body lies wholly above `earlier`'s.
pub(crate) fn real_body_gap_up(later: &Candle, earlier: &Candle) -> bool {
    min(later.open, later.close) > max(earlier.open, earlier.close)
}

/// Whether `later`'s real body lies wholly below `earlier`'s.
pub(crate) fn real_body_gap_down(later: &Candle, earlier: &Candle) -> bool {
    max(later.open, later.close) < min(earlier.open, earlier.close)
}

/// Whether `later`'s whole range lies above `earlier`'s.
pub(crate) fn candle_gap_up(later: &Candle, earlier: &Candle) -> bool {
    later.low > earlier.high
}

/// Whether `later`'s whole range lies below `earlier`'s.
pub(crate) fn candle_gap_down(later: &Candle, earlier: &Candle) -> bool {
    later.high < earlier.low
}

/// TA-Lib's `max(a, b)` macro: `a > b ? a : b`.
pub(crate) fn max(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

/// TA-Lib's `min(a, b)` macro: `a < b ? a : b`.
pub(crate) fn min(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

/// Which way a pattern of a mirrored pair points: its output is `sign() * 100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Direction {
    Bullish,
    Bearish,
}

impl Direction {
    /// +1 bullish, -1 bearish: the colour of a candle pointing this way.
    pub(crate) const fn sign(self) -> i32 {
        match self {
            Self::Bullish => 1,
            Self::Bearish => -1,
        }
    }
}
