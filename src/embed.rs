//! `finstream embed`: text to all-MiniLM-L6-v2 vectors as JSON arrays, one per line.

use anyhow::Context;
use finstream_analytics::text::embed::{Embedder, FETCH_HINT, default_model_dir};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Lines embedded per forward pass group with `--stdin`: large enough for batching,
/// small enough that output starts quickly on a long stream.
const STDIN_GROUP: usize = 256;

pub use finstream_processors::embeddings::EmbeddingsConfig;

/// The model directory: the flag, then the configuration, then the fetch script's default.
pub fn model_dir(flag: Option<&Path>, config: &EmbeddingsConfig) -> anyhow::Result<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| config.model_dir.clone())
        .or_else(default_model_dir)
        .with_context(|| format!("no model directory configured and HOME is unset: {FETCH_HINT}"))
}

/// Prints the vector of `text`, or with `stdin` of every input line, as JSON arrays.
pub fn run(
    config: &EmbeddingsConfig,
    text: Option<&str>,
    stdin: bool,
    model_dir_flag: Option<&Path>,
) -> anyhow::Result<()> {
    let dir = model_dir(model_dir_flag, config)?;
    let embedder = Embedder::load(&dir)
        .with_context(|| format!("cannot load the embedding model from {}", dir.display()))?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    if !stdin {
        let text = text.context("give a text to embed, or --stdin")?;
        return print_vectors(&embedder, &[text], &mut out);
    }
    let mut lines = std::io::stdin().lock().lines();
    loop {
        let mut group = Vec::with_capacity(STDIN_GROUP);
        for line in lines.by_ref().take(STDIN_GROUP) {
            let line = line.context("reading standard input")?;
            group.push(line.strip_suffix('\r').map(str::to_string).unwrap_or(line));
        }
        if group.is_empty() {
            return Ok(());
        }
        let texts: Vec<&str> = group.iter().map(String::as_str).collect();
        print_vectors(&embedder, &texts, &mut out)?;
    }
}

fn print_vectors(embedder: &Embedder, texts: &[&str], out: &mut impl Write) -> anyhow::Result<()> {
    for vector in embedder.embed(texts)? {
        serde_json::to_writer(&mut *out, &vector)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_configuration() {
        let config = EmbeddingsConfig {
            model_dir: Some("/from/config".into()),
            ..EmbeddingsConfig::default()
        };
        let flag = Path::new("/from/flag");
        assert_eq!(
            model_dir(Some(flag), &config).ok(),
            Some(flag.to_path_buf())
        );
        assert_eq!(
            model_dir(None, &config).ok(),
            Some(PathBuf::from("/from/config"))
        );
    }

    #[test]
    fn a_missing_model_says_how_to_fetch_it() {
        let config = EmbeddingsConfig {
            model_dir: Some(std::env::temp_dir().join("finstream-missing-model")),
            ..EmbeddingsConfig::default()
        };
        let err = run(&config, Some("text"), false, None).expect_err("no model there");
        let message = format!("{err:#}");
        assert!(
            message.contains("scripts/models/fetch-minilm.sh"),
            "{message}"
        );
    }
}
