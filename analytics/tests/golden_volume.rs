//! OBV, accumulation/distribution and the Chaikin oscillator against TA-Lib (golden
//! files from `scripts/golden/talib_golden.py`, cases in
//! `scripts/golden/families/volume.py`). VWAP and relative volume are not in TA-Lib and
//! are tested in their own files.

mod common;

use common::*;
use finstream_analytics::indicators::Candle;
use finstream_analytics::indicators::volume::{
    AccumulationDistribution, ChaikinOscillator, OnBalanceVolume,
};

/// Feeds every golden bar to `step` and collects what it reports after each.
fn series(step: impl FnMut(&Candle) -> Option<f64>) -> Vec<Option<f64>> {
    bars().iter().map(step).collect()
}

#[test]
fn obv_matches_talib() {
    let mut obv = OnBalanceVolume::new();
    let got = series(|b| {
        obv.update(b);
        obv.value()
    });
    assert_column("obv", "value", &got, &golden("obv"));
}

#[test]
fn ad_matches_talib() {
    let mut ad = AccumulationDistribution::new();
    let got = series(|b| {
        ad.update(b);
        ad.value()
    });
    assert_column("ad", "value", &got, &golden("ad"));
}

#[test]
fn adosc_matches_talib() {
    for (fast, slow) in [(3, 10), (2, 5), (10, 3)] {
        let name = format!("adosc_{fast}_{slow}");
        let mut osc = ChaikinOscillator::new(fast, slow).expect("valid");
        let got = series(|b| {
            osc.update(b);
            osc.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}
