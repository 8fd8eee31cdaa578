//! Chaikin accumulation/distribution line, as TA-Lib's `AD`: a running total of each
//! bar's money-flow volume, `((close - low) - (high - close)) / (high - low) * volume`.
//! A bar with no range (high = low) adds 0. Starts at 0 before the first bar, so the
//! first output is at index 0.

use crate::indicators::Candle;

/// Accumulation/distribution line.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AccumulationDistribution {
    total: f64,
    value: Option<f64>,
}

/// One bar's money-flow volume in TA-Lib's operation order (so the totals agree bit for
/// bit); `range > 0` is false for a zero or NaN range, and both add nothing, as in
/// TA-Lib.
fn money_flow_volume(c: &Candle) -> f64 {
    let range = c.high - c.low;
    if range > 0.0 {
        (((c.close - c.low) - (c.high - c.close)) / range) * c.volume
    } else {
        0.0
    }
}

impl AccumulationDistribution {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one bar; O(1). A NaN close or volume on a bar with a range makes the line
    /// NaN until `reset`, as in TA-Lib.
    pub fn update(&mut self, c: &Candle) {
        self.total += money_flow_volume(c);
        self.value = Some(self.total);
    }

    /// The line, from the first bar on.
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

    fn run(ad: &mut AccumulationDistribution, bars: &[Candle]) -> Vec<Option<f64>> {
        bars.iter()
            .map(|b| {
                ad.update(b);
                ad.value()
            })
            .collect()
    }

    #[test]
    fn accumulates_money_flow_volume() {
        // TA-Lib: AD = [0, 0, 50, 50, 150, 150, 150] on the shared bars.
        let mut ad = AccumulationDistribution::new();
        let want = [0.0, 0.0, 50.0, 50.0, 150.0, 150.0, 150.0].map(Some);
        assert_eq!(run(&mut ad, &bars()), want);
    }

    #[test]
    fn close_at_the_extremes_moves_by_the_whole_volume() {
        let up = Candle {
            open: 1.0,
            high: 2.0,
            low: 1.0,
            close: 2.0,
            volume: 30.0,
        };
        let down = Candle { close: 1.0, ..up };
        let mut ad = AccumulationDistribution::new();
        assert_eq!(
            run(&mut ad, &[up, down, down]),
            [Some(30.0), Some(0.0), Some(-30.0)]
        );
    }

    #[test]
    fn zero_range_and_zero_volume_add_nothing_and_reset_starts_over() {
        let mut ad = AccumulationDistribution::new();
        let mut bars = bars();
        bars.push(flat(12.0, 500.0));
        bars.push(flat(f64::NAN, 500.0));
        assert_eq!(run(&mut ad, &bars)[7..], [Some(150.0), Some(150.0)]);
        ad.reset();
        assert!(!ad.is_ready());
        assert_eq!(run(&mut ad, &[flat(1.0, 1.0)]), [Some(0.0)]);
    }
}
