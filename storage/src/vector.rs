//! The vector index over document chunks: nearest chunks to a query embedding, filtered by
//! document, ticker or tag, persisted so that it survives restarts.
//!
//! - Search is exact (a scan of every vector) while the index, or the part of it a filter
//!   selects, holds at most [`IndexConfig::exact_below`] vectors: at that size a scan takes
//!   about a millisecond and is always right. Above it an HNSW graph (`hnsw_rs`) answers,
//!   with the filter applied during the graph walk. The graph is built when the index first
//!   crosses the threshold and grows with every add after that.
//! - Vectors are L2-normalised on the way in, so the score is the cosine similarity (the
//!   dot product), the same whichever path answered; HNSW uses 1 - dot, clamped at 0
//!   ([`UnitDotDistance`]: hnsw_rs' own `DistDot` asserts on the rounding of a vector
//!   against itself and would panic).
//! - Adds are idempotent by chunk id, since chunks arrive at least once from the bus.
//! - Persistence is an append-only file: a header, then one record per chunk (metadata as
//!   JSON, then the vector as little-endian f32). [`VectorIndex::open`] replays it and drops
//!   a torn last record left by a crash; the graph is rebuilt from the vectors on open
//!   (hnsw_rs' own dump can only be reloaded borrowed from its loader, which an owned,
//!   long-lived index cannot hold without leaking it).

use hnsw_rs::prelude::{Distance, Hnsw};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 4] = b"FSVI";
const FORMAT_VERSION: u8 = 1;
/// Magic, version, dimension.
const HEADER_BYTES: u64 = 4 + 1 + 4;
/// A record's metadata larger than this is corruption, not data.
const MAX_META_BYTES: u32 = 1 << 20;
const HNSW_MAX_LAYERS: usize = 16;

/// 1 - dot product of unit vectors, never negative (a vector's dot product with itself can
/// round to just above 1).
#[derive(Debug, Clone, Copy, Default)]
pub struct UnitDotDistance;

impl Distance<f32> for UnitDotDistance {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        (1.0 - dot).max(0.0)
    }
}

/// Errors of the vector index.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    #[error("vector index file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("vector of length {got} given to an index of dimension {expected}")]
    Dimension { expected: usize, got: usize },
    #[error("vector for chunk {0} is zero or not finite")]
    InvalidVector(String),
}

/// How the index searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexConfig {
    /// Up to this many candidate vectors, search scans them all (exact).
    pub exact_below: usize,
    /// HNSW: links per node (M).
    pub max_connections: usize,
    /// HNSW: candidates considered while inserting.
    pub ef_construction: usize,
    /// HNSW: candidates considered while searching (at least k).
    pub ef_search: usize,
}

impl Default for IndexConfig {
    fn default() -> Self {
        Self {
            exact_below: 20_000,
            max_connections: 16,
            ef_construction: 200,
            ef_search: 128,
        }
    }
}

/// What a chunk's vector is stored with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkRef {
    /// The chunk id (unique; a second add of the same id is ignored).
    pub id: String,
    pub document_id: String,
    pub tickers: Vec<String>,
    pub tags: Vec<String>,
    /// Position of the chunk in its document.
    #[serde(default)]
    pub chunk_index: u32,
    /// 1-based page the chunk starts on, for paged formats.
    #[serde(default)]
    pub page: Option<u32>,
    /// The chunk's cleaned text, for citations.
    #[serde(default)]
    pub text: String,
    /// The document's title, for citations.
    #[serde(default)]
    pub title: Option<String>,
}

/// Which chunks a search may return; an empty list does not restrict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Any of these documents.
    pub document_ids: Vec<String>,
    /// Chunks that mention any of these tickers.
    pub tickers: Vec<String>,
    /// Chunks that have any of these tags.
    pub tags: Vec<String>,
}

impl Filter {
    fn is_empty(&self) -> bool {
        self.document_ids.is_empty() && self.tickers.is_empty() && self.tags.is_empty()
    }

    fn matches(&self, c: &ChunkRef) -> bool {
        let any = |wanted: &[String], have: &[String]| {
            wanted.is_empty() || wanted.iter().any(|w| have.contains(w))
        };
        (self.document_ids.is_empty() || self.document_ids.contains(&c.document_id))
            && any(&self.tickers, &c.tickers)
            && any(&self.tags, &c.tags)
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub chunk: ChunkRef,
    /// Cosine similarity with the query.
    pub score: f32,
}

/// Chunk vectors, searchable by similarity.
pub struct VectorIndex {
    dimension: usize,
    config: IndexConfig,
    chunks: Vec<ChunkRef>,
    /// Unit vectors, `dimension` numbers per chunk, in the order of `chunks`.
    vectors: Vec<f32>,
    by_id: HashMap<String, usize>,
    graph: Option<Hnsw<'static, f32, UnitDotDistance>>,
    /// The graph is being built outside (see [`VectorIndex::open_deferred`]): searches
    /// scan exactly meanwhile and adds do not build it here.
    deferred: bool,
    log: Option<(PathBuf, BufWriter<File>)>,
}

/// What building the graph of a reopened index needs, taken out of the index so the
/// build holds no lock: [`GraphPlan::build`], then [`VectorIndex::install`].
#[derive(Debug)]
pub struct GraphPlan {
    dimension: usize,
    config: IndexConfig,
    vectors: Vec<f32>,
}

/// A graph over the first `covers` chunks of an index.
pub struct BuiltGraph {
    graph: Hnsw<'static, f32, UnitDotDistance>,
    covers: usize,
}

impl std::fmt::Debug for BuiltGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltGraph")
            .field("covers", &self.covers)
            .finish()
    }
}

fn new_graph(config: &IndexConfig, chunks: usize) -> Hnsw<'static, f32, UnitDotDistance> {
    Hnsw::new(
        config.max_connections,
        chunks.max(1024) * 2,
        HNSW_MAX_LAYERS,
        config.ef_construction,
        UnitDotDistance,
    )
}

impl GraphPlan {
    /// Builds the graph (minutes at 100,000 chunks; run it on a blocking thread).
    pub fn build(self) -> BuiltGraph {
        let covers = self.vectors.len() / self.dimension.max(1);
        let graph = new_graph(&self.config, covers);
        let items: Vec<(&[f32], usize)> = self
            .vectors
            .chunks_exact(self.dimension.max(1))
            .enumerate()
            .map(|(i, v)| (v, i))
            .collect();
        graph.parallel_insert_slice(&items);
        BuiltGraph { graph, covers }
    }
}

impl std::fmt::Debug for VectorIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorIndex")
            .field("dimension", &self.dimension)
            .field("len", &self.chunks.len())
            .field("graph", &self.graph.is_some())
            .field("file", &self.log.as_ref().map(|(p, _)| p))
            .finish()
    }
}

impl VectorIndex {
    /// An index kept in memory only.
    pub fn in_memory(dimension: usize, config: IndexConfig) -> Self {
        Self {
            dimension,
            config,
            chunks: Vec::new(),
            vectors: Vec::new(),
            by_id: HashMap::new(),
            graph: None,
            deferred: false,
            log: None,
        }
    }

    /// Opens the index persisted at `path`, or creates it there, and appends every later
    /// add to it; the graph is rebuilt before this returns.
    pub fn open(path: &Path, dimension: usize, config: IndexConfig) -> Result<Self, VectorError> {
        let mut index = Self::open_deferred(path, dimension, config)?;
        if index.deferred {
            index.deferred = false;
            index.rebuild_graph();
        }
        Ok(index)
    }

    /// [`open`](Self::open) without building the graph: searches scan exactly until the
    /// graph from [`graph_plan`](Self::graph_plan) is [`install`](Self::install)ed, so a
    /// large index is usable at once instead of after minutes.
    pub fn open_deferred(
        path: &Path,
        dimension: usize,
        config: IndexConfig,
    ) -> Result<Self, VectorError> {
        let err = |message: String| VectorError::File {
            path: path.to_path_buf(),
            message,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| err(e.to_string()))?;
        let length = file.metadata().map_err(|e| err(e.to_string()))?.len();
        let mut index = Self::in_memory(dimension, config);
        if length == 0 {
            let mut header = Vec::with_capacity(HEADER_BYTES as usize);
            header.extend_from_slice(MAGIC);
            header.push(FORMAT_VERSION);
            header.extend_from_slice(
                &u32::try_from(dimension)
                    .map_err(|e| err(e.to_string()))?
                    .to_le_bytes(),
            );
            file.write_all(&header).map_err(|e| err(e.to_string()))?;
        } else {
            let good = index.replay(&mut file).map_err(err)?;
            if good < length {
                // A torn record from a crash mid-append: drop it, keep everything before.
                file.set_len(good).map_err(|e| err(e.to_string()))?;
            }
        }
        file.seek(SeekFrom::End(0))
            .map_err(|e| err(e.to_string()))?;
        index.deferred = index.chunks.len() > index.config.exact_below;
        index.log = Some((path.to_path_buf(), BufWriter::new(file)));
        Ok(index)
    }

    /// What the deferred graph needs (a copy of the vectors), or `None` when no graph
    /// is pending.
    pub fn graph_plan(&self) -> Option<GraphPlan> {
        self.deferred.then(|| GraphPlan {
            dimension: self.dimension,
            config: self.config,
            vectors: self.vectors.clone(),
        })
    }

    /// Puts a built graph in place, first adding the chunks that arrived while it was
    /// built; searches use it from now on.
    pub fn install(&mut self, built: BuiltGraph) {
        let items: Vec<(&[f32], usize)> = (built.covers..self.chunks.len())
            .map(|i| (self.vector(i), i))
            .collect();
        built.graph.parallel_insert_slice(&items);
        self.graph = Some(built.graph);
        self.deferred = false;
    }

    /// Reads every whole record; returns the byte length they end at.
    fn replay(&mut self, file: &mut File) -> Result<u64, String> {
        file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
        let mut r = BufReader::new(file);
        let mut header = [0u8; HEADER_BYTES as usize];
        r.read_exact(&mut header)
            .map_err(|e| format!("no header: {e}"))?;
        if &header[..4] != MAGIC || header[4] != FORMAT_VERSION {
            return Err("not a finstream vector index (bad magic or version)".into());
        }
        let dim = u32::from_le_bytes([header[5], header[6], header[7], header[8]]) as usize;
        if dim != self.dimension {
            return Err(format!(
                "holds vectors of dimension {dim}, not {}",
                self.dimension
            ));
        }
        let mut good = HEADER_BYTES;
        let mut vector_bytes = vec![0u8; dim * 4];
        loop {
            let mut len = [0u8; 4];
            if r.read_exact(&mut len).is_err() {
                return Ok(good);
            }
            let meta_len = u32::from_le_bytes(len);
            if meta_len > MAX_META_BYTES {
                return Ok(good);
            }
            let mut meta = vec![0u8; meta_len as usize];
            if r.read_exact(&mut meta).is_err() || r.read_exact(&mut vector_bytes).is_err() {
                return Ok(good);
            }
            let Ok(chunk) = serde_json::from_slice::<ChunkRef>(&meta) else {
                return Ok(good);
            };
            let vector: Vec<f32> = vector_bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            self.push(chunk, &vector);
            good += 4 + u64::from(meta_len) + vector_bytes.len() as u64;
        }
    }

    /// Adds one chunk's vector; `Ok(false)` when that chunk id is already in the index.
    pub fn add(&mut self, chunk: ChunkRef, vector: &[f32]) -> Result<bool, VectorError> {
        let first_new = self.chunks.len();
        let added = self.append(chunk, vector);
        // What was appended before an error is in the file and must be in the graph too.
        self.flush()?;
        self.index_from(first_new);
        added
    }

    /// Adds many chunks, writes them to the file once and inserts them into the graph in
    /// parallel; returns how many were new.
    pub fn add_batch(&mut self, items: Vec<(ChunkRef, Vec<f32>)>) -> Result<usize, VectorError> {
        let first_new = self.chunks.len();
        let mut added = Ok(0);
        for (chunk, vector) in items {
            match self.append(chunk, &vector) {
                Ok(new) => added = added.map(|n| n + usize::from(new)),
                Err(e) => {
                    added = Err(e);
                    break;
                }
            }
        }
        self.flush()?;
        self.index_from(first_new);
        added
    }

    /// Puts the chunks from `first_new` on into the graph, building it when the index has
    /// just crossed the threshold.
    fn index_from(&mut self, first_new: usize) {
        match &self.graph {
            Some(graph) => {
                let items: Vec<(&[f32], usize)> = (first_new..self.chunks.len())
                    .map(|i| (self.vector(i), i))
                    .collect();
                graph.parallel_insert_slice(&items);
            }
            None if self.chunks.len() > self.config.exact_below && !self.deferred => {
                self.rebuild_graph()
            }
            None => {}
        }
    }

    /// Validates, logs and keeps one chunk, without touching the graph.
    fn append(&mut self, chunk: ChunkRef, vector: &[f32]) -> Result<bool, VectorError> {
        if vector.len() != self.dimension {
            return Err(VectorError::Dimension {
                expected: self.dimension,
                got: vector.len(),
            });
        }
        if self.by_id.contains_key(&chunk.id) {
            return Ok(false);
        }
        let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        if !norm.is_finite() || norm == 0.0 {
            return Err(VectorError::InvalidVector(chunk.id));
        }
        let unit: Vec<f32> = vector.iter().map(|x| x / norm).collect();
        if let Some((path, log)) = &mut self.log {
            let meta = serde_json::to_vec(&chunk).map_err(|e| VectorError::File {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let mut record = Vec::with_capacity(4 + meta.len() + unit.len() * 4);
            record.extend_from_slice(&u32::try_from(meta.len()).unwrap_or(u32::MAX).to_le_bytes());
            record.extend_from_slice(&meta);
            for x in &unit {
                record.extend_from_slice(&x.to_le_bytes());
            }
            log.write_all(&record).map_err(|e| VectorError::File {
                path: path.clone(),
                message: e.to_string(),
            })?;
        }
        self.push(chunk, &unit);
        Ok(true)
    }

    /// Appends to memory only; the vector is already a unit vector.
    fn push(&mut self, chunk: ChunkRef, unit: &[f32]) -> usize {
        let at = self.chunks.len();
        self.by_id.insert(chunk.id.clone(), at);
        self.chunks.push(chunk);
        self.vectors.extend_from_slice(unit);
        at
    }

    /// Writes pending records to the file and to the disk.
    pub fn flush(&mut self) -> Result<(), VectorError> {
        if let Some((path, log)) = &mut self.log {
            let io = |e: std::io::Error| VectorError::File {
                path: path.clone(),
                message: e.to_string(),
            };
            log.flush().map_err(io)?;
            log.get_ref().sync_data().map_err(io)?;
        }
        Ok(())
    }

    fn rebuild_graph(&mut self) {
        if self.chunks.len() <= self.config.exact_below {
            self.graph = None;
            return;
        }
        let graph = new_graph(&self.config, self.chunks.len());
        let items: Vec<(&[f32], usize)> = (0..self.chunks.len())
            .map(|i| (self.vector(i), i))
            .collect();
        graph.parallel_insert_slice(&items);
        self.graph = Some(graph);
    }

    fn vector(&self, i: usize) -> &[f32] {
        &self.vectors[i * self.dimension..(i + 1) * self.dimension]
    }

    fn score(&self, i: usize, query: &[f32]) -> f32 {
        self.vector(i).iter().zip(query).map(|(a, b)| a * b).sum()
    }

    /// Chunks in the index.
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Whether searches may use the HNSW graph (the index is past `exact_below`).
    pub fn has_graph(&self) -> bool {
        self.graph.is_some()
    }

    /// The `k` chunks most similar to `query` among those `filter` allows, best first.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Hit>, VectorError> {
        if query.len() != self.dimension {
            return Err(VectorError::Dimension {
                expected: self.dimension,
                got: query.len(),
            });
        }
        if k == 0 || self.chunks.is_empty() {
            return Ok(Vec::new());
        }
        let norm = query.iter().map(|x| x * x).sum::<f32>().sqrt();
        if !norm.is_finite() || norm == 0.0 {
            return Err(VectorError::InvalidVector("query".into()));
        }
        let query: Vec<f32> = query.iter().map(|x| x / norm).collect();
        let candidates = if filter.is_empty() {
            self.chunks.len()
        } else {
            self.chunks.iter().filter(|c| filter.matches(c)).count()
        };
        let mut scored: Vec<(f32, usize)> = match &self.graph {
            Some(graph) if candidates > self.config.exact_below => {
                let ef = self.config.ef_search.max(k);
                let found = if filter.is_empty() {
                    graph.search(&query, k, ef)
                } else {
                    let allow =
                        |id: &usize| self.chunks.get(*id).is_some_and(|c| filter.matches(c));
                    graph.search_filter(&query, k, ef, Some(&allow))
                };
                found
                    .into_iter()
                    .filter(|n| n.d_id < self.chunks.len())
                    .map(|n| (self.score(n.d_id, &query), n.d_id))
                    .collect()
            }
            _ => (0..self.chunks.len())
                .filter(|&i| filter.is_empty() || filter.matches(&self.chunks[i]))
                .map(|i| (self.score(i, &query), i))
                .collect(),
        };
        let k = k.min(scored.len());
        if k < scored.len() {
            scored.select_nth_unstable_by(k, |a, b| b.0.total_cmp(&a.0));
            scored.truncate(k);
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(scored
            .into_iter()
            .map(|(score, i)| Hit {
                chunk: self.chunks[i].clone(),
                score,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIM: usize = 8;

    /// Deterministic pseudo-random unit-ish vectors.
    fn vectors(n: usize, seed: u64, dim: usize) -> Vec<Vec<f32>> {
        let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..n)
            .map(|_| {
                (0..dim)
                    .map(|_| {
                        s ^= s << 13;
                        s ^= s >> 7;
                        s ^= s << 17;
                        (s >> 11) as f32 / (1u64 << 53) as f32 - 0.5
                    })
                    .collect()
            })
            .collect()
    }

    fn chunk(i: usize) -> ChunkRef {
        ChunkRef {
            id: format!("doc{}:{i}", i % 10),
            document_id: format!("doc{}", i % 10),
            tickers: if i.is_multiple_of(3) {
                vec!["AAPL".into()]
            } else {
                vec!["MSFT".into()]
            },
            tags: if i.is_multiple_of(2) {
                vec!["even".into()]
            } else {
                vec![]
            },
            ..ChunkRef::default()
        }
    }

    fn filled(n: usize, config: IndexConfig, dim: usize) -> (VectorIndex, Vec<Vec<f32>>) {
        let vs = vectors(n, 7, dim);
        let mut index = VectorIndex::in_memory(dim, config);
        let items = vs
            .iter()
            .enumerate()
            .map(|(i, v)| (chunk(i), v.clone()))
            .collect();
        assert_eq!(index.add_batch(items).expect("adds"), n);
        (index, vs)
    }

    fn brute_force(
        vs: &[Vec<f32>],
        q: &[f32],
        k: usize,
        keep: impl Fn(usize) -> bool,
    ) -> Vec<String> {
        let unit = |v: &[f32]| {
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter().map(|x| x / n).collect::<Vec<f32>>()
        };
        let q = unit(q);
        let mut s: Vec<(f32, usize)> = vs
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(i, v)| (unit(v).iter().zip(&q).map(|(a, b)| a * b).sum(), i))
            .collect();
        s.sort_by(|a, b| b.0.total_cmp(&a.0));
        s.into_iter().take(k).map(|(_, i)| chunk(i).id).collect()
    }

    #[test]
    fn exact_search_ranks_by_cosine() {
        let (index, vs) = filled(200, IndexConfig::default(), DIM);
        assert!(!index.has_graph());
        let q = &vectors(1, 99, DIM)[0];
        let hits = index.search(q, 5, &Filter::default()).expect("searches");
        let ids: Vec<String> = hits.iter().map(|h| h.chunk.id.clone()).collect();
        assert_eq!(ids, brute_force(&vs, q, 5, |_| true));
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(
            hits.iter()
                .all(|h| h.score <= 1.0 + 1e-6 && h.score >= -1.0 - 1e-6)
        );
        let itself = index
            .search(&vs[17], 1, &Filter::default())
            .expect("searches");
        assert_eq!(itself[0].chunk.id, chunk(17).id);
        assert!((itself[0].score - 1.0).abs() < 1e-5);
    }

    #[test]
    fn filters_by_document_ticker_and_tag() {
        let (index, vs) = filled(300, IndexConfig::default(), DIM);
        let q = &vectors(1, 5, DIM)[0];
        let filter = Filter {
            document_ids: vec!["doc3".into()],
            tickers: vec!["AAPL".into()],
            tags: vec![],
        };
        let hits = index.search(q, 4, &filter).expect("searches");
        assert_eq!(hits.len(), 4);
        let ids: Vec<String> = hits.iter().map(|h| h.chunk.id.clone()).collect();
        assert_eq!(ids, brute_force(&vs, q, 4, |i| i % 10 == 3 && i % 3 == 0));
        let tagged = index
            .search(
                q,
                1000,
                &Filter {
                    tags: vec!["even".into()],
                    ..Filter::default()
                },
            )
            .expect("searches");
        assert_eq!(tagged.len(), 150);
        let none = index
            .search(
                q,
                5,
                &Filter {
                    tickers: vec!["TSLA".into()],
                    ..Filter::default()
                },
            )
            .expect("searches");
        assert!(none.is_empty());
    }

    #[test]
    fn adds_are_idempotent_by_chunk_id() {
        let mut index = VectorIndex::in_memory(DIM, IndexConfig::default());
        let v = &vectors(1, 1, DIM)[0];
        assert!(index.add(chunk(1), v).expect("adds"));
        assert!(!index.add(chunk(1), v).expect("adds"));
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn bad_vectors_and_queries_are_refused() {
        let mut index = VectorIndex::in_memory(DIM, IndexConfig::default());
        assert!(matches!(
            index.add(chunk(1), &[1.0; 3]),
            Err(VectorError::Dimension {
                expected: 8,
                got: 3
            })
        ));
        assert!(matches!(
            index.add(chunk(1), &[0.0; DIM]),
            Err(VectorError::InvalidVector(_))
        ));
        assert!(matches!(
            index.add(chunk(1), &[f32::NAN; DIM]),
            Err(VectorError::InvalidVector(_))
        ));
        assert!(
            index
                .search(&[1.0; DIM], 3, &Filter::default())
                .expect("empty")
                .is_empty()
        );
        assert!(index.search(&[1.0; 2], 3, &Filter::default()).is_err());
        index.add(chunk(2), &[1.0; DIM]).expect("adds");
        assert!(index.search(&[0.0; DIM], 3, &Filter::default()).is_err());
        assert!(
            index
                .search(&[1.0; DIM], 0, &Filter::default())
                .expect("k=0")
                .is_empty()
        );
    }

    #[test]
    fn hnsw_above_the_threshold_agrees_with_exact_search() {
        let config = IndexConfig {
            exact_below: 500,
            ..IndexConfig::default()
        };
        let dim = 32;
        let (mut index, mut vs) = filled(2_000, config, dim);
        assert!(index.has_graph());
        // Incremental adds after the graph exists are searchable too.
        let extra = vectors(100, 1234, dim);
        for (j, v) in extra.iter().enumerate() {
            let i = 2_000 + j;
            index.add(chunk(i), v).expect("adds");
            vs.push(v.clone());
        }
        let queries = vectors(50, 77, dim);
        let mut found = 0;
        for q in &queries {
            let hits: Vec<String> = index
                .search(q, 10, &Filter::default())
                .expect("searches")
                .into_iter()
                .map(|h| h.chunk.id)
                .collect();
            let truth = brute_force(&vs, q, 10, |_| true);
            found += truth.iter().filter(|t| hits.contains(t)).count();
        }
        let recall = found as f64 / (queries.len() * 10) as f64;
        assert!(recall >= 0.95, "HNSW recall@10 {recall}");
        let newest = index
            .search(&extra[42], 1, &Filter::default())
            .expect("searches");
        assert_eq!(newest[0].chunk.id, chunk(2_042).id);
        // A selective filter falls back to the exact scan and is exact.
        let filter = Filter {
            document_ids: vec!["doc4".into()],
            ..Filter::default()
        };
        let hits: Vec<String> = index
            .search(&queries[0], 5, &filter)
            .expect("searches")
            .into_iter()
            .map(|h| h.chunk.id)
            .collect();
        assert_eq!(hits, brute_force(&vs, &queries[0], 5, |i| i % 10 == 4));
    }

    #[test]
    fn persists_reloads_and_survives_a_torn_record() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("chunks.fsvi");
        let vs = vectors(50, 3, DIM);
        {
            let mut index = VectorIndex::open(&path, DIM, IndexConfig::default()).expect("creates");
            let items = vs
                .iter()
                .take(40)
                .enumerate()
                .map(|(i, v)| (chunk(i), v.clone()))
                .collect();
            index.add_batch(items).expect("adds");
        }
        {
            let mut index = VectorIndex::open(&path, DIM, IndexConfig::default()).expect("reopens");
            assert_eq!(index.len(), 40);
            for (i, v) in vs.iter().enumerate().skip(40) {
                index.add(chunk(i), v).expect("adds");
            }
            assert!(!index.add(chunk(3), &vs[3]).expect("known"));
        }
        let full = std::fs::metadata(&path).expect("exists").len();
        // A crash in the middle of the last append.
        let f = OpenOptions::new().write(true).open(&path).expect("opens");
        f.set_len(full - 5).expect("truncates");
        let index = VectorIndex::open(&path, DIM, IndexConfig::default()).expect("recovers");
        assert_eq!(index.len(), 49);
        let hit = index
            .search(&vs[48], 1, &Filter::default())
            .expect("searches");
        assert_eq!(hit[0].chunk, chunk(48));
        assert!((hit[0].score - 1.0).abs() < 1e-5);
        assert!(std::fs::metadata(&path).expect("exists").len() < full);

        assert!(VectorIndex::open(&path, DIM + 1, IndexConfig::default()).is_err());
        let junk = dir.path().join("junk");
        std::fs::write(&junk, b"not an index at all").expect("writes");
        let err = VectorIndex::open(&junk, DIM, IndexConfig::default()).expect_err("junk");
        assert!(
            err.to_string().contains("not a finstream vector index"),
            "{err}"
        );
    }

    #[test]
    fn reload_above_the_threshold_rebuilds_the_graph() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("chunks.fsvi");
        let config = IndexConfig {
            exact_below: 100,
            ..IndexConfig::default()
        };
        let vs = vectors(300, 11, DIM);
        {
            let mut index = VectorIndex::open(&path, DIM, config).expect("creates");
            let items = vs
                .iter()
                .enumerate()
                .map(|(i, v)| (chunk(i), v.clone()))
                .collect();
            index.add_batch(items).expect("adds");
            assert!(index.has_graph());
        }
        let index = VectorIndex::open(&path, DIM, config).expect("reopens");
        assert!(index.has_graph());
        assert_eq!(
            index
                .search(&vs[250], 1, &Filter::default())
                .expect("searches")[0]
                .chunk,
            chunk(250)
        );
    }

    #[test]
    fn a_deferred_graph_is_built_outside_and_covers_what_arrived_meanwhile() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("chunks.fsvi");
        let config = IndexConfig {
            exact_below: 100,
            ..IndexConfig::default()
        };
        let vs = vectors(320, 12, DIM);
        {
            let mut index = VectorIndex::open(&path, DIM, config).expect("creates");
            let items = vs
                .iter()
                .take(300)
                .enumerate()
                .map(|(i, v)| (chunk(i), v.clone()))
                .collect();
            index.add_batch(items).expect("adds");
        }
        let mut index = VectorIndex::open_deferred(&path, DIM, config).expect("reopens");
        assert!(!index.has_graph(), "the graph waits for the plan");
        let plan = index.graph_plan().expect("a graph is pending");
        // Searches scan meanwhile, and adds do not build a graph here.
        assert_eq!(
            index.search(&vs[7], 1, &Filter::default()).expect("exact")[0].chunk,
            chunk(7)
        );
        for (i, v) in vs.iter().enumerate().skip(300) {
            index.add(chunk(i), v).expect("adds");
        }
        assert!(!index.has_graph());
        index.install(plan.build());
        assert!(index.has_graph() && index.graph_plan().is_none());
        for i in [3, 150, 299, 310, 319] {
            assert_eq!(
                index.search(&vs[i], 1, &Filter::default()).expect("graph")[0].chunk,
                chunk(i),
                "chunk {i}"
            );
        }
    }
}
