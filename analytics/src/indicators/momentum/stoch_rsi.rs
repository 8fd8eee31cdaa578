//! Stochastic RSI, as TA-Lib's `STOCHRSI` with `fastd_matype = 0`: TA-Lib's fast
//! stochastic (`STOCHF`) applied to its RSI, with the RSI as high, low and close.
//!
//! - `k = (rsi - lowest) / (highest - lowest) * 100` over the last `fastk` RSI values,
//!   and 0 when the range is within `1e-14 * (|highest| + |lowest|)` of zero (TA-Lib's
//!   relative test: an RSI that is flat up to rounding gives 0, not a jump to 100).
//! - `d` is the simple average of the last `fastd` values of `k` (`fastd_matype = 0`, the
//!   only one we implement; pass it explicitly to TA-Lib when comparing).
//!
//! TA-Lib prints both only once `d` exists: first output at index
//! `period + fastk - 1 + fastd - 1` (20 for 14, 5, 3). TA-Lib's `d` comes from a running
//! total, so where `k` is 0 for a whole window it can print ~1e-13 where we print 0.

use super::rsi::Rsi;
use crate::indicators::IndicatorError;
use crate::indicators::average::Sma;
use crate::indicators::checked_period;
use std::collections::VecDeque;

/// TA-Lib's `STOCHF` treats the range as zero below this fraction of the prices' size.
const TA_LIB_RELATIVE_EPSILON: f64 = 1e-14;

/// The two stochastic RSI outputs, named as TA-Lib's columns (`fastk`, `fastd`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StochRsiValue {
    /// Where the RSI sits in its range over the last `fastk` values, in [0, 100].
    pub k: f64,
    /// Simple average of the last `fastd` values of `k`.
    pub d: f64,
}

/// Stochastic oscillator of the RSI.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StochRsi {
    rsi: Rsi,
    fastk_period: usize,
    /// Count of RSI values seen, to age entries out of the extremes.
    seq: u64,
    /// Monotonic queues of (seq, rsi): the window's minimum and maximum at the front.
    lows: VecDeque<(u64, f64)>,
    highs: VecDeque<(u64, f64)>,
    /// Seq of the latest NaN RSI: while it is in the window, `k` is NaN.
    last_nan: Option<u64>,
    d: Sma,
    value: Option<StochRsiValue>,
}

impl StochRsi {
    /// TA-Lib accepts an RSI period from 2 and `fastk`, `fastd` from 1 (to 100000).
    pub fn new(period: usize, fastk: usize, fastd: usize) -> Result<Self, IndicatorError> {
        let period = checked_period("stochrsi", "period", period, 2)?;
        let fastk = checked_period("stochrsi", "fastk period", fastk, 1)?;
        let fastd = checked_period("stochrsi", "fastd period", fastd, 1)?;
        Ok(Self {
            rsi: Rsi::new(period)?,
            fastk_period: fastk,
            seq: 0,
            lows: VecDeque::with_capacity(fastk + 1),
            highs: VecDeque::with_capacity(fastk + 1),
            last_nan: None,
            d: Sma::new(fastd),
            value: None,
        })
    }

    /// RSI, fast %K and fast %D periods.
    pub fn periods(&self) -> (usize, usize, usize) {
        (self.rsi.period(), self.fastk_period, self.d.period())
    }

    /// Adds one close; amortized O(1) (each RSI value enters and leaves each queue once).
    pub fn update(&mut self, x: f64) {
        self.rsi.update(x);
        let Some(rsi) = self.rsi.value() else { return };
        let seq = self.seq;
        self.seq += 1;
        let window = self.fastk_period as u64;
        if rsi.is_nan() {
            self.last_nan = Some(seq);
        } else {
            while self.lows.back().is_some_and(|&(_, v)| v >= rsi) {
                self.lows.pop_back();
            }
            self.lows.push_back((seq, rsi));
            while self.highs.back().is_some_and(|&(_, v)| v <= rsi) {
                self.highs.pop_back();
            }
            self.highs.push_back((seq, rsi));
        }
        let first_in_window = (seq + 1).saturating_sub(window);
        while self.lows.front().is_some_and(|&(s, _)| s < first_in_window) {
            self.lows.pop_front();
        }
        while self
            .highs
            .front()
            .is_some_and(|&(s, _)| s < first_in_window)
        {
            self.highs.pop_front();
        }
        if seq + 1 < window {
            return;
        }
        let nan_in_window = self.last_nan.is_some_and(|s| s >= first_in_window);
        let k = match (self.lows.front(), self.highs.front()) {
            (Some(&(_, lowest)), Some(&(_, highest))) if !nan_in_window => {
                let range = highest - lowest;
                if (highest.abs() + lowest.abs()) * TA_LIB_RELATIVE_EPSILON < range.abs() {
                    ((rsi - lowest) / range) * 100.0
                } else {
                    0.0
                }
            }
            _ => f64::NAN,
        };
        self.d.update(k);
        if let Some(d) = self.d.value() {
            self.value = Some(StochRsiValue { k, d });
        }
    }

    /// The current outputs, once `period + fastk + fastd - 1` closes have been seen.
    pub fn value(&self) -> Option<StochRsiValue> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.rsi.reset();
        self.seq = 0;
        self.lows.clear();
        self.highs.clear();
        self.last_nan = None;
        self.d.reset();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::CLOSES;

    fn run(s: &mut StochRsi, xs: &[f64]) -> Vec<Option<StochRsiValue>> {
        xs.iter()
            .map(|&x| {
                s.update(x);
                s.value()
            })
            .collect()
    }

    #[test]
    fn matches_talib_from_index_period_plus_fastk_plus_fastd_minus_two() {
        // TA-Lib 0.8 (Python `talib.STOCHRSI(CLOSES, timeperiod=5, fastk_period=3,
        // fastd_period=2, fastd_matype=0)`), indices 8 to 19. At index 14 the RSI ties
        // index 13's up to rounding, and TA-Lib's k is 99.99999999999991, not 100.
        let want = [
            (100.0, 100.0),
            (100.0, 100.0),
            (0.0, 50.0),
            (28.457130471775816, 14.228565235887908),
            (0.0, 14.228565235887908),
            (78.74090988753721, 39.37045494376861),
            (99.99999999999991, 89.37045494376856),
            (0.0, 49.99999999999996),
            (7.902334452163183, 3.9511672260815915),
            (100.0, 53.951167226081594),
            (10.399946648090145, 55.199973324045075),
            (0.0, 5.199973324045075),
        ];
        let got = run(&mut StochRsi::new(5, 3, 2).expect("valid"), &CLOSES);
        assert_eq!(got[..8], [None; 8]);
        for (i, (g, (k, d))) in got[8..].iter().zip(want).enumerate() {
            let g = g.expect("ready");
            assert_eq!(g.k, k, "k[{}]", i + 8);
            assert!(
                (g.d - d).abs() <= 1e-12 * d.abs(),
                "d[{}]: {} vs {d}",
                i + 8,
                g.d
            );
        }
    }

    #[test]
    fn flat_or_one_way_rsi_gives_zero_k() {
        // TA-Lib: a constant RSI (flat prices: 0; rising prices: 100) has no range, so k
        // and d are 0, not 100.
        let mut s = StochRsi::new(3, 2, 2).expect("valid");
        let zero = StochRsiValue { k: 0.0, d: 0.0 };
        let got = run(&mut s, &[5.0; 8]);
        assert_eq!(got[..5], [None; 5]);
        assert_eq!(got[5..], [Some(zero); 3]);
        s.reset();
        assert!(!s.is_ready());
        let rising: Vec<f64> = (1..=8).map(f64::from).collect();
        assert_eq!(run(&mut s, &rising)[5..], [Some(zero); 3]);
        // With fastk = 1 the window is a single value, hence always 0 (as TA-Lib).
        let mut s = StochRsi::new(2, 1, 1).expect("valid");
        assert!(
            run(&mut s, &CLOSES)[2..]
                .iter()
                .all(|v| *v == Some(StochRsiValue { k: 0.0, d: 0.0 }))
        );
    }

    #[test]
    fn nan_poisons_until_reset_and_bad_periods_are_refused() {
        let mut s = StochRsi::new(2, 2, 1).expect("valid");
        let mut closes = CLOSES;
        closes[6] = f64::NAN;
        let got = run(&mut s, &closes);
        assert!(got[3..6].iter().all(|v| v.is_some_and(|v| !v.k.is_nan())));
        assert!(got[6..].iter().all(|v| v.is_some_and(|v| v.k.is_nan())));
        s.reset();
        assert_eq!(
            run(&mut s, &CLOSES),
            run(&mut StochRsi::new(2, 2, 1).expect("valid"), &CLOSES)
        );
        assert!(StochRsi::new(1, 5, 3).is_err());
        assert!(StochRsi::new(14, 0, 3).is_err());
        assert!(StochRsi::new(14, 5, 0).is_err());
        assert!(StochRsi::new(14, 5, 100_001).is_err());
    }
}
