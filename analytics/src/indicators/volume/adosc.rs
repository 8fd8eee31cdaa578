//! Chaikin A/D oscillator, as TA-Lib's `ADOSC`: a fast minus a slow exponential average
//! of the accumulation/distribution line.
//!
//! TA-Lib seeds these two averages differently from its `EMA`: both start at the first
//! A/D value (not at a simple average of the first `period` values) and smooth from the
//! second bar, and the first output is at index `max(fast, slow) - 1`, which is also when
//! `fast > slow` (TA-Lib allows that and then subtracts the slower average from the
//! faster-named one). Early values therefore differ from `EMA(AD, fast) - EMA(AD, slow)`.
//! The smoothing step is TA-Lib 0.8's fused `(1 - k) * prev + k * ad` with one rounding
//! on the accumulator product (`mul_add`), which makes the outputs agree bit for bit;
//! the unfused form drifts by up to 2e-9 relative near the zero crossings.

use super::ad::AccumulationDistribution;
use crate::indicators::{Candle, IndicatorError, checked_period};

/// Chaikin A/D oscillator.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ChaikinOscillator {
    fast_period: usize,
    slow_period: usize,
    fast_k: f64,
    slow_k: f64,
    ad: AccumulationDistribution,
    fast: f64,
    slow: f64,
    seen: usize,
    value: Option<f64>,
}

fn smoothing(period: usize) -> f64 {
    2.0 / (period as f64 + 1.0)
}

fn smooth(prev: f64, x: f64, k: f64) -> f64 {
    (1.0 - k).mul_add(prev, k * x)
}

impl ChaikinOscillator {
    /// TA-Lib accepts each period from 2 to 100 000, in either order.
    pub fn new(fast_period: usize, slow_period: usize) -> Result<Self, IndicatorError> {
        checked_period("adosc", "fast period", fast_period, 2)?;
        checked_period("adosc", "slow period", slow_period, 2)?;
        Ok(Self {
            fast_period,
            slow_period,
            fast_k: smoothing(fast_period),
            slow_k: smoothing(slow_period),
            ad: AccumulationDistribution::new(),
            fast: 0.0,
            slow: 0.0,
            seen: 0,
            value: None,
        })
    }

    pub fn periods(&self) -> (usize, usize) {
        (self.fast_period, self.slow_period)
    }

    /// Adds one bar; O(1).
    pub fn update(&mut self, c: &Candle) {
        self.ad.update(c);
        let Some(ad) = self.ad.value() else {
            return;
        };
        if self.seen == 0 {
            self.fast = ad;
            self.slow = ad;
        } else {
            self.fast = smooth(self.fast, ad, self.fast_k);
            self.slow = smooth(self.slow, ad, self.slow_k);
        }
        let first_output = self.fast_period.max(self.slow_period);
        if self.seen < first_output {
            self.seen += 1;
        }
        if self.seen == first_output {
            self.value = Some(self.fast - self.slow);
        }
    }

    /// The oscillator, from index `max(fast, slow) - 1` on.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.ad.reset();
        self.fast = 0.0;
        self.slow = 0.0;
        self.seen = 0;
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::{bars, flat};

    fn run(osc: &mut ChaikinOscillator, bars: &[Candle]) -> Vec<Option<f64>> {
        bars.iter()
            .map(|b| {
                osc.update(b);
                osc.value()
            })
            .collect()
    }

    const TALIB_2_3: [f64; 5] = [
        8.333333333333329,
        6.944444444444443,
        21.06481481481481,
        16.396604938271594,
        10.153034979423865,
    ];

    #[test]
    fn seeds_both_averages_with_the_first_ad_value() {
        // TA-Lib: ADOSC(fastperiod=2, slowperiod=3) on the shared bars. talib.EMA(AD, 2)
        // - talib.EMA(AD, 3), seeded with simple averages, gives 16.67, 11.11, ... instead.
        let mut osc = ChaikinOscillator::new(2, 3).expect("valid");
        let mut want = vec![None, None];
        want.extend(TALIB_2_3.map(Some));
        assert_eq!(run(&mut osc, &bars()), want);
    }

    #[test]
    fn swapped_periods_start_at_the_longer_one_and_negate() {
        // TA-Lib: ADOSC(fastperiod=3, slowperiod=2) is the negation of ADOSC(2, 3).
        let mut osc = ChaikinOscillator::new(3, 2).expect("valid");
        let mut want = vec![None, None];
        want.extend(TALIB_2_3.map(|x| Some(-x)));
        assert_eq!(run(&mut osc, &bars()), want);
    }

    #[test]
    fn flat_bars_and_zero_volume_give_zero() {
        let mut osc = ChaikinOscillator::new(3, 10).expect("valid");
        let out = run(&mut osc, &[flat(10.0, 0.0); 12]);
        assert_eq!(out[8], None);
        assert_eq!(out[9..], [Some(0.0); 3]);
    }

    #[test]
    fn reset_starts_over_and_bad_periods_are_refused() {
        let mut osc = ChaikinOscillator::new(2, 3).expect("valid");
        run(&mut osc, &bars());
        osc.reset();
        assert!(!osc.is_ready());
        assert_eq!(run(&mut osc, &bars())[2], Some(TALIB_2_3[0]));
        assert!(ChaikinOscillator::new(1, 10).is_err());
        assert!(ChaikinOscillator::new(3, 1).is_err());
        assert!(ChaikinOscillator::new(3, 100_001).is_err());
        assert!(ChaikinOscillator::new(2, 2).is_ok());
    }
}
