//! On-balance volume, as TA-Lib's `OBV`: a running total that adds the bar's volume when
//! the close rises, subtracts it when the close falls and keeps it when the close is
//! unchanged. TA-Lib starts the total at the first bar's volume (not at 0), so the first
//! output is at index 0 and equals `volume[0]`.

use crate::indicators::Candle;

/// On-balance volume.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct OnBalanceVolume {
    prev_close: Option<f64>,
    value: Option<f64>,
}

impl OnBalanceVolume {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one bar; O(1). A NaN close moves nothing (its comparisons are false), a NaN
    /// volume makes the total NaN until `reset`, as in TA-Lib.
    pub fn update(&mut self, c: &Candle) {
        self.value = Some(match (self.value, self.prev_close) {
            (Some(total), Some(prev)) if c.close > prev => total + c.volume,
            (Some(total), Some(prev)) if c.close < prev => total - c.volume,
            (Some(total), _) => total,
            (None, _) => c.volume,
        });
        self.prev_close = Some(c.close);
    }

    /// The running total, from the first bar on.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::{bars, flat};

    fn run(obv: &mut OnBalanceVolume, bars: &[Candle]) -> Vec<Option<f64>> {
        bars.iter()
            .map(|b| {
                obv.update(b);
                obv.value()
            })
            .collect()
    }

    #[test]
    fn starts_at_the_first_volume() {
        // TA-Lib: OBV = [100, 300, 450, 450, 750, 1000, 900] on the shared bars.
        let mut obv = OnBalanceVolume::new();
        let want = [100.0, 300.0, 450.0, 450.0, 750.0, 1000.0, 900.0].map(Some);
        assert_eq!(run(&mut obv, &bars()), want);
    }

    #[test]
    fn flat_closes_and_zero_volume_keep_the_total() {
        let mut obv = OnBalanceVolume::new();
        let out = run(
            &mut obv,
            &[
                flat(5.0, 10.0),
                flat(5.0, 20.0),
                flat(6.0, 0.0),
                flat(4.0, 3.0),
            ],
        );
        assert_eq!(out, [Some(10.0), Some(10.0), Some(10.0), Some(7.0)]);
    }

    #[test]
    fn nan_close_moves_nothing_and_reset_starts_over() {
        let mut obv = OnBalanceVolume::new();
        let out = run(
            &mut obv,
            &[
                flat(5.0, 10.0),
                flat(f64::NAN, 20.0),
                flat(6.0, 5.0),
                flat(7.0, 1.0),
            ],
        );
        assert_eq!(out, [Some(10.0), Some(10.0), Some(10.0), Some(11.0)]);
        obv.reset();
        assert!(!obv.is_ready());
        assert_eq!(run(&mut obv, &[flat(1.0, 2.0)]), [Some(2.0)]);
    }
}
