//! `finstream embed`: one JSON array of 384 numbers per text, equal to sentence-transformers'
//! vector (the golden file of `analytics/tests/golden_embeddings.rs`), in input order with
//! `--stdin`; a clear error when the model is missing.

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn golden() -> Vec<(String, Vec<f64>)> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("analytics/tests/golden/embeddings/minilm.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    doc["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items"))
        .iter()
        .map(|i| {
            let v = i["vector"]
                .as_array()
                .map(|v| v.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default();
            (i["text"].as_str().unwrap_or_default().to_string(), v)
        })
        .collect()
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let n = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (n(a) * n(b))
}

fn parse_vector(line: &str) -> Vec<f64> {
    let v: Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {e}: {line:.80}"));
    let numbers: Vec<f64> = v
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {line:.80}"))
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert_eq!(numbers.len(), 384, "{line:.80}");
    numbers
}

#[test]
#[ignore = "needs all-MiniLM-L6-v2: run scripts/models/fetch-minilm.sh (make test does)"]
fn embed_prints_sentence_transformers_vectors_one_line_per_input() {
    let golden = golden();
    // Single-line texts only: --stdin reads one text per line.
    let picked: Vec<&(String, Vec<f64>)> = golden
        .iter()
        .filter(|(t, _)| !t.contains('\n') && !t.contains('\r'))
        .step_by(9)
        .take(8)
        .collect();
    assert!(picked.len() >= 5);

    let one = Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(["embed", picked[1].0.as_str()])
        .output()
        .expect("runs");
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    let stdout = String::from_utf8_lossy(&one.stdout);
    assert_eq!(stdout.lines().count(), 1);
    assert!(cosine(&parse_vector(stdout.trim_end()), &picked[1].1) >= 0.9999);

    let mut child = Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(["embed", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let input: String = picked.iter().map(|(t, _)| format!("{t}\n")).collect();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("writes");
    let out = child.wait_with_output().expect("finishes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), picked.len());
    for (line, (text, reference)) in lines.iter().zip(&picked) {
        let c = cosine(&parse_vector(line), reference);
        assert!(c >= 0.9999, "cosine {c} for {text:?}");
    }
}

#[test]
fn embed_without_the_model_says_how_to_fetch_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args([
            "embed",
            "hello",
            "--model-dir",
            "/nonexistent/finstream-model",
        ])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("scripts/models/fetch-minilm.sh"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
