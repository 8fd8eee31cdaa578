//! Moving averages against TA-Lib (golden files from `scripts/golden/talib_golden.py`).

mod common;

use common::*;
use finstream_analytics::indicators::average::{Dema, Kama, Sma, Tema, Wma};

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

/// Feeds every golden close to `update` and collects `value` after each.
fn over_closes(mut step: impl FnMut(f64) -> Option<f64>) -> Vec<Option<f64>> {
    bars().iter().map(|b| step(b.close)).collect()
}

#[test]
fn wma_matches_talib() {
    for period in [10, 2] {
        let name = format!("wma_{period}");
        let mut wma = Wma::new(period).expect("valid");
        let got = over_closes(|x| {
            wma.update(x);
            wma.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}

#[test]
fn dema_matches_talib() {
    for period in [10, 2] {
        let name = format!("dema_{period}");
        let mut dema = Dema::new(period).expect("valid");
        let got = over_closes(|x| {
            dema.update(x);
            dema.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}

#[test]
fn tema_matches_talib() {
    for period in [10, 2] {
        let name = format!("tema_{period}");
        let mut tema = Tema::new(period).expect("valid");
        let got = over_closes(|x| {
            tema.update(x);
            tema.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}

#[test]
fn kama_matches_talib() {
    for period in [10, 2] {
        let name = format!("kama_{period}");
        let mut kama = Kama::new(period).expect("valid");
        let got = over_closes(|x| {
            kama.update(x);
            kama.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}
