//! Momentum indicators against TA-Lib (golden files from `scripts/golden/talib_golden.py`).

mod common;

use common::*;
use finstream_analytics::indicators::momentum::{
    Cmo, Macd, MacdValue, Mom, Ppo, Roc, Rsi, StochRsi, StochRsiValue, Trix,
};

/// Feeds every golden close to `update` and collects `value` after each.
fn closes<T>(mut update: impl FnMut(f64) -> Option<T>) -> Vec<Option<T>> {
    bars().iter().map(|b| update(b.close)).collect()
}

fn field<T: Copy>(values: &[Option<T>], f: impl Fn(T) -> f64) -> Vec<Option<f64>> {
    values.iter().map(|v| v.map(&f)).collect()
}

/// Like [`assert_column`], but also accepting an absolute difference up to `floor`.
///
/// For outputs built on simple averages (PPO, STOCHRSI's `d`): TA-Lib keeps each window's
/// sum as a running total whose rounding drift (up to 3e-13 on these bars) shows as noise
/// where the true value is 0 or tiny: PPO prints -1.7e-14 on a flat stretch, `d` prints
/// ~1e-14 where `k` was 0 for a whole window, and PPO is off by 1.2e-9 relative at row
/// 1379 (exact 1.53205038094e-4; ours is within 3e-12 of it). Our sums are exact
/// ([`finstream_analytics::indicators::rolling_sum::RollingSum`]), so relative agreement
/// alone cannot hold there; `floor` stays 30 times above the drift we measured.
fn assert_column_with_floor(
    name: &str,
    column: &str,
    got: &[Option<f64>],
    want: &Golden,
    floor: f64,
) {
    let idx = want
        .columns
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("{name}: no column {column}"));
    let clamped: Vec<Option<f64>> = got
        .iter()
        .zip(&want.rows)
        .map(|(g, w)| match (g, w[idx]) {
            (Some(g), Some(w)) if (g - w).abs() <= floor => Some(w),
            _ => *g,
        })
        .collect();
    assert_column(name, column, &clamped, want);
}

#[test]
fn rsi_matches_talib() {
    for period in [14, 2] {
        let name = format!("rsi_{period}");
        let mut rsi = Rsi::new(period).expect("valid");
        let got = closes(|x| {
            rsi.update(x);
            rsi.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}

#[test]
fn cmo_matches_talib() {
    for period in [14, 3] {
        let name = format!("cmo_{period}");
        let mut cmo = Cmo::new(period).expect("valid");
        let got = closes(|x| {
            cmo.update(x);
            cmo.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}

#[test]
fn mom_and_roc_match_talib() {
    for period in [10, 1] {
        let name = format!("mom_{period}");
        let mut mom = Mom::new(period).expect("valid");
        let got = closes(|x| {
            mom.update(x);
            mom.value()
        });
        assert_column(&name, "value", &got, &golden(&name));

        let name = format!("roc_{period}");
        let mut roc = Roc::new(period).expect("valid");
        let got = closes(|x| {
            roc.update(x);
            roc.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}

#[test]
fn trix_matches_talib() {
    for period in [30, 2] {
        let name = format!("trix_{period}");
        let mut trix = Trix::new(period).expect("valid");
        let got = closes(|x| {
            trix.update(x);
            trix.value()
        });
        assert_column(&name, "value", &got, &golden(&name));
    }
}

#[test]
fn macd_matches_talib() {
    for (fast, slow, signal) in [(12, 26, 9), (3, 5, 2)] {
        let name = format!("macd_{fast}_{slow}_{signal}");
        let want = golden(&name);
        let mut macd = Macd::new(fast, slow, signal).expect("valid");
        let got = closes(|x| {
            macd.update(x);
            macd.value()
        });
        assert_column(&name, "macd", &field(&got, |v: MacdValue| v.macd), &want);
        assert_column(
            &name,
            "signal",
            &field(&got, |v: MacdValue| v.signal),
            &want,
        );
        assert_column(&name, "hist", &field(&got, |v: MacdValue| v.hist), &want);
    }
}

#[test]
fn ppo_matches_talib() {
    for (fast, slow) in [(12, 26), (2, 3)] {
        let name = format!("ppo_{fast}_{slow}");
        let mut ppo = Ppo::new(fast, slow).expect("valid");
        let got = closes(|x| {
            ppo.update(x);
            ppo.value()
        });
        assert_column_with_floor(&name, "value", &got, &golden(&name), 1e-11);
    }
}

#[test]
fn stochrsi_matches_talib() {
    for (period, fastk, fastd) in [(14, 5, 3), (5, 3, 2)] {
        let name = format!("stochrsi_{period}_{fastk}_{fastd}");
        let want = golden(&name);
        let mut s = StochRsi::new(period, fastk, fastd).expect("valid");
        let got = closes(|x| {
            s.update(x);
            s.value()
        });
        assert_column(&name, "k", &field(&got, |v: StochRsiValue| v.k), &want);
        let d = field(&got, |v: StochRsiValue| v.d);
        assert_column_with_floor(&name, "d", &d, &want, 1e-11);
    }
}
