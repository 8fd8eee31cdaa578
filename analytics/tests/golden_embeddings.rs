//! finstream's all-MiniLM-L6-v2 against sentence-transformers (PyPI) on the 100 texts of
//! `golden/embeddings/minilm.json` (written by `scripts/embeddings/minilm_golden.py`):
//! every vector must have cosine similarity of at least 0.9999 with the reference.
//!
//! Needs the model (`scripts/models/fetch-minilm.sh`, which `make test` runs), hence
//! `#[ignore]`: `cargo test -p finstream-analytics -- --include-ignored` runs it, and it
//! fails, saying what to run, when the model is missing.

use finstream_analytics::text::embed::{DIMENSION, Embedder, cosine, default_model_dir};
use serde_json::Value;

const MIN_COSINE: f32 = 0.9999;

fn golden() -> Vec<(String, u64, Vec<f32>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/embeddings/minilm.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    doc["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no items"))
        .iter()
        .map(|item| {
            let vector = item["vector"]
                .as_array()
                .unwrap_or_else(|| panic!("{path}: item without vector"))
                .iter()
                .map(|x| x.as_f64().unwrap_or(f64::NAN) as f32)
                .collect();
            let text = item["text"]
                .as_str()
                .unwrap_or_else(|| panic!("{path}: item without text"));
            (
                text.to_string(),
                item["tokens"].as_u64().unwrap_or(0),
                vector,
            )
        })
        .collect()
}

#[test]
#[ignore = "needs all-MiniLM-L6-v2: run scripts/models/fetch-minilm.sh (make test does)"]
fn embeddings_equal_sentence_transformers() {
    let golden = golden();
    assert_eq!(golden.len(), 100);
    assert!(
        golden.iter().filter(|(_, tokens, _)| *tokens > 256).count() >= 5,
        "too few long texts"
    );
    let dir = default_model_dir().unwrap_or_default();
    let embedder = Embedder::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let texts: Vec<&str> = golden.iter().map(|(t, _, _)| t.as_str()).collect();
    let ours = embedder.embed(&texts).unwrap_or_else(|e| panic!("{e}"));
    let mut worst = (f32::INFINITY, 0);
    let mut failures = Vec::new();
    for (i, ((text, _, reference), mine)) in golden.iter().zip(&ours).enumerate() {
        assert_eq!(reference.len(), DIMENSION);
        assert_eq!(mine.len(), DIMENSION);
        let c = cosine(reference, mine);
        if c < worst.0 {
            worst = (c, i);
        }
        if c.is_nan() || c < MIN_COSINE {
            failures.push(format!(
                "#{i} cosine {c:.6}: {:?}",
                text.chars().take(60).collect::<String>()
            ));
        }
    }
    println!("lowest cosine {:.7} (text #{})", worst.0, worst.1);
    assert!(
        failures.is_empty(),
        "{} texts below {MIN_COSINE}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "needs all-MiniLM-L6-v2: run scripts/models/fetch-minilm.sh (make test does)"]
fn a_text_embeds_the_same_alone_and_packed_with_others() {
    let golden = golden();
    let dir = default_model_dir().unwrap_or_default();
    let embedder = Embedder::load(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_batch_size(8);
    // Short and long texts together, so that a batch packs very different lengths.
    let texts: Vec<&str> = golden
        .iter()
        .step_by(9)
        .map(|(t, _, _)| t.as_str())
        .collect();
    let together = embedder.embed(&texts).unwrap_or_else(|e| panic!("{e}"));
    for (text, packed) in texts.iter().zip(&together) {
        let alone = embedder.embed(&[text]).unwrap_or_else(|e| panic!("{e}"));
        let c = cosine(&alone[0], packed);
        assert!(
            c > 0.99999,
            "cosine {c} for {:?}",
            text.chars().take(40).collect::<String>()
        );
    }
}
