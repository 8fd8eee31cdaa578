//! Chunks embedded per second by finstream's all-MiniLM-L6-v2 (Rust, CPU), printed as
//! figures. The chunks are real output of the chunker (close to the 256-piece limit, as in
//! production) over a deterministic financial text; they are written to
//! `$CARGO_TARGET_DIR/embed-bench-chunks.json` (or FINSTREAM_BENCH_CHUNKS) so that
//! `scripts/embeddings/bench.py` times sentence-transformers on exactly the same texts.
//!
//!     scripts/models/fetch-minilm.sh
//!     cargo bench -p finstream-analytics --bench embed
//!     ~/.cache/finstream/venv/bin/python scripts/embeddings/bench.py   # both, side by side
//!
//! FINSTREAM_BENCH_BATCH sets the batch size (default 32, sentence-transformers' default).

use finstream_analytics::text::chunk::{ChunkConfig, chunk};
use finstream_analytics::text::clean::clean_pages;
use finstream_analytics::text::embed::{Embedder, default_model_dir};
use std::path::PathBuf;
use std::time::Instant;

const CHUNKS: usize = 256;
const DEFAULT_BATCH: usize = 32;
const RUNS: usize = 3;

/// A long, varied, deterministic research note.
fn corpus() -> String {
    let subjects = [
        "Revenue",
        "Operating margin",
        "Free cash flow",
        "Net interest income",
        "Gross margin",
        "Backlog",
        "Same-store sales",
        "Subscriber growth",
        "Capital expenditure",
        "Guidance",
        "The dividend",
        "Inventory",
        "Loan growth",
        "Average selling price",
        "Churn",
    ];
    let verbs = [
        "increased",
        "declined",
        "was broadly flat",
        "beat consensus",
        "missed our estimate",
        "accelerated",
        "decelerated",
        "recovered",
    ];
    let contexts = [
        "in the data-center segment",
        "across North America",
        "despite foreign-exchange headwinds",
        "after the acquisition closed",
        "on stronger pricing",
        "as supply chains normalised",
        "because of higher funding costs",
        "in the company's largest market",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut text = String::new();
    for paragraph in 0..400 {
        for _ in 0..8 {
            let pct = next(300) as f64 / 10.0;
            let quarter = 1 + next(4);
            text.push_str(&format!(
                "{} {} {pct:.1}% in Q{quarter} {}, and management expects the trend to continue \
                 through fiscal {}. ",
                subjects[next(subjects.len())],
                verbs[next(verbs.len())],
                contexts[next(contexts.len())],
                2020 + next(8),
            ));
        }
        text.push_str(if paragraph % 2 == 0 { "\n\n" } else { "\n" });
    }
    text
}

fn main() {
    let batch = std::env::var("FINSTREAM_BENCH_BATCH")
        .ok()
        .and_then(|b| b.parse::<usize>().ok())
        .filter(|&b| b > 0)
        .unwrap_or(DEFAULT_BATCH);
    let dir = default_model_dir().unwrap_or_default();
    let embedder = match Embedder::load(&dir) {
        Ok(e) => e.with_batch_size(batch),
        Err(e) => {
            eprintln!("embed bench skipped: {e}");
            return;
        }
    };
    let doc = clean_pages(&[corpus()]);
    let chunks: Vec<String> = chunk(&doc, &embedder, ChunkConfig::default())
        .into_iter()
        .take(CHUNKS)
        .map(|c| c.text)
        .collect();
    let pieces: usize = chunks.iter().map(|c| embedder.count_pieces(c) + 2).sum();
    let out = std::env::var_os("FINSTREAM_BENCH_CHUNKS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into()))
                .join("embed-bench-chunks.json")
        });
    match serde_json::to_string(&chunks) {
        Ok(json) => {
            if let Err(e) = std::fs::write(&out, json) {
                eprintln!("cannot write {}: {e}", out.display());
            }
        }
        Err(e) => eprintln!("cannot serialise the chunks: {e}"),
    }
    let texts: Vec<&str> = chunks.iter().map(String::as_str).collect();
    // One warm-up pass: first-touch allocation and thread-pool start-up are not steady state.
    if let Err(e) = embedder.embed(&texts[..batch.min(texts.len())]) {
        eprintln!("embed bench failed: {e}");
        return;
    }
    let best = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let vectors = embedder.embed(&texts).map(|v| v.len()).unwrap_or(0);
            assert_eq!(vectors, texts.len());
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    println!(
        "finstream (Rust, CPU, {} threads): {:.1} chunks/s, {:.0} tokens/s ({} chunks, {:.0} tokens per chunk on average, batch {batch}, best of {RUNS})",
        std::thread::available_parallelism().map_or(1, usize::from),
        chunks.len() as f64 / best,
        pieces as f64 / best,
        chunks.len(),
        pieces as f64 / chunks.len() as f64,
    );
    println!("chunks written to {}", out.display());
}
