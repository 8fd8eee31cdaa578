//! Keltner channel. Not in TA-Lib; our definition is the common modern one (Linda
//! Raschke's, as charting platforms ship it):
//!
//! - middle = EMA(close, `ema_period`), TA-Lib's EMA (seeded with the simple average of
//!   the first `ema_period` closes);
//! - upper / lower = middle +- `multiplier` x ATR(`atr_period`), TA-Lib's ATR (Wilder's
//!   smoothing, first value at index `atr_period`);
//! - first output when both are ready: index `max(ema_period - 1, atr_period)`.
//!
//! The usual parameters are `(20, 10, 2.0)`. The older Chester Keltner version (a
//! 10-period SMA of the typical price with the average high-low range) is not this one.

use crate::indicators::average::Ema;
use crate::indicators::volatility::{Atr, Bands};
use crate::indicators::{Candle, IndicatorError, checked_period};

/// EMA of the close with ATR bands.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KeltnerChannel {
    multiplier: f64,
    ema: Ema,
    atr: Atr,
    value: Option<Bands>,
}

impl KeltnerChannel {
    /// `ema_period` and `atr_period` from 1 to 100 000; `multiplier` finite and not
    /// negative (a negative one would swap the bands).
    pub fn new(
        ema_period: usize,
        atr_period: usize,
        multiplier: f64,
    ) -> Result<Self, IndicatorError> {
        checked_period("keltner", "ema period", ema_period, 1)?;
        if !(multiplier.is_finite() && multiplier >= 0.0) {
            return Err(IndicatorError::new(
                "keltner",
                format!("multiplier must be finite and not negative, got {multiplier}"),
            ));
        }
        let ema = Ema::new(ema_period).map_err(|e| IndicatorError::new("keltner", e.message))?;
        let atr = Atr::new(atr_period)
            .map_err(|e| IndicatorError::new("keltner", format!("atr {}", e.message)))?;
        Ok(Self {
            multiplier,
            ema,
            atr,
            value: None,
        })
    }

    /// Adds one bar; O(1).
    pub fn update(&mut self, c: &Candle) {
        self.ema.update(c.close);
        self.atr.update(c);
        if let (Some(middle), Some(atr)) = (self.ema.value(), self.atr.value()) {
            let width = self.multiplier * atr;
            self.value = Some(Bands {
                upper: middle + width,
                middle,
                lower: middle - width,
            });
        }
    }

    /// The channel, from index `max(ema_period - 1, atr_period)` on.
    pub fn value(&self) -> Option<Bands> {
        self.value
    }

    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    pub fn reset(&mut self) {
        self.ema.reset();
        self.atr.reset();
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::test_support::bar;

    fn run(kc: &mut KeltnerChannel, bars: &[Candle]) -> Vec<Option<(f64, f64, f64)>> {
        bars.iter()
            .map(|b| {
                kc.update(b);
                kc.value().map(|v| (v.upper, v.middle, v.lower))
            })
            .collect()
    }

    // Closes 10, 12, 11, 13, 12; true ranges from bar 1: 3, 2, 3, 2.
    fn bars() -> [Candle; 5] {
        [
            bar(11.0, 9.0, 10.0),
            bar(13.0, 10.0, 12.0),
            bar(12.0, 10.0, 11.0),
            bar(14.0, 11.0, 13.0),
            bar(13.0, 11.0, 12.0),
        ]
    }

    #[test]
    fn ema_middle_with_atr_bands() {
        // EMA(3), k = 0.5: 11 at bar 2 (mean of 10, 12, 11), 12 at bar 3, 12 at bar 4.
        // ATR(2): 2.5 at bar 2 (mean of 3, 2), (2.5 + 3) / 2 = 2.75, (2.75 + 2) / 2 = 2.375.
        let mut kc = KeltnerChannel::new(3, 2, 2.0).expect("valid");
        assert_eq!(
            run(&mut kc, &bars()),
            [
                None,
                None,
                Some((16.0, 11.0, 6.0)),
                Some((17.5, 12.0, 6.5)),
                Some((16.75, 12.0, 7.25)),
            ]
        );
    }

    #[test]
    fn starts_when_the_slower_part_is_ready() {
        // ATR(3) first at bar 3 though EMA(2) is ready at bar 1.
        let mut kc = KeltnerChannel::new(2, 3, 1.0).expect("valid");
        let out = run(&mut kc, &bars());
        assert_eq!(out[..3], [None, None, None]);
        assert!(out[3].is_some());
        // EMA(5) first at bar 4 though ATR(1) is ready at bar 1.
        let mut kc = KeltnerChannel::new(5, 1, 1.0).expect("valid");
        let out = run(&mut kc, &bars());
        assert_eq!(out[3], None);
        // Mean close 11.6, true range 2.
        assert_eq!(out[4], Some((13.6, 11.6, 9.6)));
    }

    #[test]
    fn flat_bars_have_zero_width_and_reset_starts_over() {
        let mut kc = KeltnerChannel::new(20, 10, 2.0).expect("valid");
        let out = run(&mut kc, &[bar(50.25, 50.25, 50.25); 25]);
        assert_eq!(out[18], None);
        assert!(out[19..].iter().all(|b| *b == Some((50.25, 50.25, 50.25))));
        kc.reset();
        assert!(!kc.is_ready());
        assert_eq!(run(&mut kc, &[bar(1.0, 1.0, 1.0)]), [None]);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(KeltnerChannel::new(0, 10, 2.0).is_err());
        assert!(KeltnerChannel::new(20, 0, 2.0).is_err());
        assert!(KeltnerChannel::new(20, 10, -1.0).is_err());
        assert!(KeltnerChannel::new(20, 10, f64::NAN).is_err());
        assert!(KeltnerChannel::new(20, 10, 0.0).is_ok());
    }
}
