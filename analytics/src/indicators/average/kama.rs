//! Kaufman adaptive moving average, as TA-Lib's `KAMA` (fast period 2, slow period 30,
//! fixed in TA-Lib): an EMA whose smoothing follows the efficiency ratio
//! `ER = |close - close[period ago]| / sum of |one-bar changes| over those bars`, as
//! `sc = (ER * (2/3 - 2/31) + 2/31)^2`: `(2/3)^2` in a straight trend (EMA(2)'s factor,
//! squared), `(2/31)^2` in pure noise (EMA(30)'s, squared).
//!
//! Seeding, checked against TA-Lib 0.8 (Python): the first output is at index `period`
//! (TA-Lib's lookback is `period`, plus an unstable period that defaults to 0), and the
//! "previous KAMA" for it is the previous close. Period 1 is the input itself, as in
//! TA-Lib 0.6.
//!
//! The sum of changes is exact ([`RollingSum`]) where TA-Lib keeps a running total. That
//! matters where the ratio's denominator is close to 0: a window of equal closes gives
//! exactly 0 here and the ratio is 1 (TA-Lib 0.8 also treats a flat window as efficiency
//! 1), while a total that has carried a large move can leave a residue of either sign.
//! `RollingSum` is exact only for values on its 2^-64 grid, which the changes of closes
//! below about 2.4e-4 are not, so the changes are first scaled by a power of two (exact)
//! that brings the first nonzero close near 1: like TA-Lib, which has no absolute "near
//! zero" band, the average is then independent of the price scale.

use crate::indicators::IndicatorError;
use crate::indicators::checked_period;
use crate::indicators::rolling_sum::RollingSum;
use std::collections::VecDeque;

/// Smoothing of EMA(30), the slowest, and its distance to EMA(2)'s, as TA-Lib computes them.
const SLOW: f64 = 2.0 / (30.0 + 1.0);
const FAST_MINUS_SLOW: f64 = 2.0 / (2.0 + 1.0) - SLOW;

/// Kaufman adaptive moving average.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Kama {
    period: usize,
    /// The last `period + 1` closes, oldest first (fewer while warming up).
    window: VecDeque<f64>,
    /// Sum of `|close - previous close|` over the window's `period` changes.
    changes: RollingSum,
    /// The power of two the changes are scaled by, set by the first finite nonzero close
    /// (every change before it is 0 or not finite, which any scale leaves alone).
    scale: Option<f64>,
    value: Option<f64>,
}

impl Kama {
    /// TA-Lib accepts periods from 1 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        let period = checked_period("kama", "period", period, 1)?;
        Ok(Self {
            period,
            window: VecDeque::with_capacity(period + 2),
            changes: RollingSum::default(),
            scale: None,
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds one close; O(1).
    pub fn update(&mut self, x: f64) {
        if self.period == 1 {
            // TA-Lib copies the input at period 1 (its ratio would always be 1, making an
            // EMA(2) instead, which disagrees with its other averages at period 1).
            self.value = Some(x);
            return;
        }
        if self.scale.is_none() && x.is_finite() && x != 0.0 {
            self.scale = Some(scale_near_one(x));
        }
        let scale = self.scale.unwrap_or(1.0);
        let Some(&previous) = self.window.back() else {
            self.window.push_back(x);
            return;
        };
        self.changes.add((x - previous).abs() * scale);
        self.window.push_back(x);
        if self.window.len() > self.period + 1
            && let Some(oldest) = self.window.pop_front()
            && let Some(&next) = self.window.front()
        {
            // The same operands, in the same order, as when this change was added, so the
            // exact sum takes back exactly what it was given.
            self.changes.remove((next - oldest).abs() * scale);
        }
        if self.window.len() <= self.period {
            return;
        }
        let Some(&then) = self.window.front() else {
            return;
        };
        let direction = x - then;
        let volatility = self.changes.value() / scale;
        // The ratio is at most 1 in exact arithmetic; the clamp also covers a flat window
        // (0 / 0). TA-Lib clamps up moves only, so on a down move its ratio can exceed 1 by
        // an ulp or two of rounding, a difference far below 1e-9.
        let efficiency = if volatility <= direction.abs() {
            1.0
        } else {
            (direction / volatility).abs()
        };
        let mut smoothing = efficiency * FAST_MINUS_SLOW + SLOW;
        smoothing *= smoothing;
        // TA-Lib starts from the previous close in place of a previous KAMA.
        let last = self.value.unwrap_or(previous);
        self.value = Some((x - last) * smoothing + last);
    }

    /// The current average, once `period + 1` closes have been seen. A NaN close makes it
    /// NaN until `reset`, as in any EMA.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.window.clear();
        self.changes.clear();
        self.scale = None;
        self.value = None;
    }
}

/// The power of two that brings `x` (finite, nonzero) into [1, 2), or as near as the
/// exponent range allows: multiplying by it, and dividing back, is exact.
fn scale_near_one(x: f64) -> f64 {
    // The biased exponent field; 0 for subnormals, which scale as 2^-1022 would.
    let biased = ((x.to_bits() >> 52) & 0x7ff) as i32;
    let exponent = (biased - 1023).clamp(-1022, 1022);
    2f64.powi(-exponent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::CLOSES;

    fn run(kama: &mut Kama, xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter()
            .map(|&x| {
                kama.update(x);
                kama.value()
            })
            .collect()
    }

    fn assert_close(got: &[Option<f64>], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            let g = g.expect("ready");
            assert!((g - w).abs() <= 1e-12 * w.abs(), "{g} vs TA-Lib {w}");
        }
    }

    #[test]
    fn matches_talib_from_index_period() {
        // TA-Lib 0.8 (Python `talib.KAMA(CLOSES, timeperiod=3)`).
        let want = [
            43.967304460103186,
            43.97828518350989,
            44.05349769695266,
            44.51860983164037,
            44.91922768424465,
            45.328459824580364,
            45.662477680322425,
            45.69842219463542,
            45.72174820614833,
            45.699930082173594,
            45.73777997437461,
            45.76004163402559,
            45.783357452209835,
            45.85799976355488,
            45.87548241878189,
            45.903525718809014,
            45.884495886714845,
        ];
        let got = run(&mut Kama::new(3).expect("valid"), &CLOSES);
        assert_eq!(got[..3], [None; 3]);
        assert_close(&got[3..], &want);
        // TA-Lib 0.8: `talib.KAMA(CLOSES, timeperiod=10)`.
        let want = [
            46.05925591406821,
            46.05438356214469,
            46.01483310062352,
            46.0753732137242,
            46.114080222160915,
            46.103583448031635,
            46.09817309499601,
            46.122572355536846,
            46.12490103873665,
            46.113022998563935,
        ];
        let got = run(&mut Kama::new(10).expect("valid"), &CLOSES);
        assert_eq!(got[..10], [None; 10]);
        assert_close(&got[10..], &want);
    }

    #[test]
    fn the_first_value_starts_from_the_previous_close() {
        // A straight line is fully efficient, sc = 4/9, from the previous close 3:
        // 3 + (4 - 3) * 4/9. TA-Lib: KAMA([1..6], 3) = [nan x3, 3.4444, 4.1358, 4.9643],
        // and the mirror image on the way down.
        let up = run(
            &mut Kama::new(3).expect("valid"),
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        );
        assert_close(
            &up[3..],
            &[3.444444444444444, 4.135802469135802, 4.964334705075445],
        );
        let down = run(
            &mut Kama::new(3).expect("valid"),
            &[6.0, 5.0, 4.0, 3.0, 2.0, 1.0],
        );
        assert_close(
            &down[3..],
            &[3.555555555555556, 2.864197530864198, 2.035665294924555],
        );
    }

    #[test]
    fn a_flat_window_counts_as_fully_efficient() {
        // TA-Lib 0.8: KAMA([5,5,5,5,5,6,6,6,6,7], 3); at index 8 the window 6,6,6,6 is flat
        // after a move, and the step uses sc = 4/9 (ratio 1).
        let got = run(
            &mut Kama::new(3).expect("valid"),
            &[5.0, 5.0, 5.0, 5.0, 5.0, 6.0, 6.0, 6.0, 6.0, 7.0],
        );
        assert_eq!(got[..3], [None; 3]);
        assert_close(
            &got[3..],
            &[
                5.0,
                5.0,
                5.444444444444445,
                5.691358024691358,
                5.828532235939644,
                5.90474013107758,
                6.3915222950431,
            ],
        );
    }

    #[test]
    fn scaling_the_prices_scales_the_average() {
        // No absolute threshold, and no loss of precision on tiny prices: they adapt
        // exactly like ordinary ones (TA-Lib 0.8 agrees, see the module comment).
        let big = run(&mut Kama::new(3).expect("valid"), &CLOSES);
        for factor in [1e-10, 1e-300, 1e250] {
            let scaled: Vec<f64> = CLOSES.iter().map(|x| x * factor).collect();
            let scaled = run(&mut Kama::new(3).expect("valid"), &scaled);
            for (b, s) in big[3..].iter().zip(&scaled[3..]) {
                let (b, s) = (b.expect("ready"), s.expect("ready") / factor);
                assert!((b - s).abs() <= 1e-13 * b, "{factor}: {b} vs {s}");
            }
        }
        assert_eq!(scale_near_one(1.0), 1.0);
        assert_eq!(scale_near_one(-3.0), 0.5);
        assert_eq!(scale_near_one(1e-5), 131_072.0);
    }

    #[test]
    fn nan_poisons_until_reset_and_period_one_is_the_input() {
        let mut kama = Kama::new(2).expect("valid");
        let got = run(&mut kama, &[1.0, 2.0, 3.0, f64::NAN, 4.0, 5.0, 6.0]);
        assert_eq!(got[..2], [None; 2]);
        assert!(got[2].is_some_and(f64::is_finite));
        assert!(got[3..].iter().all(|v| v.is_some_and(f64::is_nan)));
        kama.reset();
        assert!(!kama.is_ready());
        assert_eq!(run(&mut kama, &[3.0, 3.0, 3.0]), [None, None, Some(3.0)]);
        let got = run(&mut Kama::new(1).expect("valid"), &[3.5, -1.25]);
        assert_eq!(got, [Some(3.5), Some(-1.25)]);
    }

    #[test]
    fn periods_talib_refuses_are_refused() {
        assert!(Kama::new(0).is_err());
        assert!(Kama::new(100_001).is_err());
        assert!(Kama::new(100_000).is_ok());
    }
}
