//! `finstream analyze bars` writes TA-Lib's numbers: the binary runs on the golden bars
//! and its columns are compared with the golden files TA-Lib made from the same bars.

use std::path::Path;
use std::process::Command;

fn golden(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("analytics/tests/golden/talib")
        .join(format!("{name}.csv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .skip(1)
        .map(str::to_string)
        .collect();
    (
        header,
        lines
            .map(|l| l.split(',').skip(1).map(str::to_string).collect())
            .collect(),
    )
}

fn agrees(got: &str, want: &str) -> bool {
    match (got.parse::<f64>(), want.parse::<f64>()) {
        (Ok(g), Ok(w)) => (g - w).abs() <= 1e-11 || (g - w).abs() <= 1e-9 * g.abs().max(w.abs()),
        _ => got.is_empty() && want.is_empty(),
    }
}

#[test]
fn analyze_bars_matches_talib_column_for_column() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("analytics/tests/golden/bars.csv");
    let specs = "sma(20),rsi(14),macd(12,26,9),bbands(20,2,2),stoch(5,3,3),aroon(14),adx(14),atr(14),obv,trange,sar(0.02,0.2)";
    let out = Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args([
            "analyze",
            "bars",
            "--input",
            input.to_str().expect("utf-8"),
            "--indicators",
            specs,
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Column names hold commas (`macd(12,26,9).signal`), so they are quoted: read it as CSV.
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a row").iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 1500);
    let checks = [
        ("sma(20)", "sma_20", "value"),
        ("rsi(14)", "rsi_14", "value"),
        ("macd(12,26,9).macd", "macd_12_26_9", "macd"),
        ("macd(12,26,9).signal", "macd_12_26_9", "signal"),
        ("macd(12,26,9).hist", "macd_12_26_9", "hist"),
        ("bbands(20,2,2).upper", "bbands_20_2_2", "upper"),
        ("bbands(20,2,2).lower", "bbands_20_2_2", "lower"),
        ("stoch(5,3,3).k", "stoch_5_3_3", "k"),
        ("stoch(5,3,3).d", "stoch_5_3_3", "d"),
        ("aroon(14).down", "aroon_14", "down"),
        ("aroon(14).up", "aroon_14", "up"),
        ("adx(14)", "adx_14", "adx"),
        ("atr(14)", "atr_14", "value"),
        ("obv", "obv", "value"),
        ("trange", "trange", "value"),
        ("sar(0.02,0.2)", "sar_0.02_0.2", "value"),
    ];
    for (column, file, field) in checks {
        let ci = header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
        let (gh, grows) = golden(file);
        let gi = gh
            .iter()
            .position(|h| h == field)
            .unwrap_or_else(|| panic!("{file} has no {field}: {gh:?}"));
        for (i, (row, want)) in rows.iter().zip(&grows).enumerate() {
            assert!(
                agrees(&row[ci], &want[gi]),
                "{column} row {i}: finstream {:?}, TA-Lib {:?}",
                row[ci],
                want[gi]
            );
        }
    }
    assert_eq!(
        rows[0][0], "1704205800",
        "the time column is passed through"
    );
}

#[test]
fn analyze_bars_refuses_bad_input_with_the_line_and_the_fix() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "time,open,high,low,close,volume\n2024-01-02T14:30:00Z,1,2,0.5,1.5,100\n2024-01-02T14:31:00Z,1,x,0.5,1.5,100\n").expect("write");
    let run = |specs: &str| {
        Command::new(env!("CARGO_BIN_EXE_finstream"))
            .args([
                "analyze",
                "bars",
                "--input",
                bad.to_str().expect("utf-8"),
                "--indicators",
                specs,
            ])
            .output()
            .expect("runs")
    };
    let out = run("sma(2)");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 3") && stderr.contains("high"),
        "{stderr}"
    );
    let out = run("smaa(2)");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown indicator"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn analyze_bars_flags_movement_events() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("analytics/tests/golden/bars.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args([
            "analyze",
            "bars",
            "--input",
            input.to_str().expect("utf-8"),
            "--indicators",
            "sma(5)",
            "--events",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(
        reader.headers().expect("header").iter().next_back(),
        Some("events")
    );
    let events: Vec<String> = reader
        .records()
        .map(|r| r.expect("row").iter().next_back().unwrap_or("").to_string())
        .collect();
    // The golden bars gap up 6% overnight at row 700 and crash from row 900.
    assert!(
        events[700].split(';').any(|e| e == "gap_up"),
        "row 700: {:?}",
        events[700]
    );
    assert!(
        events[900..920].iter().any(|e| e.contains("breakout_down")),
        "{:?}",
        &events[900..920]
    );
    assert!(
        events[..20].iter().all(|e| !e.contains("breakout")),
        "no breakout before 20 bars are known"
    );
}
