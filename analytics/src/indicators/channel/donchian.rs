//! Donchian channel. Not in TA-Lib (its `MAX` and `MIN` give the two edges); our
//! definition:
//!
//! - upper = the highest high of the last `period` bars, this bar included;
//! - lower = the lowest low of the same bars;
//! - middle = `(upper + lower) / 2`;
//! - first output at index `period - 1`, as TA-Lib's `MAX`/`MIN` of the same period.
//!
//! The extremes come from [`RollingExtreme`] (monotonic deques, O(1) amortised per bar),
//! the same windows STOCH, WILLR and AROON read. A NaN high or low makes all three bands
//! NaN while its bar is in the window (a comparison with NaN cannot tell which extreme it
//! is).

use crate::indicators::rolling_extreme::{Extreme, RollingExtreme};
use crate::indicators::volatility::Bands;
use crate::indicators::{Candle, IndicatorError, checked_period};

/// Highest high and lowest low over a fixed window.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DonchianChannel {
    period: usize,
    highs: RollingExtreme,
    lows: RollingExtreme,
    value: Option<Bands>,
}

impl DonchianChannel {
    /// A channel over `period` bars, from 1 to 100 000 (TA-Lib's range for `MAX`).
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        checked_period("donchian", "period", period, 1)?;
        Ok(Self {
            period,
            highs: RollingExtreme::new(Extreme::Highest, period),
            lows: RollingExtreme::new(Extreme::Lowest, period),
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds one bar; O(1) amortised.
    pub fn update(&mut self, c: &Candle) {
        // A NaN on either side poisons both edges for as long as its bar is in the
        // window, so push NaN to both rather than the half that is a number.
        let (high, low) = if c.high.is_nan() || c.low.is_nan() {
            (f64::NAN, f64::NAN)
        } else {
            (c.high, c.low)
        };
        self.highs.push(high);
        self.lows.push(low);
        if !self.highs.is_full() {
            return;
        }
        self.value = match (self.highs.extreme(), self.lows.extreme()) {
            (Some((upper, _)), Some((lower, _))) if !upper.is_nan() && !lower.is_nan() => {
                Some(Bands {
                    upper,
                    middle: (upper + lower) / 2.0,
                    lower,
                })
            }
            _ => Some(Bands {
                upper: f64::NAN,
                middle: f64::NAN,
                lower: f64::NAN,
            }),
        };
    }

    /// The channel, from index `period - 1` on.
    pub fn value(&self) -> Option<Bands> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.highs.clear();
        self.lows.clear();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(high: f64, low: f64) -> Candle {
        Candle {
            open: low,
            high,
            low,
            close: high,
            volume: 1.0,
        }
    }

    fn run(dc: &mut DonchianChannel, bars: &[Candle]) -> Vec<Option<(f64, f64, f64)>> {
        bars.iter()
            .map(|b| {
                dc.update(b);
                dc.value().map(|v| (v.upper, v.middle, v.lower))
            })
            .collect()
    }

    #[test]
    fn tracks_the_extremes_of_the_window() {
        let mut dc = DonchianChannel::new(3).expect("valid");
        let bars = [
            bar(10.0, 8.0),
            bar(12.0, 9.0),
            bar(11.0, 7.0),
            bar(9.0, 8.5),
            bar(9.5, 9.0),
            bar(8.0, 6.0),
        ];
        assert_eq!(
            run(&mut dc, &bars),
            [
                None,
                None,
                Some((12.0, 9.5, 7.0)),
                Some((12.0, 9.5, 7.0)),
                // The 12 high and 7 low have left the window.
                Some((11.0, 9.0, 7.0)),
                Some((9.5, 7.75, 6.0)),
            ]
        );
    }

    #[test]
    fn agrees_with_a_brute_force_window_on_a_long_series() {
        let period = 7;
        let mut dc = DonchianChannel::new(period).expect("valid");
        let bars: Vec<Candle> = (0..500)
            .map(|i| {
                let mid = 100.0 + ((i * 37) % 23) as f64 - ((i * 11) % 7) as f64;
                bar(mid + ((i * 5) % 3) as f64, mid - ((i * 3) % 4) as f64)
            })
            .collect();
        for (i, got) in run(&mut dc, &bars).into_iter().enumerate() {
            if i + 1 < period {
                assert_eq!(got, None);
                continue;
            }
            let window = &bars[i + 1 - period..=i];
            let upper = window.iter().map(|b| b.high).fold(f64::MIN, f64::max);
            let lower = window.iter().map(|b| b.low).fold(f64::MAX, f64::min);
            assert_eq!(got, Some((upper, (upper + lower) / 2.0, lower)), "bar {i}");
        }
    }

    #[test]
    fn flat_bars_and_period_one() {
        let mut dc = DonchianChannel::new(4).expect("valid");
        let out = run(&mut dc, &[bar(5.0, 5.0); 6]);
        assert_eq!(out[3..], [Some((5.0, 5.0, 5.0)); 3]);
        let mut dc = DonchianChannel::new(1).expect("valid");
        assert_eq!(run(&mut dc, &[bar(3.0, 1.0)]), [Some((3.0, 2.0, 1.0))]);
    }

    #[test]
    fn nan_makes_nan_while_in_the_window_and_reset_starts_over() {
        let mut dc = DonchianChannel::new(2).expect("valid");
        let out = run(
            &mut dc,
            &[
                bar(5.0, 4.0),
                bar(f64::NAN, 4.0),
                bar(6.0, 3.0),
                bar(7.0, 5.0),
            ],
        );
        assert!(out[1].is_some_and(|(u, m, l)| u.is_nan() && m.is_nan() && l.is_nan()));
        assert!(out[2].is_some_and(|(u, _, _)| u.is_nan()));
        assert_eq!(out[3], Some((7.0, 5.0, 3.0)));
        dc.reset();
        assert!(!dc.is_ready());
        assert_eq!(run(&mut dc, &[bar(1.0, 0.0)]), [None]);
        assert!(DonchianChannel::new(0).is_err());
        assert!(DonchianChannel::new(100_001).is_err());
    }
}
