//! True range, ATR, NATR and Bollinger bands against TA-Lib (golden files from
//! `scripts/golden/talib_golden.py`, cases in `scripts/golden/families/volatility.py`).

mod common;

use common::*;
use finstream_analytics::indicators::Candle;
use finstream_analytics::indicators::volatility::{Atr, Bands, BollingerBands, Natr, TrueRange};

/// Feeds every golden bar to `step` and collects what it reports after each.
fn series<T>(step: impl FnMut(&Candle) -> Option<T>) -> Vec<Option<T>> {
    bars().iter().map(step).collect()
}

#[test]
fn trange_matches_talib() {
    let mut tr = TrueRange::new();
    let got = series(|b| {
        tr.update(b);
        tr.value()
    });
    assert_column("trange", "value", &got, &golden("trange"));
}

#[test]
fn atr_matches_talib() {
    for period in [14, 2, 1] {
        let name = format!("atr_{period}");
        let mut atr = Atr::new(period).expect("valid");
        let got = series(|b| {
            atr.update(b);
            atr.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}

#[test]
fn natr_matches_talib() {
    for period in [14, 2, 1] {
        let name = format!("natr_{period}");
        let mut natr = Natr::new(period).expect("valid");
        let got = series(|b| {
            natr.update(b);
            natr.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}

#[test]
fn bbands_match_talib() {
    for (name, period, up, dn) in [
        ("bbands_20_2_2", 20, 2.0, 2.0),
        ("bbands_5_1_3", 5, 1.0, 3.0),
        ("bbands_2_1.5_2.5", 2, 1.5, 2.5),
    ] {
        let mut bb = BollingerBands::new(period, up, dn).expect("valid");
        let got: Vec<Option<Bands>> = series(|b| {
            bb.update(b.close);
            bb.value()
        });
        let want = golden(name);
        let column =
            |f: fn(&Bands) -> f64| got.iter().map(|v| v.as_ref().map(f)).collect::<Vec<_>>();
        assert_column(name, "upper", &column(|b| b.upper), &want);
        assert_column(name, "middle", &column(|b| b.middle), &want);
        assert_column(name, "lower", &column(|b| b.lower), &want);
    }
}
