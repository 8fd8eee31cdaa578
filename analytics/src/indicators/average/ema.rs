//! Exponential moving average, as TA-Lib's `EMA`: smoothing `k = 2 / (period + 1)`, seeded
//! with the simple average of the first `period` inputs, so the first output is at index
//! `period - 1` (other libraries seed with the first input and differ early on).

use crate::indicators::IndicatorError;

/// Exponential moving average.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Ema {
    period: usize,
    k: f64,
    seen: usize,
    seed_sum: f64,
    value: Option<f64>,
}

impl Ema {
    /// TA-Lib accepts periods from 2; a period of 1 is the input itself and is allowed.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        if period == 0 {
            return Err(IndicatorError::new("ema", "period must be at least 1"));
        }
        Ok(Self::with_k(period, 2.0 / (period as f64 + 1.0)))
    }

    /// An EMA with an explicit smoothing factor (Wilder's uses `1 / period`).
    pub fn with_k(period: usize, k: f64) -> Self {
        Self {
            period: period.max(1),
            k,
            seen: 0,
            seed_sum: 0.0,
            value: None,
        }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds one input; O(1).
    pub fn update(&mut self, x: f64) {
        match self.value {
            Some(prev) => self.value = Some((x - prev) * self.k + prev),
            None => {
                self.seen += 1;
                self.seed_sum += x;
                if self.seen == self.period {
                    self.value = Some(self.seed_sum / self.period as f64);
                }
            }
        }
    }

    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.seen = 0;
        self.seed_sum = 0.0;
        self.value = None;
    }
}

/// `N` EMAs of one period in series, each fed the outputs of the one before from its
/// first output on: the cascade DEMA, TEMA and TRIX are built from, kept in one place so
/// their start indices and seeds cannot drift apart.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct EmaChain<const N: usize> {
    #[serde(with = "crate::checkpoint::array")]
    emas: [Ema; N],
}

impl<const N: usize> EmaChain<N> {
    pub(crate) fn new(period: usize) -> Result<Self, IndicatorError> {
        let ema = Ema::new(period)?;
        Ok(Self {
            emas: std::array::from_fn(|_| ema.clone()),
        })
    }

    /// Adds one input; O(N). Returns every EMA's latest value, first to last, once the
    /// last EMA has one.
    pub(crate) fn update(&mut self, x: f64) -> Option<[f64; N]> {
        let mut values = [0.0; N];
        let mut input = x;
        for (ema, value) in self.emas.iter_mut().zip(&mut values) {
            ema.update(input);
            input = ema.value()?;
            *value = input;
        }
        Some(values)
    }

    pub(crate) fn reset(&mut self) {
        for ema in &mut self.emas {
            ema.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_with_the_simple_average_then_smooths() {
        // TA-Lib: EMA([1,2,3,4,5], 3) = [nan, nan, 2.0, 3.0, 4.0] (k = 0.5).
        let mut ema = Ema::new(3).expect("valid");
        let out: Vec<Option<f64>> = [1.0, 2.0, 3.0, 4.0, 5.0]
            .iter()
            .map(|&x| {
                ema.update(x);
                ema.value()
            })
            .collect();
        assert_eq!(out, vec![None, None, Some(2.0), Some(3.0), Some(4.0)]);
        ema.reset();
        assert!(!ema.is_ready());
        assert!(Ema::new(0).is_err());
    }
}
