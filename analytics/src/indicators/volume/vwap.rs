//! Volume-weighted average price over a trading session. Not in TA-Lib; our definition:
//!
//! - price: each bar's typical price `(high + low + close) / 3`, weighted by its volume
//!   (bars carry no trades, so the typical price stands in for the bar's trade prices);
//!   a bar with no range uses its close, the same number without the rounding of the
//!   division by 3, so that flat prices give exactly that price;
//! - `vwap = sum(typical * volume) / sum(volume)` over the bars of the current session,
//!   kept as a running weighted mean (`vwap += (typical - vwap) * volume / total`), which
//!   stays exactly put while the price does;
//! - sessions: the caller says which bar opens a session (`new_session = true`), since
//!   only it knows the market's calendar and time zone; the first bar after `new` or
//!   `reset` always opens one. The average restarts at that bar, which is included.
//! - no output while the session has traded no volume (there is no price to weight), so
//!   the value is `None` at a session's start until a bar with volume arrives.
//!
//! A NaN price or volume makes the VWAP NaN until the next session.

use crate::indicators::Candle;

/// Session VWAP of the typical price.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Vwap {
    in_session: bool,
    volume: f64,
    value: Option<f64>,
}

impl Vwap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one bar, which opens a new session if `new_session`; O(1).
    pub fn update(&mut self, c: &Candle, new_session: bool) {
        if new_session || !self.in_session {
            self.in_session = true;
            self.volume = 0.0;
            self.value = None;
        }
        let typical = if c.high == c.low && c.low == c.close {
            c.close
        } else {
            (c.high + c.low + c.close) / 3.0
        };
        self.volume += c.volume;
        let weight = c.volume / self.volume;
        self.value = match self.value {
            Some(vwap) => Some(vwap + (typical - vwap) * weight),
            // The session's first volume: the weight is exactly 1 (or NaN).
            None if self.volume != 0.0 => Some(typical * weight),
            None => None,
        };
    }

    /// The session's VWAP, once the session has volume.
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
    fn weights_the_typical_price_and_restarts_each_session() {
        let mut vwap = Vwap::new();
        // Typical prices 10 and 11: (10 * 100 + 11 * 300) / 400 = 10.75.
        vwap.update(&bar(11.0, 9.0, 10.0, 100.0), false);
        assert_eq!(vwap.value(), Some(10.0));
        vwap.update(&bar(12.0, 10.0, 11.0, 300.0), false);
        assert_eq!(vwap.value(), Some(10.75));
        // Typical price (12 + 9 + 9) / 3 = 10, not the close.
        vwap.update(&bar(12.0, 9.0, 9.0, 400.0), false);
        assert_eq!(vwap.value(), Some(10.375));
        vwap.update(&bar(21.0, 19.0, 20.0, 50.0), true);
        assert_eq!(vwap.value(), Some(20.0));
    }

    #[test]
    fn the_running_mean_is_the_ratio_of_the_sums() {
        let mut vwap = Vwap::new();
        let (mut price_volume, mut volume) = (0.0, 0.0);
        for i in 0..500 {
            let close = 100.0 + ((i * 37) % 101) as f64 / 7.0;
            let b = bar(
                close + 0.5,
                close - 0.25,
                close,
                ((i * 13) % 50) as f64 * 100.0,
            );
            vwap.update(&b, false);
            price_volume += (b.high + b.low + b.close) / 3.0 * b.volume;
            volume += b.volume;
            if volume > 0.0 {
                let want = price_volume / volume;
                let got = vwap.value().expect("volume traded");
                assert!(
                    (got - want).abs() <= 1e-13 * want,
                    "bar {i}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn zero_volume_has_no_value_until_volume_trades() {
        let mut vwap = Vwap::new();
        vwap.update(&bar(11.0, 9.0, 10.0, 100.0), false);
        vwap.update(&bar(21.0, 19.0, 20.0, 0.0), true);
        assert_eq!(vwap.value(), None);
        assert!(!vwap.is_ready());
        vwap.update(&bar(31.0, 29.0, 30.0, 0.0), false);
        assert_eq!(vwap.value(), None);
        vwap.update(&bar(41.0, 39.0, 40.0, 5.0), false);
        assert_eq!(vwap.value(), Some(40.0));
        // Zero-volume bars inside a session leave it unchanged.
        vwap.update(&bar(51.0, 49.0, 50.0, 0.0), false);
        assert_eq!(vwap.value(), Some(40.0));
    }

    #[test]
    fn flat_bars_give_the_price_nan_lasts_the_session_and_reset_starts_over() {
        let mut vwap = Vwap::new();
        for _ in 0..5 {
            vwap.update(&bar(187.1234, 187.1234, 187.1234, 1000.0), false);
        }
        assert_eq!(vwap.value(), Some(187.1234));
        vwap.update(&bar(1.0, 1.0, 1.0, f64::NAN), false);
        vwap.update(&bar(1.0, 1.0, 1.0, 1.0), false);
        assert!(vwap.value().is_some_and(f64::is_nan));
        vwap.update(&bar(2.0, 2.0, 2.0, 1.0), true);
        assert_eq!(vwap.value(), Some(2.0));
        vwap.reset();
        assert!(!vwap.is_ready());
        // The first bar after a reset opens a session even when not flagged.
        vwap.update(&bar(3.0, 3.0, 3.0, 1.0), false);
        assert_eq!(vwap.value(), Some(3.0));
    }
}
