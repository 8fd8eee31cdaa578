//! Inputs and checks the indicator tests share, kept in one place so that every family
//! quotes its TA-Lib reference values against the very same data.

use crate::indicators::Candle;

/// Wilder's example closes, the input of the close-based families' reference values.
pub(crate) const CLOSES: [f64; 20] = [
    44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61,
    46.28, 46.28, 46.00, 46.03, 46.41, 46.22, 45.64,
];

/// Seven bars whose TA-Lib outputs the volatility and volume tests quote.
pub(crate) fn bars() -> Vec<Candle> {
    let h = [10.0, 11.0, 12.0, 11.5, 12.5, 13.0, 12.0];
    let l = [9.0, 10.0, 10.5, 10.0, 11.0, 12.0, 11.0];
    let c = [9.5, 10.5, 11.5, 10.5, 12.0, 12.5, 11.5];
    let v = [100.0, 200.0, 150.0, 0.0, 300.0, 250.0, 100.0];
    (0..7)
        .map(|i| Candle {
            open: c[i],
            high: h[i],
            low: l[i],
            close: c[i],
            volume: v[i],
        })
        .collect()
}

/// A bar with no range at `price`.
pub(crate) fn flat(price: f64, volume: f64) -> Candle {
    Candle {
        open: price,
        high: price,
        low: price,
        close: price,
        volume,
    }
}

/// A bar with the given range and close (opening at the close, volume 1).
pub(crate) fn bar(high: f64, low: f64, close: f64) -> Candle {
    Candle {
        open: close,
        high,
        low,
        close,
        volume: 1.0,
    }
}

/// TA-Lib 0.8 arranges the Wilder step of ATR and NATR differently; agreement is to a
/// few ulps.
pub(crate) fn assert_close(got: &[Option<f64>], want: &[Option<f64>]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        match (g, w) {
            (Some(g), Some(w)) => assert!((g - w).abs() <= 1e-15 * w.abs(), "{g} vs {w}"),
            _ => assert_eq!(g, w),
        }
    }
}
