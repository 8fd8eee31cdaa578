//! Sentence embeddings with all-MiniLM-L6-v2, in Rust: the encoder of `minilm.rs` on
//! candle tensors and Hugging Face's tokenizer, computing what sentence-transformers
//! computes for this model: token embeddings, mean pooling over the attention mask, L2
//! normalisation.
//!
//! Inputs are truncated at 256 word pieces (the model's `max_seq_length`; its
//! tokenizer.json says 128, which sentence-transformers overrides too). Texts are embedded
//! in batches, packed end to end without padding (`minilm.rs`).
//!
//! The weights are not in the repository: `scripts/models/fetch-minilm.sh` installs them.
//! Loading reads three files (the one piece of I/O in this crate, at start-up); embedding
//! is pure computation.

use super::chunk::PieceCounter;
use super::minilm::{Config, MiniLm, mean_pool_normalized};
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use std::ops::Range;
use std::path::{Path, PathBuf};
use tokenizers::{Tokenizer, TruncationParams};

/// Length of an embedding.
pub const DIMENSION: usize = 384;
/// Most word pieces the model reads, [CLS] and [SEP] included.
pub const MAX_TOKENS: usize = 256;
/// Texts per forward pass.
pub const DEFAULT_BATCH_SIZE: usize = 32;
/// What to run when the model is missing.
pub const FETCH_HINT: &str = "run scripts/models/fetch-minilm.sh (it installs into $FINSTREAM_MODEL_DIR or $HOME/.cache/finstream/models/all-MiniLM-L6-v2)";

/// Where fetch-minilm.sh installs the model: `FINSTREAM_MODEL_DIR`, else
/// `$HOME/.cache/finstream/models/all-MiniLM-L6-v2`.
pub fn default_model_dir() -> Option<PathBuf> {
    std::env::var_os("FINSTREAM_MODEL_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/finstream/models/all-MiniLM-L6-v2"))
        })
}

/// Why the embedder cannot load or run.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("model file {} is missing: {FETCH_HINT}", .0.display())]
    MissingFile(PathBuf),
    #[error("cannot read model file {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("model: {0}")]
    Model(#[from] candle_core::Error),
}

/// all-MiniLM-L6-v2, ready to embed.
pub struct Embedder {
    model: MiniLm,
    /// Truncates at [`MAX_TOKENS`].
    tokenizer: Tokenizer,
    /// Neither truncates nor pads: for counting word pieces.
    counter: Tokenizer,
    batch_size: usize,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("batch_size", &self.batch_size)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let read = |name: &str| {
            let path = dir.join(name);
            if !path.is_file() {
                return Err(EmbedError::MissingFile(path));
            }
            std::fs::read(&path).map_err(|e| EmbedError::Read {
                message: e.to_string(),
                path,
            })
        };
        let config: Config = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| EmbedError::Model(candle_core::Error::msg(format!("config.json: {e}"))))?;
        let mut counter = Tokenizer::from_bytes(read("tokenizer.json")?)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        counter.with_padding(None);
        counter
            .with_truncation(None)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let mut tokenizer = counter.clone();
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let weights = VarBuilder::from_buffered_safetensors(
            read("model.safetensors")?,
            DType::F32,
            &Device::Cpu,
        )?;
        let model = MiniLm::load(weights, &config)?;
        Ok(Self {
            model,
            tokenizer,
            counter,
            batch_size: DEFAULT_BATCH_SIZE,
        })
    }

    /// Texts per forward pass (at least 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// One unit-length vector of [`DIMENSION`] numbers per text, in the order given.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        // Batches allocate tensors of tens of MB: from the first one on, the process keeps
        // freed memory for the next (`machine.rs`). A process that only embeds one query
        // at a time (a gateway) keeps glibc's defaults and gives memory back.
        if texts.len() > 1 {
            super::machine::keep_freed_memory();
        }
        // Longest first, as sentence-transformers orders them (by length in characters):
        // a batch's texts take similar time, which keeps attention's threads even.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(texts[i].chars().count()));
        let mut out = vec![Vec::new(); texts.len()];
        for batch in order.chunks(self.batch_size) {
            let inputs: Vec<&str> = batch.iter().map(|&i| texts[i]).collect();
            for (&i, vector) in batch.iter().zip(self.embed_batch(&inputs)?) {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let ids: Vec<Vec<u32>> = encodings.iter().map(|e| e.get_ids().to_vec()).collect();
        let lengths: Vec<usize> = ids.iter().map(Vec::len).collect();
        let hidden = self.model.forward(&ids)?;
        Ok(mean_pool_normalized(&hidden, self.model.hidden(), &lengths))
    }

    /// Word pieces of `text` without special tokens and without truncation.
    pub fn count_pieces(&self, text: &str) -> usize {
        self.counter
            .encode(text, false)
            .map_or(0, |e| e.get_ids().len())
    }
}

impl PieceCounter for Embedder {
    fn pieces(&self, text: &str) -> Vec<Range<usize>> {
        self.counter
            .encode(text, false)
            .map(|e| e.get_offsets().iter().map(|&(s, e)| s..e).collect())
            .unwrap_or_default()
    }
}

/// Cosine similarity of two vectors (1 for the same direction).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::chunk::{ChunkConfig, chunk};
    use crate::text::clean::clean_pages;

    fn embedder() -> Embedder {
        Embedder::load(&default_model_dir().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn missing_model_says_how_to_fetch_it() {
        let dir = std::env::temp_dir().join("finstream-no-model-here");
        let err = Embedder::load(&dir).expect_err("no model there");
        assert!(matches!(err, EmbedError::MissingFile(_)));
        assert!(
            err.to_string().contains("scripts/models/fetch-minilm.sh"),
            "{err}"
        );
    }

    #[test]
    fn cosine_edges() {
        assert_eq!(cosine(&[1.0, 0.0], &[2.0, 0.0]), 1.0);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 3.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    }

    #[test]
    #[ignore = "needs all-MiniLM-L6-v2: run scripts/models/fetch-minilm.sh (make test does)"]
    fn vectors_are_unit_length_and_independent_of_batching() {
        let e = embedder();
        assert!(e.embed(&[]).expect("embeds nothing").is_empty());
        let texts = [
            "Apple beat earnings.",
            "",
            "The Fed held rates steady at 5.25%.",
            "x",
        ];
        let together = e.embed(&texts).expect("embeds");
        let one_by_one = e.with_batch_size(1).embed(&texts).expect("embeds");
        for (a, b) in together.iter().zip(&one_by_one) {
            assert_eq!(a.len(), DIMENSION);
            let norm: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
            assert!(cosine(a, b) > 0.99999, "padding changed a vector");
        }
    }

    #[test]
    #[ignore = "needs all-MiniLM-L6-v2: run scripts/models/fetch-minilm.sh (make test does)"]
    fn related_texts_are_closer_than_unrelated_ones() {
        let e = embedder();
        let v = e
            .embed(&[
                "The central bank raised interest rates.",
                "The Fed hiked rates.",
                "My cat sleeps all day.",
            ])
            .expect("embeds");
        assert!(cosine(&v[0], &v[1]) > cosine(&v[0], &v[2]) + 0.3);
    }

    #[test]
    #[ignore = "needs all-MiniLM-L6-v2: run scripts/models/fetch-minilm.sh (make test does)"]
    fn chunks_measured_by_the_real_tokenizer_fit_the_model() {
        let e = embedder();
        let sentence = "Operating income rose 14% to $2.3 billion, driven by higher data-center \
                        shipments and favorable pricing in North America. ";
        let run_on = "supercalifragilisticexpialidocious ".repeat(300);
        let text = format!("{}\n\n{}", sentence.repeat(60), run_on);
        let doc = clean_pages(&[
            text.as_str(),
            "Ünïcödé text, 日本語のテキスト, and emoji 📈 on page two.",
        ]);
        let chunks = chunk(&doc, &e, ChunkConfig::default());
        assert!(chunks.len() > 10);
        for c in &chunks {
            let with_specials = e
                .tokenizer
                .encode(c.text.as_str(), true)
                .map(|enc| enc.get_ids().len())
                .expect("encodes");
            // The truncating tokenizer would cut at 256: count without truncation.
            let counted = e.count_pieces(&c.text) + 2;
            assert!(
                counted <= MAX_TOKENS,
                "chunk {} has {counted} pieces",
                c.index
            );
            assert!(with_specials <= MAX_TOKENS);
            assert_eq!(counted, c.pieces + 2);
        }
        assert_eq!(chunks.last().map(|c| c.page_end), Some(2));
    }
}
