//! Trend indicators against TA-Lib (golden files from `scripts/golden/talib_golden.py`).

mod common;

use common::*;
use finstream_analytics::indicators::trend::{Adx, ParabolicSar};

#[test]
fn adx_and_directional_indicators_match_talib_with_their_own_start_indices() {
    for period in [14, 5, 2] {
        let name = format!("adx_{period}");
        let mut adx = Adx::new(period).expect("valid");
        let (mut lines, mut plus, mut minus) = (Vec::new(), Vec::new(), Vec::new());
        for b in bars() {
            adx.update(&b);
            lines.push(adx.adx());
            plus.push(adx.plus_di());
            minus.push(adx.minus_di());
            assert_eq!(adx.is_ready(), adx.value().is_some());
        }
        let want = golden(&name);
        assert_column(&name, "adx", &lines, &want);
        assert_column(&name, "plus_di", &plus, &want);
        assert_column(&name, "minus_di", &minus, &want);
    }
}

#[test]
fn parabolic_sar_matches_talib() {
    for (acceleration, maximum) in [(0.02, 0.2), (0.1, 0.3), (0.3, 0.2)] {
        let name = format!("sar_{acceleration}_{maximum}");
        let mut sar = ParabolicSar::new(acceleration, maximum).expect("valid");
        let got: Vec<Option<f64>> = bars()
            .iter()
            .map(|b| {
                sar.update(b);
                sar.value()
            })
            .collect();
        assert_column(&name, "value", &got, &golden(&name));
    }
}
