//! Parabolic SAR (stop and reverse), as TA-Lib's `SAR`. Wilder left the start open, and
//! every library bootstraps it differently; TA-Lib's start, matched here:
//! - The first bar only provides an extreme: the first output is at index 1.
//! - The direction at bar 1 comes from the directional movement between bars 0 and 1:
//!   short if -DM (`low0 - low1`, when positive and larger than `high1 - high0`) is
//!   positive, long otherwise, so a tie or no movement starts long.
//! - Long starts with SAR = `low0` and extreme point `high1`; short with SAR = `high0`
//!   and extreme point `low1`. Bar 1 is then processed like any other bar, with itself
//!   standing in for the previous bar, so it may reverse at once.
//!
//! Each bar prints the SAR computed from the bars before it (reversing first if the bar
//! penetrates it), then moves the SAR towards the extreme point by the acceleration
//! factor, never into the range of the current or previous bar. The factor starts at
//! `acceleration`, grows by `acceleration` with each new extreme, up to `maximum`. As in
//! TA-Lib, an `acceleration` above `maximum` is lowered to `maximum` (both as the start
//! and the step). The step `sar + factor * (ep - sar)` is one fused multiply-add, rounded
//! once, as TA-Lib 0.8's build computes it; that reproduces it bit for bit.
//!
//! A NaN high or low makes every later output NaN until [`ParabolicSar::reset`].

use crate::indicators::{Candle, IndicatorError};

/// TA-Lib's largest accepted real parameter (`TA_REAL_MAX`).
const MAX_PARAMETER: f64 = 3e37;

/// Parabolic SAR.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ParabolicSar {
    acceleration: f64,
    maximum: f64,
    state: State,
    poisoned: bool,
    value: Option<f64>,
}

#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
enum State {
    Empty,
    /// The first bar, waiting for the second to set the direction.
    First {
        high: f64,
        low: f64,
    },
    Running {
        is_long: bool,
        /// The SAR the next bar will print (unless it reverses).
        sar: f64,
        extreme_point: f64,
        factor: f64,
        previous_high: f64,
        previous_low: f64,
    },
}

impl ParabolicSar {
    /// TA-Lib accepts `acceleration` and `maximum` from 0 to 3e37 (Wilder's are 0.02 and
    /// 0.2; TA-Lib has no default worth relying on).
    pub fn new(acceleration: f64, maximum: f64) -> Result<Self, IndicatorError> {
        for (name, x) in [("acceleration", acceleration), ("maximum", maximum)] {
            if !(0.0..=MAX_PARAMETER).contains(&x) {
                return Err(IndicatorError::new(
                    "sar",
                    format!("{name} must be between 0 and {MAX_PARAMETER:e}, got {x}"),
                ));
            }
        }
        Ok(Self {
            acceleration: acceleration.min(maximum),
            maximum,
            state: State::Empty,
            poisoned: false,
            value: None,
        })
    }

    /// Adds one bar; O(1).
    pub fn update(&mut self, c: &Candle) {
        let (high, low) = (c.high, c.low);
        // TA-Lib's comparisons would quietly skip a NaN bar; say so instead.
        self.poisoned |= high.is_nan() || low.is_nan();
        match self.state {
            State::Empty => self.state = State::First { high, low },
            State::First {
                high: first_high,
                low: first_low,
            } => {
                // TA-Lib's MINUS_DM over one bar picks the direction.
                let up = high - first_high;
                let down = first_low - low;
                let minus_dm = if down > 0.0 && down > up { down } else { 0.0 };
                let is_long = minus_dm <= 0.0;
                let (sar, extreme_point) = if is_long {
                    (first_low, high)
                } else {
                    (first_high, low)
                };
                self.state = State::Running {
                    is_long,
                    sar,
                    extreme_point,
                    factor: self.acceleration,
                    // The first step compares bar 1 with itself.
                    previous_high: high,
                    previous_low: low,
                };
                self.step(high, low);
            }
            State::Running { .. } => self.step(high, low),
        }
        if self.poisoned && self.value.is_some() {
            self.value = Some(f64::NAN);
        }
    }

    /// Prints the SAR for a bar and moves it for the next one; TA-Lib's loop body.
    fn step(&mut self, high: f64, low: f64) {
        let State::Running {
            mut is_long,
            mut sar,
            mut extreme_point,
            mut factor,
            previous_high,
            previous_low,
        } = self.state
        else {
            return;
        };
        let (acceleration, maximum) = (self.acceleration, self.maximum);
        let output;
        if is_long {
            if low <= sar {
                // Reverse to short at the extreme point, kept above both bars' highs.
                is_long = false;
                sar = extreme_point.max(previous_high).max(high);
                output = sar;
                factor = acceleration;
                extreme_point = low;
                sar = factor.mul_add(extreme_point - sar, sar);
                sar = sar.max(previous_high).max(high);
            } else {
                output = sar;
                if high > extreme_point {
                    extreme_point = high;
                    factor = (factor + acceleration).min(maximum);
                }
                sar = factor.mul_add(extreme_point - sar, sar);
                sar = sar.min(previous_low).min(low);
            }
        } else if high >= sar {
            // Reverse to long at the extreme point, kept below both bars' lows.
            is_long = true;
            sar = extreme_point.min(previous_low).min(low);
            output = sar;
            factor = acceleration;
            extreme_point = high;
            sar = factor.mul_add(extreme_point - sar, sar);
            sar = sar.min(previous_low).min(low);
        } else {
            output = sar;
            if low < extreme_point {
                extreme_point = low;
                factor = (factor + acceleration).min(maximum);
            }
            sar = factor.mul_add(extreme_point - sar, sar);
            sar = sar.max(previous_high).max(high);
        }
        self.value = Some(output);
        self.state = State::Running {
            is_long,
            sar,
            extreme_point,
            factor,
            previous_high: high,
            previous_low: low,
        };
    }

    /// The SAR for the latest bar, from index 1 on.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.state = State::Empty;
        self.poisoned = false;
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

    fn run(sar: &mut ParabolicSar, high: &[f64], low: &[f64]) -> Vec<Option<f64>> {
        high.iter()
            .zip(low)
            .map(|(&h, &l)| {
                sar.update(&bar(h, l));
                sar.value()
            })
            .collect()
    }

    const HIGH: [f64; 12] = [
        10.5, 11.0, 11.2, 11.4, 11.8, 11.9, 11.6, 11.0, 10.8, 11.4, 11.4, 11.4,
    ];
    const LOW: [f64; 12] = [
        9.8, 10.2, 10.5, 10.4, 10.9, 11.0, 10.6, 10.1, 9.9, 10.1, 10.7, 11.0,
    ];

    #[test]
    fn matches_talib_bit_for_bit() {
        // TA-Lib: SAR(h, l, acceleration=0.02, maximum=0.2) and (0.1, 0.2). Starts long (no
        // -DM between bars 0 and 1) at low0 = 9.8, reverses to short at bar 7.
        let want = [
            None,
            Some(9.8),
            Some(9.824),
            Some(9.87904),
            Some(9.9702976),
            Some(10.116673792),
            Some(10.295006412800001),
            Some(11.9),
            Some(11.864),
            Some(11.785440000000001),
            Some(11.710022400000001),
            Some(11.637621504000002),
        ];
        let mut sar = ParabolicSar::new(0.02, 0.2).expect("valid");
        assert_eq!(run(&mut sar, &HIGH, &LOW), want);

        let want = [
            None,
            Some(9.8),
            Some(9.92),
            Some(10.176),
            Some(10.4),
            Some(10.4),
            Some(11.9),
            Some(11.9),
            Some(11.6),
            Some(9.9),
            Some(9.9),
            Some(10.05),
        ];
        let mut sar = ParabolicSar::new(0.1, 0.2).expect("valid");
        assert_eq!(run(&mut sar, &HIGH, &LOW), want);
    }

    #[test]
    fn starts_short_on_a_larger_minus_dm() {
        // TA-Lib: SAR of these bars with (0.02, 0.2) starts short at high0 = 11.
        let high = [11.0, 10.5, 10.2, 10.4, 10.0, 9.6];
        let low = [10.5, 9.9, 9.7, 9.8, 9.3, 9.0];
        let mut sar = ParabolicSar::new(0.02, 0.2).expect("valid");
        let want = [
            None,
            Some(11.0),
            Some(10.978),
            Some(10.92688),
            Some(10.8778048),
            Some(10.783136512),
        ];
        assert_eq!(run(&mut sar, &high, &low), want);
    }

    #[test]
    fn flat_bars_reverse_every_bar() {
        // TA-Lib: with no movement the start is long at the low, which the next bar
        // touches, so the SAR flips between the high and the low: 5.5, 4.5, 5.5, ...
        let mut sar = ParabolicSar::new(0.02, 0.2).expect("valid");
        let out = run(&mut sar, &[5.5; 6], &[4.5; 6]);
        assert_eq!(
            out,
            vec![None, Some(5.5), Some(4.5), Some(5.5), Some(4.5), Some(5.5)]
        );
    }

    #[test]
    fn acceleration_above_maximum_is_lowered_to_it() {
        // TA-Lib: SAR(..., acceleration=0.3, maximum=0.2) == SAR(..., 0.2, 0.2).
        let mut above = ParabolicSar::new(0.3, 0.2).expect("valid");
        let mut equal = ParabolicSar::new(0.2, 0.2).expect("valid");
        let out = run(&mut above, &HIGH[..8], &LOW[..8]);
        assert_eq!(out, run(&mut equal, &HIGH[..8], &LOW[..8]));
        assert_eq!(out[2], Some(10.040000000000001));
    }

    #[test]
    fn nan_poisons_until_reset() {
        let mut sar = ParabolicSar::new(0.02, 0.2).expect("valid");
        run(&mut sar, &HIGH[..4], &LOW[..4]);
        sar.update(&bar(f64::NAN, 10.9));
        assert!(sar.value().is_some_and(f64::is_nan));
        run(&mut sar, &HIGH, &LOW);
        assert!(sar.value().is_some_and(f64::is_nan));
        sar.reset();
        assert!(!sar.is_ready());
        assert_eq!(
            run(&mut sar, &HIGH[..3], &LOW[..3]),
            vec![None, Some(9.8), Some(9.824)]
        );
    }

    #[test]
    fn refuses_parameters_talib_refuses() {
        assert!(ParabolicSar::new(-0.01, 0.2).is_err());
        assert!(ParabolicSar::new(0.02, -1.0).is_err());
        assert!(ParabolicSar::new(f64::NAN, 0.2).is_err());
        assert!(ParabolicSar::new(f64::INFINITY, 1.0).is_err());
        assert!(ParabolicSar::new(0.02, 3.1e37).is_err());
        assert!(ParabolicSar::new(0.0, 0.0).is_ok());
    }
}
