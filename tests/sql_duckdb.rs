//! SQL over the history gives DuckDB's answers: a reproducible history is generated
//! with `finstream history generate`, the ten queries of storage/tests/sql/queries.sql
//! run through `finstream sql`, and each result is compared with what DuckDB answered
//! on the same files (storage/tests/sql/golden/, made by scripts/bench/sql_vs_duckdb.py
//! --golden; see storage/tests/sql/README.md).

use std::path::{Path, PathBuf};
use std::process::Command;

fn finstream(args: &[&str], data: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("finstream runs")
}

fn queries() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("storage/tests/sql/queries.sql"),
    )
    .expect("queries.sql");
    text.split("-- name: ")
        .skip(1)
        .map(|block| {
            let (name, body) = block.split_once('\n').expect("a name line");
            (
                name.trim().to_string(),
                body.trim().trim_end_matches(';').to_string(),
            )
        })
        .collect()
}

fn cells(csv_text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv_text.as_bytes());
    r.records()
        .map(|rec| rec.expect("csv").iter().map(str::to_string).collect())
        .collect()
}

fn agree(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        _ => a == b,
    }
}

#[test]
fn ten_queries_answer_as_duckdb_does() {
    let data = tempfile::tempdir().expect("tempdir");
    let out = finstream(
        &[
            "history",
            "generate",
            "--trades",
            "300000",
            "--symbols",
            "50",
            "--days",
            "3",
            "--seed",
            "7",
        ],
        data.path(),
    );
    assert!(
        out.status.success(),
        "generate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("storage/tests/sql/golden");
    let qs = queries();
    assert_eq!(qs.len(), 10, "ten queries");
    for (name, sql) in qs {
        let out = finstream(&["sql", &sql, "--format", "csv"], data.path());
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ours = cells(&String::from_utf8_lossy(&out.stdout));
        let expected = std::fs::read_to_string(golden.join(format!("{name}.csv")))
            .unwrap_or_else(|e| panic!("{name}: golden file: {e}"));
        let theirs = cells(&expected);
        assert!(!theirs.is_empty(), "{name}: DuckDB found rows");
        assert_eq!(ours.len(), theirs.len(), "{name}: row count");
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(a.len(), b.len(), "{name}: row {i} width");
            assert!(
                a.iter().zip(b).all(|(x, y)| agree(x, y)),
                "{name}: row {i}: ours {a:?}, DuckDB {b:?}"
            );
        }
    }
}
