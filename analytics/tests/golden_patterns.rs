//! Candlestick patterns against TA-Lib: every output equal, integer for integer, and the
//! same first output index, for every pattern, on two inputs: the golden 1-minute bars
//! (`golden/bars.csv`, files `talib/<name>.csv` from `scripts/golden/families/patterns.py`)
//! and a pattern-rich input with gaps (`golden/pattern_bars.csv`, files
//! `talib/<name>_rich.csv` from `scripts/golden/pattern_bars.py`), because the 1-minute
//! bars open at the prior close and never show the patterns that need a gap.

mod common;

use common::*;
use finstream_analytics::indicators::Candle;
use finstream_analytics::patterns::PatternKind;

/// The pattern-rich input, same columns as `bars.csv`.
fn pattern_bars() -> Vec<Candle> {
    let path = golden_dir().join("pattern_bars.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} (run scripts/golden/pattern_bars.py): {e}",
            path.display()
        )
    });
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

/// TA-Lib's outputs from a golden file, as integers (empty rows are its lookback).
fn talib_outputs(file: &str) -> Vec<Option<i32>> {
    let golden = golden(file);
    assert_eq!(golden.columns, ["value"], "{file}: columns");
    golden
        .rows
        .iter()
        .map(|row| {
            row[0].map(|v| {
                assert!(
                    v.fract() == 0.0 && v.abs() <= 200.0,
                    "{file}: {v} is no pattern output"
                );
                v as i32
            })
        })
        .collect()
}

/// Runs `kind` over `candles` and compares with the golden file row by row; returns how
/// many times TA-Lib's pattern fired there.
fn assert_matches(kind: PatternKind, candles: &[Candle], file: &str) -> usize {
    let want = talib_outputs(file);
    assert_eq!(want.len(), candles.len(), "{file}: row count");
    let mut detector = kind.detector();
    let got: Vec<Option<i32>> = candles
        .iter()
        .map(|c| {
            detector.update(c);
            detector.value()
        })
        .collect();
    assert_eq!(
        got.iter().position(Option::is_some),
        want.iter().position(Option::is_some),
        "{file}: first output index differs from TA-Lib"
    );
    let wrong: Vec<String> = got
        .iter()
        .zip(&want)
        .enumerate()
        .filter(|(_, (g, w))| g != w)
        .map(|(i, (g, w))| format!("[{i}] got {g:?}, TA-Lib {w:?}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "{file}: {} rows differ from TA-Lib, first: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
    want.iter()
        .filter(|w| matches!(w, Some(v) if *v != 0))
        .count()
}

#[test]
fn every_pattern_matches_talib_on_the_golden_bars() {
    let candles = bars();
    for kind in PatternKind::ALL {
        assert_matches(kind, &candles, kind.name());
    }
}

#[test]
fn every_pattern_matches_talib_on_pattern_rich_bars() {
    let candles = pattern_bars();
    for kind in PatternKind::ALL {
        let fired = assert_matches(kind, &candles, &format!("{}_rich", kind.name()));
        // A pattern that never fires would make the comparison above vacuous.
        assert!(
            fired >= 20,
            "{kind}: TA-Lib fires only {fired} times on pattern_bars.csv"
        );
    }
}

#[test]
fn every_golden_pattern_file_has_a_detector() {
    let dir = golden_dir().join("talib");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("golden/talib")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("cdl"))
        .collect();
    assert_eq!(names.len(), 2 * PatternKind::ALL.len(), "{names:?}");
    for name in names {
        let stem = name.trim_end_matches(".csv").trim_end_matches("_rich");
        assert!(stem.parse::<PatternKind>().is_ok(), "{name}: no detector");
    }
}
