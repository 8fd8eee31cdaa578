//! The `embeddings` processor: document ingest requests in (`docs.ingest.v1`), embedded
//! chunks (`docs.chunks.v1`) and the document's pipeline status (`docs.status.v1`) out.
//!
//! For each document it reads the bytes from the object store (never from the event),
//! takes out the text (PDFs page by page under a time budget, plain text and Markdown as
//! they are, HTML rendered to text), cleans it, finds its metadata, cuts sentence-aware
//! chunks sized for the model, embeds them with all-MiniLM-L6-v2 and emits one event per
//! chunk, then `EMBEDDED`. A document that cannot be read gets a `FAILED` status with a
//! stable code and a message, and the next document is processed: a bad file is a fact
//! about the file, not a malformed event, so it is reported on the status topic rather
//! than dead-lettered.
//!
//! Work is CPU-bound and long (seconds to minutes per document), so it runs under
//! `block_in_place` and the runner should take one document per batch. `EXTRACTED` is
//! sent at once through its own producer, so users see progress while chunks embed.

use finstream_analytics::text::chunk::{ChunkConfig, chunk_with_header, embedding_input};
use finstream_analytics::text::clean::{CleanText, clean_pages};
use finstream_analytics::text::embed::Embedder;
use finstream_analytics::text::metadata::{FileInfo, context_header, extract_metadata};
use finstream_analytics::text::pdf::{PageStatus, PdfLimits, extract_pdf_within};
use finstream_bus::Producer;
use finstream_bus::record::OutRecord;
use finstream_bus::runner::{Emitter, Input, ProcessError, Processor};
use finstream_schemas::{
    Codec, DocumentChunk, DocumentIngest, DocumentStage, DocumentStatus, Event, now_nanos,
};
use finstream_storage::Objects;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The model's name on chunk events.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// Media types the processor reads.
pub const MEDIA_TYPES: [&str; 4] = [
    "application/pdf",
    "text/plain",
    "text/markdown",
    "text/html",
];

/// `[embeddings]`: the model and the budgets of one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmbeddingsConfig {
    /// Directory with all-MiniLM-L6-v2 (config.json, tokenizer.json, model.safetensors).
    /// Unset: FINSTREAM_MODEL_DIR, else ~/.cache/finstream/models/all-MiniLM-L6-v2, where
    /// scripts/models/fetch-minilm.sh installs it.
    pub model_dir: Option<PathBuf>,
    /// Largest document read, in MiB; larger ones fail with `too_large`.
    pub max_document_mib: u64,
    /// Longest text extraction of one document, in seconds; then `timed_out`.
    pub extract_timeout_secs: u64,
    /// Chunks per forward pass of the model.
    pub batch_size: usize,
    /// Tickers the text mentions that are added to the uploader's.
    pub max_found_tickers: usize,
    /// On Kafka, the longest one document may take (extraction and embedding) before the
    /// group gives its partition to another member: the consumer's `max.poll.interval.ms`
    /// (unless `kafka.properties` sets it). Kafka's default, 300 s, is about 1,000 chunks.
    pub max_document_secs: u64,
}

impl Default for EmbeddingsConfig {
    fn default() -> Self {
        Self {
            model_dir: None,
            max_document_mib: 100,
            extract_timeout_secs: 120,
            batch_size: 32,
            max_found_tickers: 5,
            max_document_secs: 3_600,
        }
    }
}

/// Why a document was not embedded: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFailure {
    pub code: String,
    pub message: String,
}

impl DocumentFailure {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// A document's text, cleaned and cut into chunks, before embedding.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub clean: CleanText,
    /// Pages for paged formats (PDF), else `None`.
    pub page_count: Option<usize>,
    pub little_text_pages: Vec<i32>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub tickers: Vec<String>,
    /// The context line embedded before each chunk (title and tickers).
    pub header: String,
    pub chunks: Vec<finstream_analytics::text::chunk::Chunk>,
}

/// Embeds documents.
pub struct EmbeddingsProcessor {
    config: EmbeddingsConfig,
    embedder: Arc<Embedder>,
    objects: Objects,
    /// Sends `EXTRACTED` before the document's batch ends.
    progress: Option<(Producer, Codec)>,
}

impl std::fmt::Debug for EmbeddingsProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddingsProcessor")
            .field("config", &self.config)
            .field("objects", &self.objects)
            .finish_non_exhaustive()
    }
}

/// The status event of `doc` at `stage`, now.
fn status_of(doc: &DocumentIngest, stage: DocumentStage) -> DocumentStatus {
    DocumentStatus::of_ingest(doc, stage, now_nanos())
}

impl EmbeddingsProcessor {
    pub fn new(
        config: EmbeddingsConfig,
        embedder: Arc<Embedder>,
        objects: Objects,
        progress: Option<(Producer, Codec)>,
    ) -> Self {
        Self {
            config,
            embedder,
            objects,
            progress,
        }
    }

    fn max_bytes(&self) -> u64 {
        self.config.max_document_mib.max(1) << 20
    }

    /// Text, metadata and chunks of a document's bytes.
    pub fn prepare(
        &self,
        doc: &DocumentIngest,
        bytes: Vec<u8>,
    ) -> Result<Prepared, DocumentFailure> {
        let mut info = FileInfo::default();
        let mut page_count = None;
        let mut little_text_pages = Vec::new();
        let clean = match doc.media_type.as_str() {
            "application/pdf" => {
                let limits = PdfLimits {
                    max_bytes: usize::try_from(self.max_bytes()).unwrap_or(usize::MAX),
                    ..PdfLimits::default()
                };
                let pdf = extract_pdf_within(
                    Arc::from(bytes),
                    limits,
                    Duration::from_secs(self.config.extract_timeout_secs.max(1)),
                )
                .map_err(|e| DocumentFailure::new(e.code(), e.to_string()))?;
                for p in &pdf.pages {
                    if p.status != PageStatus::Text {
                        little_text_pages.push(i32::try_from(p.number).unwrap_or(i32::MAX));
                    }
                }
                page_count = Some(pdf.pages.len());
                info = pdf.info.clone();
                clean_pages(&pdf.page_texts())
            }
            "text/plain" => clean_pages(&[utf8(bytes)?]),
            "text/markdown" => clean_pages(&[markdown_headings_as_text(&utf8(bytes)?)]),
            "text/html" => {
                let text = utf8(bytes)?;
                let rendered = html2text::from_read(text.as_bytes(), 10_000).map_err(|e| {
                    DocumentFailure::new("bad_html", format!("the HTML cannot be read: {e}"))
                })?;
                clean_pages(&[rendered])
            }
            other => {
                return Err(DocumentFailure::new(
                    "unsupported_type",
                    format!(
                        "media type {other} is not read: send one of {}",
                        MEDIA_TYPES.join(", ")
                    ),
                ));
            }
        };
        if clean.text.trim().is_empty() {
            return Err(DocumentFailure::new(
                "no_text",
                "the document has no text to index (a scan without OCR, or empty pages)",
            ));
        }
        let metadata = extract_metadata(&clean, &info, |_| false);
        let mut tickers = doc.tickers.clone();
        for t in metadata.tickers.iter().take(self.config.max_found_tickers) {
            if !tickers.contains(&t.symbol) {
                tickers.push(t.symbol.clone());
            }
        }
        let title = doc
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .or(metadata.title.clone());
        let top: Vec<&str> = tickers.iter().take(3).map(String::as_str).collect();
        let header = context_header(title.as_deref(), &top);
        let chunks = chunk_with_header(
            &clean,
            self.embedder.as_ref(),
            ChunkConfig::default(),
            &header,
        );
        Ok(Prepared {
            clean,
            page_count,
            little_text_pages,
            title,
            author: metadata.author,
            tickers,
            header,
            chunks,
        })
    }

    /// Embeds a prepared document into chunk events.
    pub fn embed(
        &self,
        doc: &DocumentIngest,
        prepared: &Prepared,
    ) -> Result<Vec<DocumentChunk>, DocumentFailure> {
        let inputs: Vec<String> = prepared
            .chunks
            .iter()
            .map(|c| embedding_input(&prepared.header, c))
            .collect();
        let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let vectors = self
            .embedder
            .embed(&refs)
            .map_err(|e| DocumentFailure::new("embedding_failed", e.to_string()))?;
        let paged = prepared.page_count.is_some();
        let now = now_nanos();
        Ok(prepared
            .chunks
            .iter()
            .zip(vectors)
            .map(|(c, embedding)| DocumentChunk {
                id: format!("{}:{}", doc.id, c.index),
                document_id: doc.id.clone(),
                chunk_index: i32::try_from(c.index).unwrap_or(i32::MAX),
                text: c.text.clone(),
                page: paged.then(|| i32::try_from(c.page_start).unwrap_or(i32::MAX)),
                start_offset: i64::try_from(c.chars.start).unwrap_or(i64::MAX),
                end_offset: i64::try_from(c.chars.end).unwrap_or(i64::MAX),
                embedding,
                model: MODEL_NAME.to_string(),
                title: prepared.title.clone(),
                tickers: prepared.tickers.clone(),
                tags: doc.tags.clone(),
                event_time: now,
            })
            .collect())
    }

    fn described(doc: &DocumentIngest, stage: DocumentStage, p: &Prepared) -> DocumentStatus {
        DocumentStatus {
            title: p.title.clone(),
            author: p.author.clone(),
            tickers: p.tickers.clone(),
            page_count: p
                .page_count
                .map_or(0, |n| i32::try_from(n).unwrap_or(i32::MAX)),
            little_text_pages: p.little_text_pages.clone(),
            chunk_count: i32::try_from(p.chunks.len()).unwrap_or(i32::MAX),
            ..status_of(doc, stage)
        }
    }

    /// Everything for one document: the chunk events and the final status.
    fn handle(&self, doc: &DocumentIngest) -> (Vec<DocumentChunk>, DocumentStatus) {
        let failed = |f: DocumentFailure| {
            tracing::warn!(document = %doc.id, filename = %doc.filename, code = %f.code, error = %f.message, "document failed");
            metrics::counter!("finstream_documents_total", "outcome" => "failed", "code" => f.code.clone()).increment(1);
            let status = DocumentStatus {
                error_code: Some(f.code),
                error: Some(f.message),
                ..status_of(doc, DocumentStage::Failed)
            };
            (Vec::new(), status)
        };
        if u64::try_from(doc.size_bytes).unwrap_or(u64::MAX) > self.max_bytes() {
            return failed(DocumentFailure::new(
                "too_large",
                format!(
                    "the file is {} bytes, over the limit of {} MiB (embeddings.max_document_mib)",
                    doc.size_bytes, self.config.max_document_mib
                ),
            ));
        }
        let started = Instant::now();
        let bytes = match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle.block_on(self.objects.get(&doc.location, self.max_bytes())),
            Err(e) => {
                return failed(DocumentFailure::new(
                    "internal",
                    format!("no async runtime: {e}"),
                ));
            }
        };
        let bytes = match bytes {
            Ok(b) => b.to_vec(),
            Err(e) => {
                return failed(DocumentFailure::new(
                    "unreadable",
                    format!("the stored file cannot be read: {e}"),
                ));
            }
        };
        let prepared = match self.prepare(doc, bytes) {
            Ok(p) => p,
            Err(f) => return failed(f),
        };
        if let Some((producer, codec)) = &self.progress {
            let extracted = Self::described(doc, DocumentStage::Extracted, &prepared);
            match OutRecord::event(codec, &extracted) {
                Ok(record) => {
                    if let Ok(handle) = tokio::runtime::Handle::try_current()
                        && let Err(e) = handle.block_on(producer.send(record))
                    {
                        tracing::warn!(document = %doc.id, error = %e, "could not publish the extracted status");
                    }
                }
                Err(e) => {
                    tracing::warn!(document = %doc.id, error = %e, "could not encode the extracted status")
                }
            }
        }
        let extract_secs = started.elapsed().as_secs_f64();
        let embed_start = Instant::now();
        let chunks = match self.embed(doc, &prepared) {
            Ok(c) => c,
            Err(f) => return failed(f),
        };
        let embed_secs = embed_start.elapsed().as_secs_f64();
        metrics::counter!("finstream_documents_total", "outcome" => "embedded", "code" => "")
            .increment(1);
        metrics::counter!("finstream_chunks_embedded_total").increment(chunks.len() as u64);
        metrics::histogram!("finstream_document_seconds", "phase" => "extract")
            .record(extract_secs);
        metrics::histogram!("finstream_document_seconds", "phase" => "embed").record(embed_secs);
        tracing::info!(
            document = %doc.id,
            filename = %doc.filename,
            pages = prepared.page_count.unwrap_or(0),
            chunks = chunks.len(),
            extract_secs,
            embed_secs,
            "document embedded"
        );
        (
            chunks,
            Self::described(doc, DocumentStage::Embedded, &prepared),
        )
    }
}

/// Markdown headings as plain lines (`## Outlook` becomes `Outlook`), so that neither
/// titles nor chunks carry the markup.
fn markdown_headings_as_text(text: &str) -> String {
    text.lines()
        .map(|line| {
            let t = line.trim_start();
            let rest = t.trim_start_matches('#');
            let level = t.len() - rest.len();
            if (1..=6).contains(&level) && (rest.is_empty() || rest.starts_with([' ', '\t'])) {
                rest.trim()
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn utf8(bytes: Vec<u8>) -> Result<String, DocumentFailure> {
    if bytes.is_empty() {
        return Err(DocumentFailure::new("empty", "the file is empty (0 bytes)"));
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        DocumentFailure::new(
            "not_utf8",
            format!(
                "the text is not UTF-8 (invalid byte at offset {}): convert it to UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    if text.starts_with('\u{FEFF}') {
        text.remove(0);
    }
    Ok(text)
}

impl Processor for EmbeddingsProcessor {
    fn process(&mut self, input: Input<'_>, out: &mut Emitter) -> Result<(), ProcessError> {
        let Event::DocumentIngest(doc) = input.event else {
            return Err(ProcessError::Invalid(format!(
                "expected a document ingest request on {}",
                input.topic
            )));
        };
        if out.is_replaying() {
            return Ok(());
        }
        if doc.id.is_empty() || doc.location.is_empty() {
            return Err(ProcessError::Invalid(
                "a document ingest request needs an id and a location".into(),
            ));
        }
        let multi_threaded = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if !multi_threaded {
            return Err(ProcessError::Failed(
                "the embeddings processor runs on tokio's multi-threaded runtime".into(),
            ));
        }
        let (chunks, status) = tokio::task::block_in_place(|| self.handle(&doc));
        for c in &chunks {
            out.emit(c)?;
        }
        out.emit(&status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_headings_lose_their_marks_and_hashtags_stay() {
        let md = "# Desk memo\n\n## Outlook ##\nRates #1 concern; #hashtag stays.\n####### seven\n";
        assert_eq!(
            markdown_headings_as_text(md),
            "Desk memo\n\nOutlook ##\nRates #1 concern; #hashtag stays.\n####### seven"
        );
    }

    #[test]
    fn text_that_is_not_utf8_says_where() {
        let err = utf8(vec![b'o', b'k', 0xff]).expect_err("not UTF-8");
        assert_eq!(err.code, "not_utf8");
        assert!(err.message.contains("offset 2"), "{}", err.message);
        assert_eq!(utf8("\u{FEFF}hi".into()).ok().as_deref(), Some("hi"));
        assert_eq!(utf8(Vec::new()).expect_err("empty").code, "empty");
    }
}
