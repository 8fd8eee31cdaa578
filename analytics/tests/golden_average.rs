//! Moving averages against TA-Lib (golden files from `scripts/golden/talib_golden.py`).

mod common;

use common::*;
use finstream_analytics::indicators::average::Sma;

#[test]
fn sma_matches_talib() {
    for period in [20, 2] {
        let name = format!("sma_{period}");
        let mut sma = Sma::new(period);
        let got: Vec<Option<f64>> = bars()
            .iter()
            .map(|b| {
                sma.update(b.close);
                sma.value()
            })
            .collect();
        assert_column(&name, "value", &got, &golden(&name));
    }
}

#[test]
fn ema_matches_talib() {
    let mut ema = finstream_analytics::indicators::average::Ema::new(10).expect("valid");
    let got: Vec<Option<f64>> = bars()
        .iter()
        .map(|b| {
            ema.update(b.close);
            ema.value()
        })
        .collect();
    assert_column("ema_10", "value", &got, &golden("ema_10"));
}
