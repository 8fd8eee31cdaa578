//! Percentage price oscillator, as TA-Lib's `PPO` with `matype = 0`:
//! `(SMA(fast) - SMA(slow)) / SMA(slow) * 100`, first output at index `slow - 1`; 0 where
//! the slow average is within 1e-14 of zero, as TA-Lib prints.
//!
//! TA-Lib's default moving average for PPO is the simple one (`matype = 0`), unlike the
//! EMA-based PPO most charting tools show; we implement only that one (pass `matype=0`
//! when comparing). Our averages use exact window sums, so where the two averages are
//! equal (flat stretches) we print 0 where TA-Lib's running totals leave ~1e-14 of noise.

use crate::indicators::IndicatorError;
use crate::indicators::average::Sma;
use crate::indicators::checked_period;

/// TA-Lib's `TA_IS_ZERO`: its test of the slow average before dividing by it.
const TA_LIB_EPSILON: f64 = 1e-14;

/// Percentage difference of a fast and a slow simple moving average.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Ppo {
    fast: Sma,
    slow: Sma,
    value: Option<f64>,
}

impl Ppo {
    /// TA-Lib accepts periods from 2 to 100000 and swaps fast and slow when
    /// `fast > slow`; so do we.
    pub fn new(fast: usize, slow: usize) -> Result<Self, IndicatorError> {
        let fast = checked_period("ppo", "fast period", fast, 2)?;
        let slow = checked_period("ppo", "slow period", slow, 2)?;
        Ok(Self {
            fast: Sma::new(fast.min(slow)),
            slow: Sma::new(fast.max(slow)),
            value: None,
        })
    }

    /// Fast and slow periods (after TA-Lib's swap).
    pub fn periods(&self) -> (usize, usize) {
        (self.fast.period(), self.slow.period())
    }

    /// Adds one close; O(1).
    pub fn update(&mut self, x: f64) {
        self.fast.update(x);
        self.slow.update(x);
        let (Some(fast), Some(slow)) = (self.fast.value(), self.slow.value()) else {
            return;
        };
        self.value = Some(if slow.abs() < TA_LIB_EPSILON {
            0.0
        } else {
            ((fast - slow) / slow) * 100.0
        });
    }

    /// The current PPO in percent, once `slow` closes have been seen.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.fast.reset();
        self.slow.reset();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOSES: [f64; 12] = [
        44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84, 46.08, 45.89, 46.03,
    ];

    fn run(ppo: &mut Ppo, xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter()
            .map(|&x| {
                ppo.update(x);
                ppo.value()
            })
            .collect()
    }

    #[test]
    fn matches_talib_sma_ppo_from_index_slow_minus_one() {
        // TA-Lib 0.8 (Python `talib.PPO(CLOSES, fastperiod=2, slowperiod=4, matype=0)`),
        // indices 3 to 10.
        let want = [
            -0.3802712980305281,
            -0.17028039505052295,
            0.7913181098801588,
            1.118794625288137,
            0.7569011576135427,
            0.7340360947072202,
            0.7673755755317003,
            0.38749113136495544,
        ];
        let got = run(&mut Ppo::new(2, 4).expect("valid"), &CLOSES);
        assert_eq!(got[..3], [None; 3]);
        for (g, w) in got[3..11].iter().zip(want) {
            let g = g.expect("ready");
            assert!((g - w).abs() <= 1e-12 * w.abs(), "{g} vs TA-Lib {w}");
        }
        // Index 11: both averages are 45.96; TA-Lib's running totals print 1.546e-14.
        assert_eq!(got[11], Some(0.0));
    }

    #[test]
    fn flat_is_zero_zero_prices_are_zero_and_fast_slow_swap() {
        let mut ppo = Ppo::new(3, 2).expect("valid");
        assert_eq!(ppo.periods(), (2, 3));
        assert_eq!(run(&mut ppo, &[3.0; 4])[2..], [Some(0.0); 2]);
        ppo.reset();
        assert!(!ppo.is_ready());
        // TA-Lib prints 0 rather than dividing by a slow average this close to zero.
        assert_eq!(run(&mut ppo, &[0.0, 1e-15, 2e-15])[2], Some(0.0));
    }

    #[test]
    fn nan_leaves_with_the_window_and_bad_periods_are_refused() {
        let mut ppo = Ppo::new(2, 3).expect("valid");
        let got = run(&mut ppo, &[1.0, f64::NAN, 2.0, 2.0, 2.0, 2.0]);
        assert!(got[2..4].iter().all(|v| v.is_some_and(f64::is_nan)));
        assert_eq!(got[4..], [Some(0.0); 2]);
        assert!(Ppo::new(1, 26).is_err());
        assert!(Ppo::new(12, 100_001).is_err());
    }
}
