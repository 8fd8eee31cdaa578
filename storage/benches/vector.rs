//! Vector index figures at 100,000 chunks of 384 numbers (all-MiniLM-L6-v2's size), printed
//! (no timing assertions anywhere): build and reload time, search latency p50/p99 for the
//! HNSW graph and for the exact scan, and the graph's recall@10 against the exact answer.
//!
//!     cargo bench -p finstream-storage --bench vector
//!
//! The vectors are clustered (1,000 topics, each chunk a noisy copy of its topic) like real
//! chunk embeddings, which crowd around subjects; uniform random vectors would make every
//! neighbour equally far and say little about search.

use finstream_storage::vector::{ChunkRef, Filter, IndexConfig, VectorIndex};
use std::time::Instant;

const N: usize = 100_000;
const DIM: usize = 384;
const TOPICS: usize = 1_000;
const QUERIES: usize = 1_000;
const K: usize = 10;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f32 / (1u64 << 53) as f32 - 0.5
    }
}

fn percentile(sorted_micros: &[f64], p: f64) -> f64 {
    let i = ((sorted_micros.len() as f64 - 1.0) * p).round() as usize;
    sorted_micros[i]
}

fn main() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let topics: Vec<Vec<f32>> = (0..TOPICS)
        .map(|_| (0..DIM).map(|_| rng.next()).collect())
        .collect();
    let noisy = |t: usize, rng: &mut Rng| -> Vec<f32> {
        topics[t].iter().map(|x| x + 0.6 * rng.next()).collect()
    };
    let items: Vec<(ChunkRef, Vec<f32>)> = (0..N)
        .map(|i| {
            let chunk = ChunkRef {
                id: format!("doc{}:{}", i / 40, i % 40),
                document_id: format!("doc{}", i / 40),
                tickers: vec![["AAPL", "MSFT", "NVDA", "JPM", "XOM"][i % 5].to_string()],
                tags: vec![],
                ..ChunkRef::default()
            };
            (chunk, noisy(i % TOPICS, &mut rng))
        })
        .collect();
    let queries: Vec<Vec<f32>> = (0..QUERIES)
        .map(|q| noisy((q * 7) % TOPICS, &mut rng))
        .collect();

    let dir = std::env::temp_dir().join(format!("finstream-vector-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("chunks.fsvi");
    let _ = std::fs::remove_file(&path);
    let config = IndexConfig::default();
    let start = Instant::now();
    let mut index = match VectorIndex::open(&path, DIM, config) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("vector bench: {e}");
            return;
        }
    };
    if let Err(e) = index.add_batch(items) {
        eprintln!("vector bench: {e}");
        return;
    }
    println!(
        "build: {N} vectors of {DIM} added and persisted in {:.1} s (graph: {})",
        start.elapsed().as_secs_f64(),
        index.has_graph()
    );
    drop(index);
    let start = Instant::now();
    let index = match VectorIndex::open(&path, DIM, config) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("vector bench: {e}");
            return;
        }
    };
    println!(
        "reload: {} vectors read and graph rebuilt in {:.1} s",
        index.len(),
        start.elapsed().as_secs_f64()
    );

    // The same file with no graph: the reference answers and the exact scan's latency.
    let everything = IndexConfig {
        exact_below: usize::MAX,
        ..config
    };
    let exact = match VectorIndex::open(&path, DIM, everything) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("vector bench: {e}");
            return;
        }
    };
    let no_filter = Filter::default();
    let ticker = Filter {
        tickers: vec!["NVDA".into()],
        ..Filter::default()
    };
    for (label, idx, filter) in [
        ("hnsw, no filter", &index, &no_filter),
        ("hnsw, ticker filter (1 in 5)", &index, &ticker),
        ("exact scan, no filter", &exact, &no_filter),
    ] {
        let mut micros: Vec<f64> = queries
            .iter()
            .map(|q| {
                let t = Instant::now();
                let hits = idx.search(q, K, filter).map(|h| h.len()).unwrap_or(0);
                assert_eq!(hits, K);
                t.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        micros.sort_by(f64::total_cmp);
        println!(
            "search k={K}, {label}: p50 {:.0} µs, p99 {:.0} µs ({QUERIES} queries)",
            percentile(&micros, 0.5),
            percentile(&micros, 0.99)
        );
    }
    let mut found = 0;
    let sample = 200;
    for q in queries.iter().take(sample) {
        let truth: Vec<String> = exact
            .search(q, K, &no_filter)
            .unwrap_or_default()
            .into_iter()
            .map(|h| h.chunk.id)
            .collect();
        let got: Vec<String> = index
            .search(q, K, &no_filter)
            .unwrap_or_default()
            .into_iter()
            .map(|h| h.chunk.id)
            .collect();
        found += truth.iter().filter(|t| got.contains(t)).count();
    }
    println!(
        "hnsw recall@{K} against the exact scan: {:.3} ({sample} queries)",
        found as f64 / (sample * K) as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
}
