//! Bollinger bands, as TA-Lib's `BBANDS` with `matype = 0`: the middle band is the
//! simple average of the last `period` closes, the outer bands are the middle plus
//! `nbdev_up` and minus `nbdev_dn` population standard deviations (divided by `period`,
//! not `period - 1`). First output at index `period - 1`.
//!
//! The variance is `E[x²] - E[x]²` over exact rolling sums of `x` and `x²`
//! ([`RollingSum`]), so it depends on the window alone (replays reproduce it bit for bit);
//! rounding can still leave a tiny negative, which is clamped to 0, and a flat window is
//! recognised as such and gives exactly 0 rather than a few ulps of noise.
//!
//! The price of that formula is cancellation: the width carries a relative error of about
//! 1e-16 x mean² / variance. On the golden bars the bands agree with TA-Lib to 3e-11 but
//! the width alone (`upper - middle`) only to 2e-6 at period 2 (two nearly equal closes),
//! 2e-9 at period 5, 1.5e-10 at period 20. The fixed-point squares also have an absolute
//! resolution of 2^-64, so widths degrade for prices below about 1e-3; quote such
//! instruments in smaller units.

use crate::indicators::rolling_sum::RollingSum;
use crate::indicators::{IndicatorError, checked_period};
use std::collections::VecDeque;

/// An upper, middle and lower band (Bollinger, Donchian and Keltner channels).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bands {
    pub upper: f64,
    pub middle: f64,
    pub lower: f64,
}

/// Bollinger bands around a simple moving average.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BollingerBands {
    period: usize,
    nbdev_up: f64,
    nbdev_dn: f64,
    window: VecDeque<f64>,
    sum: RollingSum,
    sum_sq: RollingSum,
    // How many of the latest inputs equal the latest one: a flat window has exactly
    // zero variance, which the difference of two rounded means does not always give.
    run: usize,
    value: Option<Bands>,
}

// TA-Lib's bounds on the deviation multipliers.
const MAX_NBDEV: f64 = 3.0e37;

impl BollingerBands {
    /// TA-Lib accepts periods from 2 to 100 000 and multipliers within +-3e37 (any sign).
    pub fn new(period: usize, nbdev_up: f64, nbdev_dn: f64) -> Result<Self, IndicatorError> {
        checked_period("bbands", "period", period, 2)?;
        for (name, nbdev) in [("nbdev_up", nbdev_up), ("nbdev_dn", nbdev_dn)] {
            if !(-MAX_NBDEV..=MAX_NBDEV).contains(&nbdev) {
                return Err(IndicatorError::new(
                    "bbands",
                    format!("{name} must be a number within +-3e37, got {nbdev}"),
                ));
            }
        }
        Ok(Self {
            period,
            nbdev_up,
            nbdev_dn,
            window: VecDeque::with_capacity(period),
            sum: RollingSum::default(),
            sum_sq: RollingSum::default(),
            run: 0,
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds one close; O(1).
    pub fn update(&mut self, x: f64) {
        self.run = match self.window.back() {
            Some(&last) if last == x => self.run + 1,
            _ => 1,
        };
        self.sum.add(x);
        self.sum_sq.add(x * x);
        self.window.push_back(x);
        if self.window.len() < self.period {
            return;
        }
        let n = self.period as f64;
        let mean = self.sum.value() / n;
        let stddev = if self.run >= self.period {
            // NaN never equals itself, so a flat run holds finite values only.
            0.0
        } else {
            let variance = self.sum_sq.value() / n - mean * mean;
            if variance > 0.0 {
                variance.sqrt()
            } else if variance.is_nan() {
                f64::NAN
            } else {
                0.0
            }
        };
        self.value = Some(Bands {
            upper: mean + stddev * self.nbdev_up,
            middle: mean,
            lower: mean - stddev * self.nbdev_dn,
        });
        if let Some(oldest) = self.window.pop_front() {
            self.sum.remove(oldest);
            self.sum_sq.remove(oldest * oldest);
        }
    }

    /// The bands, from index `period - 1` on.
    pub fn value(&self) -> Option<Bands> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.window.clear();
        self.sum.clear();
        self.sum_sq.clear();
        self.run = 0;
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOSES: [f64; 7] = [9.5, 10.5, 11.5, 10.5, 12.0, 12.5, 11.5];

    fn run(bb: &mut BollingerBands, xs: &[f64]) -> Vec<Option<Bands>> {
        xs.iter()
            .map(|&x| {
                bb.update(x);
                bb.value()
            })
            .collect()
    }

    fn close(got: f64, want: f64) -> bool {
        (got - want).abs() <= 1e-13 * want.abs()
    }

    #[test]
    fn matches_talib_with_equal_and_unequal_multipliers() {
        // TA-Lib: BBANDS(closes, timeperiod=3, nbdevup, nbdevdn, matype=0).
        let cases: [(f64, f64, [[f64; 3]; 5]); 2] = [
            (
                2.0,
                2.0,
                [
                    [12.132993161855453, 10.5, 8.867006838144547],
                    [11.776142374915398, 10.833333333333334, 9.89052429175127],
                    [12.580552462257982, 11.333333333333334, 10.086114204408686],
                    [13.366339837864261, 11.666666666666666, 9.96699349546907],
                    [12.816496580927724, 12.0, 11.183503419072276],
                ],
            ),
            (
                1.0,
                0.5,
                [
                    [11.316496580927726, 10.5, 10.091751709536137],
                    [11.304737854124365, 10.833333333333334, 10.597631072937817],
                    [11.956942897795658, 11.333333333333334, 11.021528551102172],
                    [12.516503252265464, 11.666666666666666, 11.241748373867267],
                    [12.408248290463863, 12.0, 11.795875854768068],
                ],
            ),
        ];
        for (up, dn, want) in cases {
            let mut bb = BollingerBands::new(3, up, dn).expect("valid");
            let out = run(&mut bb, &CLOSES);
            assert_eq!(out[..2], [None, None]);
            for (got, [u, m, l]) in out[2..].iter().zip(want) {
                let got = got.expect("ready");
                assert!(close(got.upper, u), "{got:?} vs {u}");
                assert!(close(got.middle, m), "{got:?} vs {m}");
                assert!(close(got.lower, l), "{got:?} vs {l}");
            }
        }
    }

    #[test]
    fn a_flat_window_has_exactly_zero_width() {
        // Prices for which `E[x²] - E[x]²` over seven copies comes out positive (about
        // 3e-11 and 2e-12): a band width of ~1e-5 without the flat-window rule.
        for price in [326.1449, 109.0831, 187.1234, 0.1] {
            let mut bb = BollingerBands::new(7, 2.0, 2.0).expect("valid");
            let noisy = [price * 1.01, price * 0.97, price * 1.02];
            let mut xs = noisy.to_vec();
            xs.extend([price; 10]);
            for b in run(&mut bb, &xs).into_iter().skip(9) {
                let b = b.expect("ready");
                assert_eq!(b.upper, b.middle, "{price}");
                assert_eq!(b.lower, b.middle, "{price}");
            }
        }
    }

    #[test]
    fn nan_widens_nothing_until_it_leaves() {
        let mut bb = BollingerBands::new(2, 2.0, 2.0).expect("valid");
        let out = run(&mut bb, &[1.0, f64::NAN, 3.0, 3.0, 5.0]);
        assert!(out[1].is_some_and(|b| b.middle.is_nan() && b.upper.is_nan()));
        assert!(out[2].is_some_and(|b| b.middle.is_nan() && b.lower.is_nan()));
        assert_eq!(
            out[3],
            Some(Bands {
                upper: 3.0,
                middle: 3.0,
                lower: 3.0
            })
        );
        assert_eq!(
            out[4],
            Some(Bands {
                upper: 6.0,
                middle: 4.0,
                lower: 2.0
            })
        );
    }

    #[test]
    fn reset_starts_over_and_bad_parameters_are_refused() {
        let mut bb = BollingerBands::new(3, 2.0, 2.0).expect("valid");
        run(&mut bb, &CLOSES);
        bb.reset();
        assert!(!bb.is_ready());
        assert_eq!(run(&mut bb, &CLOSES)[2].map(|b| b.middle), Some(10.5));
        assert!(BollingerBands::new(1, 2.0, 2.0).is_err());
        assert!(BollingerBands::new(100_001, 2.0, 2.0).is_err());
        assert!(BollingerBands::new(2, f64::NAN, 2.0).is_err());
        assert!(BollingerBands::new(2, 2.0, 4e37).is_err());
        assert!(BollingerBands::new(2, -1.0, 0.0).is_ok());
    }
}
