//! Relative volume and a volume-spike flag. Not in TA-Lib; our definition:
//!
//! - `ratio = volume / SMA(volume, period)` where the average is over the `period` bars
//!   *before* this one (a spike must not dilute its own baseline), so the first output
//!   is at index `period`;
//! - `spike = ratio > threshold` (strictly above);
//! - after a baseline of zero volume, a bar with volume has an infinite ratio (a spike)
//!   and a bar without has ratio 0 (zero volume is never a spike);
//! - a NaN volume gives a NaN ratio (not a spike), for this bar and while it is in the
//!   baseline window.

use crate::indicators::average::Sma;
use crate::indicators::{Candle, IndicatorError, checked_period};

/// One bar's volume against its recent average.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VolumeRatio {
    /// Volume divided by the average volume of the previous `period` bars.
    pub ratio: f64,
    /// Whether the ratio is above the threshold.
    pub spike: bool,
}

/// Relative volume with a spike threshold.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RelativeVolume {
    threshold: f64,
    baseline: Sma,
    value: Option<VolumeRatio>,
}

impl RelativeVolume {
    /// `period` from 1 to 100 000 bars of baseline; `threshold` a finite ratio above 0
    /// (2.0 flags bars with more than twice the usual volume).
    pub fn new(period: usize, threshold: f64) -> Result<Self, IndicatorError> {
        checked_period("relative_volume", "period", period, 1)?;
        if !(threshold.is_finite() && threshold > 0.0) {
            return Err(IndicatorError::new(
                "relative_volume",
                format!("threshold must be a finite ratio above 0, got {threshold}"),
            ));
        }
        Ok(Self {
            threshold,
            baseline: Sma::new(period),
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.baseline.period()
    }

    /// Adds one bar; O(1).
    pub fn update(&mut self, c: &Candle) {
        if let Some(average) = self.baseline.value() {
            let ratio = if average == 0.0 && c.volume == 0.0 {
                0.0
            } else {
                c.volume / average
            };
            self.value = Some(VolumeRatio {
                ratio,
                spike: ratio > self.threshold,
            });
        }
        self.baseline.update(c.volume);
    }

    /// The ratio and flag, from index `period` on.
    pub fn value(&self) -> Option<VolumeRatio> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.baseline.reset();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_volume(volume: f64) -> Candle {
        Candle {
            open: 10.0,
            high: 10.0,
            low: 10.0,
            close: 10.0,
            volume,
        }
    }

    fn run(rv: &mut RelativeVolume, volumes: &[f64]) -> Vec<Option<(f64, bool)>> {
        volumes
            .iter()
            .map(|&v| {
                rv.update(&with_volume(v));
                rv.value().map(|r| (r.ratio, r.spike))
            })
            .collect()
    }

    #[test]
    fn compares_with_the_previous_bars_only() {
        let mut rv = RelativeVolume::new(3, 2.0).expect("valid");
        let out = run(&mut rv, &[100.0, 200.0, 300.0, 400.0, 1200.0, 0.0]);
        // 400 / mean(100, 200, 300) = 2 is not above 2; 1200 / mean(200, 300, 400) = 4 is.
        assert_eq!(
            out,
            [
                None,
                None,
                None,
                Some((2.0, false)),
                Some((4.0, true)),
                Some((0.0, false))
            ]
        );
    }

    #[test]
    fn a_zero_baseline_makes_any_volume_a_spike() {
        let mut rv = RelativeVolume::new(2, 3.0).expect("valid");
        let out = run(&mut rv, &[0.0, 0.0, 0.0, 50.0, 0.0]);
        assert_eq!(
            out,
            [
                None,
                None,
                Some((0.0, false)),
                Some((f64::INFINITY, true)),
                Some((0.0, false))
            ]
        );
    }

    #[test]
    fn flat_volume_is_one_and_nan_stays_for_the_window() {
        let mut rv = RelativeVolume::new(2, 1.5).expect("valid");
        let out = run(&mut rv, &[7.0, 7.0, 7.0, f64::NAN, 7.0, 7.0, 7.0]);
        assert_eq!(out[2], Some((1.0, false)));
        assert!(
            out[3..6]
                .iter()
                .all(|r| r.is_some_and(|(x, s)| x.is_nan() && !s))
        );
        assert_eq!(out[6], Some((1.0, false)));
    }

    #[test]
    fn reset_starts_over_and_bad_parameters_are_refused() {
        let mut rv = RelativeVolume::new(1, 1.5).expect("valid");
        assert_eq!(run(&mut rv, &[10.0, 20.0]), [None, Some((2.0, true))]);
        rv.reset();
        assert!(!rv.is_ready());
        assert_eq!(run(&mut rv, &[10.0]), [None]);
        assert!(RelativeVolume::new(0, 2.0).is_err());
        assert!(RelativeVolume::new(3, 0.0).is_err());
        assert!(RelativeVolume::new(3, f64::NAN).is_err());
        assert!(RelativeVolume::new(3, f64::INFINITY).is_err());
    }
}
