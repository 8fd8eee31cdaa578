//! Money flow index, as TA-Lib's `MFI`: each bar's money flow is its typical price
//! `(high + low + close) / 3` times its volume, counted as positive when the typical
//! price rose from the previous bar and negative when it fell; the index is
//! `100 * positive / (positive + negative)` over the last `period` flows. The first bar
//! has no flow, so the first output is at index `period`.
//!
//! Zero flow, as TA-Lib 0.8 defines it (older releases differ on both points):
//! - a typical price that moved by no more than 1e-14 of its magnitude did not move: the
//!   bar contributes nothing to either side (older releases counted any tiny move);
//! - a window without any flow (flat prices or zero volume throughout) gives 0, not NaN
//!   (older releases gave 0 whenever the total flow was below 1.0, wrong for small
//!   quotes).
//!
//! Both sums are exact rolling sums, so an empty window sums to exactly zero; TA-Lib's
//! running sums drift and need a separate count of empty bars to get the same answer.

use crate::indicators::oscillator::dead_zone::is_zero_relative;
use crate::indicators::rolling_sum::RollingSum;
use crate::indicators::{Candle, IndicatorError, checked_period};
use std::collections::VecDeque;

/// Money flow index.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Mfi {
    period: usize,
    previous_typical: Option<f64>,
    /// (positive, negative) flow of the last `period` bars.
    flows: VecDeque<(f64, f64)>,
    positive: RollingSum,
    negative: RollingSum,
    value: Option<f64>,
}

impl Mfi {
    /// TA-Lib accepts periods from 2 to 100000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        checked_period("mfi", "period", period, 2)?;
        Ok(Self {
            period,
            previous_typical: None,
            flows: VecDeque::with_capacity(period),
            positive: RollingSum::default(),
            negative: RollingSum::default(),
            value: None,
        })
    }

    /// Adds one bar; O(1).
    pub fn update(&mut self, c: &Candle) {
        let typical = (c.high + c.low + c.close) / 3.0;
        let Some(previous) = self.previous_typical.replace(typical) else {
            return;
        };
        let change = typical - previous;
        let flow = if is_zero_relative(change, typical.abs() + previous.abs()) {
            0.0
        } else {
            typical * c.volume
        };
        // As TA-Lib: anything that is not a fall (including NaN) goes to the positive side.
        let (up, down) = if change < 0.0 {
            (0.0, flow)
        } else {
            (flow, 0.0)
        };
        self.flows.push_back((up, down));
        self.positive.add(up);
        self.negative.add(down);
        if self.flows.len() < self.period {
            return;
        }
        let positive = self.positive.value();
        let total = positive + self.negative.value();
        self.value = Some(if total <= 0.0 {
            0.0
        } else {
            // TA-Lib clamps into [0, total] against its drifting sums; exact sums need
            // it only for negative volumes. Comparisons, not max/min, so NaN propagates.
            let clamped = if positive < 0.0 {
                0.0
            } else if positive > total {
                total
            } else {
                positive
            };
            100.0 * (clamped / total)
        });
        if let Some((up, down)) = self.flows.pop_front() {
            self.positive.remove(up);
            self.negative.remove(down);
        }
    }

    /// The index, from index `period` on.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.previous_typical = None;
        self.flows.clear();
        self.positive.clear();
        self.negative.clear();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(high: f64, low: f64, close: f64, volume: f64) -> Candle {
        Candle {
            open: close,
            high,
            low,
            close,
            volume,
        }
    }

    #[test]
    fn matches_talib_from_index_period() {
        // TA-Lib: MFI(h, l, c, v, timeperiod=3).
        let high = [
            10.5, 11.0, 11.2, 11.4, 11.8, 11.9, 11.6, 11.0, 10.8, 11.4, 11.4, 11.4,
        ];
        let low = [
            9.8, 10.2, 10.5, 10.4, 10.9, 11.0, 10.6, 10.1, 9.9, 10.1, 10.7, 11.0,
        ];
        let close = [
            10.4, 10.9, 10.6, 11.2, 11.5, 11.1, 10.7, 10.2, 10.6, 11.0, 11.3, 11.4,
        ];
        let volume = [
            1000.0, 1500.0, 1200.0, 1800.0, 2000.0, 1700.0, 1600.0, 1900.0, 2100.0, 1400.0, 1300.0,
            1100.0,
        ];
        let want = [
            100.0,
            100.0,
            68.85775862068965,
            38.24647729814359,
            0.0,
            0.0,
            43.34571782414024,
            100.0,
            100.0,
        ];
        let mut mfi = Mfi::new(3).expect("valid");
        for i in 0..high.len() {
            mfi.update(&bar(high[i], low[i], close[i], volume[i]));
            match i.checked_sub(3) {
                None => assert_eq!(mfi.value(), None),
                Some(j) => {
                    let got = mfi.value().expect("ready");
                    assert!((got - want[j]).abs() <= 1e-12 * want[j], "bar {i}: {got}");
                }
            }
        }
    }

    #[test]
    fn no_flow_gives_zero() {
        // TA-Lib: MFI is 0 on constant prices, and once the window holds only
        // zero-volume bars.
        let mut mfi = Mfi::new(3).expect("valid");
        for _ in 0..6 {
            mfi.update(&bar(5.0, 5.0, 5.0, 100.0));
        }
        assert_eq!(mfi.value(), Some(0.0));

        let mut mfi = Mfi::new(3).expect("valid");
        for (tp, volume) in [
            (10.0, 1000.0),
            (11.0, 1500.0),
            (12.0, 1200.0),
            (13.0, 1800.0),
        ] {
            mfi.update(&bar(tp, tp, tp, volume));
        }
        assert_eq!(mfi.value(), Some(100.0));
        for tp in [14.0, 15.0, 16.0] {
            mfi.update(&bar(tp, tp, tp, 0.0));
        }
        assert_eq!(mfi.value(), Some(0.0));
    }

    #[test]
    fn a_move_inside_the_dead_zone_is_no_move() {
        // TA-Lib: a typical price 100 ulp above 1e6 did not move (the band is 171 ulp),
        // so MFI([1e6, 1e6 + 100 ulp, ...], 2) is 0; 200 ulp is a rise, and gives 100.
        let ulp = f64::from_bits(1e6_f64.to_bits() + 1) - 1e6;
        for (steps, want) in [(100.0, 0.0), (200.0, 100.0)] {
            let mut mfi = Mfi::new(2).expect("valid");
            let up = 1e6 + steps * ulp;
            for tp in [1e6, 1e6, up] {
                mfi.update(&bar(tp, tp, tp, 1.0));
            }
            assert_eq!(mfi.value(), Some(want), "{steps} ulp");
        }
    }

    #[test]
    fn nan_propagates_while_in_the_window_and_reset_starts_over() {
        let mut mfi = Mfi::new(2).expect("valid");
        mfi.update(&bar(1.0, 1.0, 1.0, 1.0));
        mfi.update(&bar(2.0, 2.0, 2.0, f64::NAN));
        mfi.update(&bar(3.0, 3.0, 3.0, 1.0));
        assert!(mfi.value().is_some_and(f64::is_nan));
        mfi.update(&bar(2.0, 2.0, 2.0, 1.0));
        mfi.update(&bar(3.0, 3.0, 3.0, 1.0));
        // Flows: -2 (fall), +3 (rise): 100 * 3 / 5.
        assert_eq!(mfi.value(), Some(60.0));
        mfi.reset();
        assert!(!mfi.is_ready());
        mfi.update(&bar(3.0, 3.0, 3.0, 1.0));
        assert_eq!(mfi.value(), None);
    }

    #[test]
    fn refuses_periods_talib_refuses() {
        assert!(Mfi::new(1).is_err());
        assert!(Mfi::new(100_001).is_err());
    }
}
