//! `finstream greeks` against QuantLib's numbers (the golden files of the options tests):
//! prices and Greeks from a given vol, implied volatility from a given price, American
//! prices, and unsolvable rows reported without stopping.

use std::path::Path;
use std::process::Command;

fn golden(name: &str) -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("analytics/tests/golden/quantlib")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn run(input: &str) -> (Vec<Vec<String>>, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("in.csv");
    std::fs::write(&file, input).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(["greeks", "--input", file.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        vec!["iv", "price", "delta", "gamma", "theta", "vega", "rho"]
    );
    let rows = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_string).collect())
        .collect();
    (rows, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn close(got: &str, want: &str, rel: f64, abs: f64) -> bool {
    match (got.parse::<f64>(), want.parse::<f64>()) {
        (Ok(g), Ok(w)) => (g - w).abs() <= abs || (g - w).abs() <= rel * g.abs().max(w.abs()),
        _ => false,
    }
}

#[test]
fn european_prices_and_greeks_from_vol_match_quantlib() {
    let rows = golden("european.csv");
    let mut input = String::from("kind,style,spot,strike,days,rate,dividend,vol\n");
    for r in &rows {
        input.push_str(&format!(
            "{},european,{},{},{},{},{},{}\n",
            r[0], r[1], r[2], r[3], r[4], r[5], r[6]
        ));
    }
    let (out, _) = run(&input);
    assert_eq!(out.len(), rows.len());
    for (i, (got, want)) in out.iter().zip(&rows).enumerate() {
        // price, delta, gamma, theta, vega, rho against QuantLib's columns 7..=12.
        for (g, w) in (1..7).zip(7..13) {
            assert!(
                close(&got[g], &want[w], 1e-10, 1e-13),
                "row {i} column {g}: {} vs QuantLib {}",
                got[g],
                want[w]
            );
        }
    }
}

#[test]
fn implied_volatility_from_price_matches_quantlib_where_it_converged() {
    let rows: Vec<Vec<String>> = golden("european.csv")
        .into_iter()
        .filter(|r| r.get(13).is_some_and(|v| !v.is_empty()))
        .collect();
    let mut input = String::from("kind,style,spot,strike,days,rate,dividend,price\n");
    for r in &rows {
        input.push_str(&format!(
            "{},european,{},{},{},{},{},{}\n",
            r[0], r[1], r[2], r[3], r[4], r[5], r[7]
        ));
    }
    let (out, _) = run(&input);
    let mut compared = 0;
    for (got, want) in out.iter().zip(&rows) {
        // Where the price cannot pin the volatility (vega tiny), the solved vol must at
        // least reproduce the price; elsewhere it must equal QuantLib's to 1e-9.
        if got[0].is_empty() {
            continue;
        }
        assert!(
            close(&got[1], &want[7], 1e-9, 1e-12),
            "repriced {} vs {}",
            got[1],
            want[7]
        );
        if want[7].parse::<f64>().unwrap_or(0.0) > 1e-6
            && want[11].parse::<f64>().unwrap_or(0.0) > 1e-4
        {
            assert!(
                close(&got[0], &want[13], 1e-9, 1e-12),
                "iv {} vs QuantLib {}",
                got[0],
                want[13]
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} rows compared");
}

#[test]
fn american_prices_are_within_a_thousandth_of_quantlib_and_bad_rows_are_reported() {
    let rows = golden("american.csv");
    let mut input = String::from("kind,style,spot,strike,days,rate,dividend,vol,price\n");
    for r in &rows {
        input.push_str(&format!(
            "{},american,{},{},{},{},{},{},\n",
            r[0], r[1], r[2], r[3], r[4], r[5], r[6]
        ));
    }
    // Three rows that cannot be solved: below intrinsic, an unknown kind, a negative spot.
    input.push_str("put,european,100,120,30,0.01,0,,5\n");
    input.push_str("straddle,european,100,100,30,0.01,0,0.2,\n");
    input.push_str("call,european,-5,100,30,0.01,0,0.2,\n");
    let (out, stderr) = run(&input);
    assert_eq!(out.len(), rows.len() + 3);
    for (i, (got, want)) in out.iter().zip(&rows).enumerate() {
        assert!(
            close(&got[1], &want[7], 0.0, 1e-3),
            "row {i}: {} vs QuantLib {}",
            got[1],
            want[7]
        );
    }
    assert!(
        out[rows.len()..]
            .iter()
            .all(|r| r.iter().all(String::is_empty))
    );
    assert!(
        stderr.contains("lower bound") && stderr.contains("straddle") && stderr.contains("spot"),
        "{stderr}"
    );
    assert!(stderr.contains("3 row(s) could not be solved"), "{stderr}");
}
