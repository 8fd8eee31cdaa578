//! Average directional index with its directional indicators, as TA-Lib's `ADX`,
//! `PLUS_DI` and `MINUS_DI`, which print from different indices: +DI and -DI from index
//! `period`, ADX from index `2 * period - 1`. [`Adx::plus_di`] and [`Adx::minus_di`]
//! follow the first, [`Adx::adx`] and [`Adx::value`] the second.
//!
//! TA-Lib's construction (Wilder's, without his rounding):
//! - +DM1 is today's high minus yesterday's when that is positive and larger than
//!   yesterday's low minus today's (which is -DM1, symmetrically); a tie gives neither.
//! - The smoothed DM and true range start as the plain sum of the first `period - 1`
//!   one-bar values (bars 1 to `period - 1`), then take Wilder steps
//!   `s = s - s / period + x`, the first one at bar `period`. So the seed is one value
//!   short of a full window, and +DI at bar `period` is already one step smoothed.
//! - `DI = 100 * DM / TR`, and 0 while the smoothed TR is 0 (flat bars from the start).
//! - `DX = 100 * |+DI - -DI| / (+DI + -DI)`; the first ADX is the mean of the DX of
//!   bars `period` to `2 * period - 1`, then `adx = (adx * (period - 1) + dx) / period`.
//! - A bar whose TR sum is 0 or whose DI sum is within 1e-14 of 0 has no DX: it adds
//!   nothing to the first mean (which is still divided by `period`) and leaves the ADX
//!   unchanged afterwards, rather than pulling it towards 0.
//!
//! The steps use TA-Lib 0.8's operations in its order, which reproduces it bit for bit. A
//! NaN input makes every later output NaN until [`Adx::reset`], as with any Wilder or
//! exponential smoothing.

use crate::indicators::{Candle, IndicatorError, checked_period};

/// TA-Lib's fixed zero band for the sum of the DIs (`TA_IS_ZERO`). The DIs are ratios,
/// so a fixed band is scale-free here.
const DI_SUM_EPSILON: f64 = 1e-14;

/// ADX, +DI and -DI at one bar, all in percent.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdxOutput {
    pub adx: f64,
    pub plus_di: f64,
    pub minus_di: f64,
}

/// Average directional index with +DI and -DI.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Adx {
    period: usize,
    /// Bars seen since the last reset.
    bars: usize,
    previous: Option<Candle>,
    plus_dm: f64,
    minus_dm: f64,
    true_range: f64,
    /// Sum of the DX of bars `period..2 * period` while the first ADX is being built.
    dx_sum: f64,
    di: Option<(f64, f64)>,
    adx: Option<f64>,
}

impl Adx {
    /// TA-Lib's ADX accepts periods from 2 to 100000. (Its PLUS_DI and MINUS_DI also
    /// accept 1, where they print the unsmoothed ratio DM1 / TR1 without the factor
    /// 100; that case is not offered here.)
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        checked_period("adx", "period", period, 2)?;
        Ok(Self {
            period,
            bars: 0,
            previous: None,
            plus_dm: 0.0,
            minus_dm: 0.0,
            true_range: 0.0,
            dx_sum: 0.0,
            di: None,
            adx: None,
        })
    }

    /// Adds one bar; O(1).
    pub fn update(&mut self, c: &Candle) {
        self.bars = self.bars.saturating_add(1);
        let Some(prev) = self.previous.replace(*c) else {
            return;
        };
        let up = c.high - prev.high;
        let down = prev.low - c.low;
        let plus_dm1 = if up > 0.0 && up > down { up } else { 0.0 };
        let minus_dm1 = if down > 0.0 && down > up { down } else { 0.0 };
        let tr1 = true_range(c, prev.close);
        // NaN comparisons would silently give a DM of 0; poison the sums instead.
        let poison = if up.is_nan() || down.is_nan() {
            f64::NAN
        } else {
            0.0
        };

        if self.bars < self.period + 1 {
            self.plus_dm += plus_dm1 + poison;
            self.minus_dm += minus_dm1 + poison;
            self.true_range += tr1;
            return;
        }
        let n = self.period as f64;
        self.plus_dm = self.plus_dm - self.plus_dm / n + plus_dm1 + poison;
        self.minus_dm = self.minus_dm - self.minus_dm / n + minus_dm1 + poison;
        self.true_range = self.true_range - self.true_range / n + tr1;

        // TA-Lib's `tr > 0`, letting NaN through so that it propagates.
        let has_range = self.true_range > 0.0 || self.true_range.is_nan();
        let (plus_di, minus_di) = if has_range {
            (
                100.0 * (self.plus_dm / self.true_range),
                100.0 * (self.minus_dm / self.true_range),
            )
        } else {
            (0.0, 0.0)
        };
        self.di = Some((plus_di, minus_di));

        let di_sum = minus_di + plus_di;
        let dx = (has_range && !(-DI_SUM_EPSILON < di_sum && di_sum < DI_SUM_EPSILON))
            .then(|| 100.0 * ((minus_di - plus_di).abs() / di_sum));
        match self.adx {
            None => {
                self.dx_sum += dx.unwrap_or(0.0);
                if self.bars == 2 * self.period {
                    self.adx = Some(self.dx_sum / n);
                }
            }
            Some(adx) => {
                if let Some(dx) = dx {
                    self.adx = Some((adx * (n - 1.0) + dx) / n);
                }
            }
        }
    }

    /// +DI, from index `period` on (TA-Lib's `PLUS_DI`).
    pub fn plus_di(&self) -> Option<f64> {
        self.di.map(|(plus, _)| plus)
    }

    /// -DI, from index `period` on (TA-Lib's `MINUS_DI`).
    pub fn minus_di(&self) -> Option<f64> {
        self.di.map(|(_, minus)| minus)
    }

    /// ADX, from index `2 * period - 1` on.
    pub fn adx(&self) -> Option<f64> {
        self.adx
    }

    /// All three lines, once the ADX has its first value (index `2 * period - 1`).
    pub fn value(&self) -> Option<AdxOutput> {
        let adx = self.adx?;
        let (plus_di, minus_di) = self.di?;
        Some(AdxOutput {
            adx,
            plus_di,
            minus_di,
        })
    }

    /// Whether the ADX (and so every line) has a value.
    pub fn is_ready(&self) -> bool {
        self.adx.is_some()
    }

    pub fn reset(&mut self) {
        self.bars = 0;
        self.previous = None;
        self.plus_dm = 0.0;
        self.minus_dm = 0.0;
        self.true_range = 0.0;
        self.dx_sum = 0.0;
        self.di = None;
        self.adx = None;
    }
}

/// Wilder's true range against the previous close; NaN if any input is NaN (TA-Lib's
/// comparisons would skip a NaN gap and keep the high-low range).
fn true_range(c: &Candle, previous_close: f64) -> f64 {
    let range = c.high - c.low;
    let gap_up = (previous_close - c.high).abs();
    let gap_down = (previous_close - c.low).abs();
    if range.is_nan() || gap_up.is_nan() || gap_down.is_nan() {
        return f64::NAN;
    }
    range.max(gap_up).max(gap_down)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::bar;

    fn run(adx: &mut Adx, high: &[f64], low: &[f64], close: &[f64]) -> Vec<Candle> {
        let bars: Vec<Candle> = (0..high.len())
            .map(|i| bar(high[i], low[i], close[i]))
            .collect();
        for b in &bars {
            adx.update(b);
        }
        bars
    }

    #[test]
    fn matches_talib_with_each_lines_start_index() {
        // TA-Lib: ADX, PLUS_DI and MINUS_DI of (h, l, c) with timeperiod=3: the DIs from
        // index 3, ADX from index 5. Same operations in the same order: the same bits.
        let high = [
            10.5, 11.0, 11.2, 11.4, 11.8, 11.9, 11.6, 11.0, 10.8, 11.4, 11.4, 11.4,
        ];
        let low = [
            9.8, 10.2, 10.5, 10.4, 10.9, 11.0, 10.6, 10.1, 9.9, 10.1, 10.7, 11.0,
        ];
        let close = [
            10.4, 10.9, 10.6, 11.2, 11.5, 11.1, 10.7, 10.2, 10.6, 11.0, 11.3, 11.4,
        ];
        let want_adx = [
            100.0,
            68.32844574780059,
            60.37716468491087,
            59.155110999130414,
            46.54255635503992,
            38.13418659231292,
            32.52860675049492,
        ];
        let want_plus = [
            33.333333333333364,
            37.810945273631866,
            27.751937984496124,
            17.04761904761905,
            11.21027086268984,
            7.406258081199896,
            23.823788021042887,
            17.749501745970925,
            14.566163238342542,
        ];
        let want_minus = [
            0.0,
            0.0,
            0.0,
            15.42857142857144,
            29.16862376702678,
            26.811481768813007,
            15.451334555371737,
            11.511749912562651,
            9.447140025968691,
        ];
        let mut adx = Adx::new(3).expect("valid");
        for i in 0..high.len() {
            adx.update(&bar(high[i], low[i], close[i]));
            assert_eq!(
                adx.plus_di(),
                i.checked_sub(3).map(|j| want_plus[j]),
                "+DI {i}"
            );
            assert_eq!(
                adx.minus_di(),
                i.checked_sub(3).map(|j| want_minus[j]),
                "-DI {i}"
            );
            assert_eq!(adx.adx(), i.checked_sub(5).map(|j| want_adx[j]), "ADX {i}");
            assert_eq!(adx.is_ready(), i >= 5);
        }
        assert_eq!(
            adx.value(),
            Some(AdxOutput {
                adx: want_adx[6],
                plus_di: want_plus[8],
                minus_di: want_minus[8],
            })
        );
    }

    #[test]
    fn flat_bars_give_zero_and_a_missing_dx_leaves_the_adx_alone() {
        // TA-Lib, timeperiod=2, six flat bars then movement: the DIs are 0 while the true
        // range is 0, the first ADX (a mean of two missing DX) is 0, and ADX moves only
        // once there is a DX.
        let high = [10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 11.0, 12.0, 11.0, 10.0];
        let low = [10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 11.0, 9.0, 9.0];
        let close = [10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 11.0, 12.0, 10.0, 9.0];
        let want_adx = [
            0.0,
            0.0,
            0.0,
            50.0,
            75.0,
            60.22727272727273,
            52.84090909090909,
        ];
        let want_plus = [0.0, 0.0, 0.0, 0.0, 100.0, 100.0, 20.0, 13.043478260869565];
        let want_minus = [
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            53.333333333333336,
            34.78260869565217,
        ];
        let mut adx = Adx::new(2).expect("valid");
        for i in 0..high.len() {
            adx.update(&bar(high[i], low[i], close[i]));
            assert_eq!(
                adx.plus_di(),
                i.checked_sub(2).map(|j| want_plus[j]),
                "+DI {i}"
            );
            assert_eq!(
                adx.minus_di(),
                i.checked_sub(2).map(|j| want_minus[j]),
                "-DI {i}"
            );
            assert_eq!(adx.adx(), i.checked_sub(3).map(|j| want_adx[j]), "ADX {i}");
        }
    }

    #[test]
    fn nan_poisons_until_reset() {
        let mut adx = Adx::new(2).expect("valid");
        let high = [10.5, 11.0, 11.2, 11.4, 11.8, 11.9];
        let low = [9.8, 10.2, 10.5, 10.4, 10.9, 11.0];
        let close = [10.4, 10.9, 10.6, 11.2, 11.5, 11.1];
        let bars = run(&mut adx, &high, &low, &close);
        assert!(adx.value().is_some_and(|v| v.adx.is_finite()));
        adx.update(&bar(f64::NAN, 11.0, 11.5));
        for b in &bars {
            adx.update(b);
        }
        let v = adx.value().expect("ready");
        assert!(v.adx.is_nan() && v.plus_di.is_nan() && v.minus_di.is_nan());

        adx.reset();
        assert!(!adx.is_ready());
        assert_eq!(adx.plus_di(), None);
        let mut fresh = Adx::new(2).expect("valid");
        for b in &bars {
            adx.update(b);
            fresh.update(b);
        }
        assert_eq!(adx.value(), fresh.value());
    }

    #[test]
    fn refuses_periods_talib_refuses() {
        assert!(Adx::new(1).is_err());
        assert!(Adx::new(100_001).is_err());
        assert!(Adx::new(2).is_ok());
    }
}
