//! Reading the golden files: `golden/bars.csv` (the input every script feeds to TA-Lib)
//! and `golden/talib/<name>.csv` (TA-Lib's outputs, one row per input row, empty where
//! TA-Lib printed NaN).

#![allow(dead_code)]

use finstream_analytics::indicators::Candle;
use std::path::{Path, PathBuf};

pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
}

/// The input bars.
pub fn bars() -> Vec<Candle> {
    let text = std::fs::read_to_string(golden_dir().join("bars.csv"))
        .expect("golden/bars.csv (run scripts/golden/market_data.py)");
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<f64> = line
                .split(',')
                .map(|x| x.parse().expect("a number"))
                .collect();
            Candle {
                open: f[1],
                high: f[2],
                low: f[3],
                close: f[4],
                volume: f[5],
            }
        })
        .collect()
}

/// A golden output file: column names (without the index) and rows of optional values.
pub struct Golden {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<f64>>>,
}

pub fn golden(name: &str) -> Golden {
    let path = golden_dir().join("talib").join(format!("{name}.csv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .skip(1)
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|line| {
            line.split(',')
                .skip(1)
                .map(|x| {
                    if x.is_empty() {
                        None
                    } else {
                        Some(x.parse().expect("a number"))
                    }
                })
                .collect()
        })
        .collect();
    Golden {
        columns: header,
        rows,
    }
}

/// Whether two values agree to 1e-9 relative, or to 1e-11 absolute: TA-Lib keeps window
/// sums as running totals whose drift (up to about 1e-13) shows where the true value is 0
/// or tiny, while ours are exact, so near zero only an absolute comparison is fair.
pub fn agrees(got: f64, want: f64) -> bool {
    let diff = (got - want).abs();
    diff <= 1e-11 || diff <= 1e-9 * got.abs().max(want.abs())
}

/// Compares one output column: same start index, agreement everywhere after.
pub fn assert_column(name: &str, column: &str, got: &[Option<f64>], want: &Golden) {
    let idx = want
        .columns
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("{name}: no column {column}"));
    assert_eq!(got.len(), want.rows.len(), "{name}.{column}: row count");
    let first_want = want.rows.iter().position(|r| r[idx].is_some());
    let first_got = got.iter().position(Option::is_some);
    assert_eq!(
        first_got, first_want,
        "{name}.{column}: output start index differs from TA-Lib"
    );
    for (i, (g, w)) in got.iter().zip(&want.rows).enumerate() {
        match (g, w[idx]) {
            (Some(g), Some(w)) => {
                assert!(agrees(*g, w), "{name}.{column}[{i}]: got {g}, TA-Lib {w}")
            }
            (None, None) => {}
            (g, w) => panic!("{name}.{column}[{i}]: got {g:?}, TA-Lib {w:?}"),
        }
    }
}
