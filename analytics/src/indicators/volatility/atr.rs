//! Average true range, as TA-Lib's `ATR`: Wilder's smoothing of the true range. The
//! true range starts at index 1, so the seed is the plain mean of `TR[1..=period]` and
//! the first output is at index `period`; after that
//! `atr = (atr * (period - 1) + tr) / period`.
//!
//! TA-Lib 0.8 rearranges that step for speed (a fused multiply-add over `1 / period`);
//! the two agree to a few ulps (about 1e-15 relative on the golden bars), and the
//! classic form kept here is the more accurate at long periods. A NaN true range stays in
//! the average for good, as in TA-Lib; `reset` starts over.

use super::true_range::TrueRange;
use crate::indicators::{Candle, IndicatorError, checked_period};

/// Average true range with Wilder's smoothing.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Atr {
    period: usize,
    true_range: TrueRange,
    seen: usize,
    seed_sum: f64,
    value: Option<f64>,
}

impl Atr {
    /// TA-Lib accepts periods from 1 (the true range itself) to 100 000.
    pub fn new(period: usize) -> Result<Self, IndicatorError> {
        checked_period("atr", "period", period, 1)?;
        Ok(Self {
            period,
            true_range: TrueRange::new(),
            seen: 0,
            seed_sum: 0.0,
            value: None,
        })
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds one bar; O(1).
    pub fn update(&mut self, c: &Candle) {
        self.true_range.update(c);
        let Some(tr) = self.true_range.value() else {
            return;
        };
        let n = self.period as f64;
        match self.value {
            Some(prev) => self.value = Some((prev * (n - 1.0) + tr) / n),
            None => {
                // A plain running sum, in input order, as TA-Lib's SMA seed adds them.
                self.seen += 1;
                self.seed_sum += tr;
                if self.seen == self.period {
                    self.value = Some(self.seed_sum / n);
                }
            }
        }
    }

    /// The latest true range, from the second bar on (what NATR(1) reports).
    pub(crate) fn true_range(&self) -> Option<f64> {
        self.true_range.value()
    }

    /// The average, from index `period` on.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.true_range.reset();
        self.seen = 0;
        self.seed_sum = 0.0;
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::{assert_close, bars, flat};

    fn run(atr: &mut Atr, bars: &[Candle]) -> Vec<Option<f64>> {
        bars.iter()
            .map(|b| {
                atr.update(b);
                atr.value()
            })
            .collect()
    }

    #[test]
    fn seeds_with_the_mean_of_the_first_true_ranges_then_smooths() {
        // TA-Lib: ATR(timeperiod=3) on the shared bars.
        let mut atr = Atr::new(3).expect("valid");
        let want = [
            None,
            None,
            None,
            Some(1.5),
            Some(1.6666666666666667),
            Some(1.4444444444444444),
            Some(1.4629629629629628),
        ];
        assert_close(&run(&mut atr, &bars()), &want);
    }

    #[test]
    fn period_one_is_the_true_range() {
        let mut atr = Atr::new(1).expect("valid");
        let want = [
            None,
            Some(1.5),
            Some(1.5),
            Some(1.5),
            Some(2.0),
            Some(1.0),
            Some(1.5),
        ];
        assert_eq!(run(&mut atr, &bars()), want);
    }

    #[test]
    fn flat_input_gives_zero_and_nan_stays() {
        let mut atr = Atr::new(2).expect("valid");
        let out = run(&mut atr, &[flat(5.0, 0.0); 6]);
        assert_eq!(out[1], None);
        assert!(out[2..].iter().all(|v| *v == Some(0.0)));
        atr.update(&flat(f64::NAN, 0.0));
        atr.update(&flat(5.0, 0.0));
        assert!(atr.value().is_some_and(f64::is_nan));
    }

    #[test]
    fn reset_starts_over_and_bad_periods_are_refused() {
        let mut atr = Atr::new(3).expect("valid");
        run(&mut atr, &bars());
        atr.reset();
        assert!(!atr.is_ready());
        assert_eq!(run(&mut atr, &bars())[3], Some(1.5));
        assert!(Atr::new(0).is_err());
        assert!(Atr::new(100_001).is_err());
        assert!(Atr::new(100_000).is_ok());
    }
}
