//! Documents and answers: upload (`POST /v1/documents`), the document list with each
//! one's pipeline status, semantic search over chunk vectors (`GET /v1/search`) and
//! grounded answers with citations (`POST /v1/chat`, and the seed's `POST /chat`).
//!
//! Uploads are stored in the object store under their SHA-256 and announced on
//! `docs.ingest.v1` (the bytes never travel through the bus); the `embeddings` processor
//! does the rest. Every gateway process keeps its own vector index, fed from
//! `docs.chunks.v1` read from the beginning (chunk adds are idempotent by id) and kept in
//! a file, so a restart reloads it and a new process catches up from the log.
//!
//! Answers: the question's best chunks, plus live market context for the tickers it
//! names. With an OpenAI-compatible LLM configured (`[answers.llm]`), the answer is
//! generated from that context and streamed (SSE) with citations `[n]`; without one, or
//! when the LLM fails, the answer is extractive: the sentences of the best chunks closest
//! to the question, each with its citation, or "not found in your documents".

use crate::error::{ApiError, ErrorBody};
use crate::rest::Store;
use crate::rest::v1::analysis;
use axum::Json;
use axum::extract::{FromRef, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use finstream_analytics::text::embed::Embedder;
use finstream_analytics::text::sentence::sentences;
use finstream_bus::{Bus, Producer, StartFrom, record::OutRecord};
use finstream_schemas::alpaca::format_rfc3339;
use finstream_schemas::{
    Codec, DocumentIngest, DocumentStage, DocumentStatus, Event, catalog, now_nanos,
};
use finstream_storage::Objects;
use finstream_storage::vector::{ChunkRef, Filter, Hit, IndexConfig, VectorIndex};
use futures::StreamExt;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use utoipa::{IntoParams, ToSchema};

/// all-MiniLM-L6-v2's output size.
pub const DIMENSION: usize = 384;

/// `[answers]`: uploads, retrieval and the optional LLM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnswersConfig {
    /// Largest upload, in MiB.
    pub max_upload_mib: u64,
    /// Chunks retrieved per question.
    pub top_k: usize,
    /// Below this cosine similarity a chunk does not count as an answer.
    pub min_score: f32,
    /// The vector index file; unset: `<data-dir>/vectors/chunks.idx`.
    pub index_file: Option<PathBuf>,
    /// An OpenAI-compatible chat completions server (llama.cpp, vLLM, Ollama, hosted).
    pub llm: LlmConfig,
}

impl Default for AnswersConfig {
    fn default() -> Self {
        Self {
            max_upload_mib: 100,
            top_k: 5,
            min_score: 0.3,
            index_file: None,
            llm: LlmConfig::default(),
        }
    }
}

/// `[answers.llm]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmConfig {
    /// Base URL of the API, e.g. `http://127.0.0.1:8081/v1` (the path before
    /// `/chat/completions`); unset: extractive answers only.
    pub url: Option<String>,
    /// Model name sent with each request.
    pub model: String,
    /// Bearer token, for hosted APIs.
    pub api_key: Option<String>,
    /// Longest wait for the whole answer, in seconds.
    pub timeout_secs: u64,
    pub max_tokens: u32,
    pub temperature: f32,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            url: None,
            model: "default".into(),
            api_key: None,
            timeout_secs: 120,
            max_tokens: 600,
            temperature: 0.1,
        }
    }
}

/// What the documents endpoints need, built by the binary when the model is installed.
#[derive(Clone)]
pub struct DocsBackend {
    pub config: AnswersConfig,
    pub objects: Objects,
    pub embedder: Arc<Embedder>,
    /// The index file (`None`: in memory only).
    pub index_file: Option<PathBuf>,
}

impl std::fmt::Debug for DocsBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocsBackend")
            .field("objects", &self.objects)
            .field("index_file", &self.index_file)
            .finish_non_exhaustive()
    }
}

/// The documents service of one gateway process.
pub struct Docs {
    objects: Objects,
    embedder: Arc<Embedder>,
    index: RwLock<VectorIndex>,
    producer: Producer,
    codec: Codec,
    config: AnswersConfig,
    http: reqwest::Client,
}

impl std::fmt::Debug for Docs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Docs")
            .field("objects", &self.objects)
            .field("indexed", &self.indexed())
            .finish_non_exhaustive()
    }
}

/// The documents service, or why this process has none.
#[derive(Debug, Clone)]
pub struct DocsState(pub Result<Arc<Docs>, String>);

impl DocsState {
    pub(crate) fn get(&self) -> Result<&Arc<Docs>, ApiError> {
        self.0
            .as_ref()
            .map_err(|why| ApiError::Unavailable(why.clone()))
    }
}

impl Docs {
    /// Opens the index (reloading its file) and the producer.
    pub fn open(backend: DocsBackend, bus: &Bus, codec: Codec) -> Result<Self, String> {
        let config = backend.config.clone();
        let index = match &backend.index_file {
            Some(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("creating {}: {e}", dir.display()))?;
                }
                // The graph of a large index is built in the background (`build_graph`):
                // searches scan exactly until then instead of the gateway waiting minutes.
                VectorIndex::open_deferred(path, DIMENSION, IndexConfig::default())
                    .map_err(|e| format!("opening the vector index {}: {e}", path.display()))?
            }
            None => VectorIndex::in_memory(DIMENSION, IndexConfig::default()),
        };
        tracing::info!(chunks = index.len(), "vector index loaded");
        let producer = bus.producer().map_err(|e| e.to_string())?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.llm.timeout_secs.max(1)))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            objects: backend.objects,
            embedder: backend.embedder,
            index: RwLock::new(index),
            producer,
            codec,
            config,
            http,
        })
    }

    /// Chunks in the index.
    pub fn indexed(&self) -> usize {
        self.index.read().len()
    }

    async fn embed_one(&self, text: String) -> Result<Vec<f32>, ApiError> {
        let embedder = Arc::clone(&self.embedder);
        tokio::task::spawn_blocking(move || embedder.embed(&[text.as_str()]))
            .await
            .map_err(|e| ApiError::Internal(format!("embedding task: {e}")))?
            .map_err(|e| ApiError::Internal(format!("embedding the question: {e}")))?
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("the model returned no vector".into()))
    }

    fn search(&self, vector: &[f32], k: usize, filter: &Filter) -> Result<Vec<Hit>, ApiError> {
        self.index
            .read()
            .search(vector, k, filter)
            .map_err(|e| ApiError::Internal(format!("vector search: {e}")))
    }
}

impl FromRef<crate::app::AppState> for DocsState {
    fn from_ref(state: &crate::app::AppState) -> DocsState {
        state.docs.clone()
    }
}

/// Builds the graph of a reopened index on a blocking thread, without holding the index,
/// and puts it in place (with the chunks that arrived meanwhile).
pub async fn build_graph(docs: Arc<Docs>) {
    let Some(plan) = docs.index.read().graph_plan() else {
        return;
    };
    let started = std::time::Instant::now();
    tracing::info!(
        chunks = docs.indexed(),
        "building the vector graph in the background; exact search until then"
    );
    match tokio::task::spawn_blocking(move || plan.build()).await {
        Ok(built) => {
            docs.index.write().install(built);
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                "vector graph ready"
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "building the vector graph failed; exact search goes on")
        }
    }
}

/// Keeps the index up to date with `docs.chunks.v1` until shutdown.
pub async fn index_chunks(docs: Arc<Docs>, bus: Bus, codec: Codec, shutdown: CancellationToken) {
    let topics = [catalog::DOCS_CHUNKS];
    bus.follow(
        &topics,
        StartFrom::Earliest,
        "the vector index",
        2_000,
        &shutdown,
        |batch| index_batch(Arc::clone(&docs), &codec, batch),
    )
    .await;
}

async fn index_batch(docs: Arc<Docs>, codec: &Codec, batch: Vec<finstream_bus::Record>) {
    {
        let mut items = Vec::with_capacity(batch.len());
        for record in &batch {
            match codec.decode_event(finstream_schemas::EventKind::DocumentChunk, &record.payload) {
                Ok(Event::DocumentChunk(c)) => items.push((
                    ChunkRef {
                        id: c.id,
                        document_id: c.document_id,
                        tickers: c.tickers,
                        tags: c.tags,
                        chunk_index: u32::try_from(c.chunk_index).unwrap_or(0),
                        page: c.page.and_then(|p| u32::try_from(p).ok()),
                        text: c.text,
                        title: c.title,
                    },
                    c.embedding,
                )),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(offset = record.offset, partition = record.partition, error = %e, "skipping a chunk that does not decode");
                }
            }
        }
        let docs = Arc::clone(&docs);
        let added = tokio::task::spawn_blocking(move || {
            let mut index = docs.index.write();
            let added = index.add_batch(items);
            let flushed = index.flush();
            (added, flushed, index.len())
        })
        .await;
        match added {
            Ok((Ok(n), flushed, len)) => {
                if let Err(e) = flushed {
                    tracing::warn!(error = %e, "writing the vector index file failed");
                }
                metrics::gauge!("finstream_vector_index_chunks").set(len as f64);
                if n > 0 {
                    tracing::debug!(added = n, total = len, "chunks indexed");
                }
            }
            Ok((Err(e), _, _)) => tracing::warn!(error = %e, "adding chunks to the index failed"),
            Err(e) => tracing::error!(error = %e, "the indexing task failed"),
        }
    }
}

// ---------------------------------------------------------------- uploads

/// A document as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: String,
    pub filename: String,
    pub title: Option<String>,
    pub author: Option<String>,
    pub media_type: String,
    pub size_bytes: i64,
    /// `queued`, `extracted`, `embedded` or `failed`.
    pub status: String,
    /// For `failed`: a stable code (`encrypted`, `not_pdf`, `too_large`, `timed_out`...).
    pub error_code: Option<String>,
    /// For `failed`: what went wrong.
    pub error: Option<String>,
    pub page_count: i32,
    /// Pages with almost no text (scans, charts) or that could not be read.
    pub little_text_pages: Vec<i32>,
    pub chunk_count: i32,
    pub tickers: Vec<String>,
    pub tags: Vec<String>,
    pub submitted_by: String,
    pub submitted_at: String,
    pub updated_at: String,
}

impl From<&DocumentStatus> for DocumentOut {
    fn from(s: &DocumentStatus) -> Self {
        Self {
            id: s.document_id.clone(),
            filename: s.filename.clone(),
            title: s.title.clone(),
            author: s.author.clone(),
            media_type: s.media_type.clone(),
            size_bytes: s.size_bytes,
            status: s.stage.as_str().to_string(),
            error_code: s.error_code.clone(),
            error: s.error.clone(),
            page_count: s.page_count,
            little_text_pages: s.little_text_pages.clone(),
            chunk_count: s.chunk_count,
            tickers: s.tickers.clone(),
            tags: s.tags.clone(),
            submitted_by: s.submitted_by.clone(),
            submitted_at: format_rfc3339(s.submitted_time),
            updated_at: format_rfc3339(s.event_time),
        }
    }
}

/// The answer to an upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadOut {
    /// True when these bytes were uploaded before (the document is not ingested again).
    pub duplicate: bool,
    pub document: DocumentOut,
}

/// The documents list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentsOut {
    pub documents: Vec<DocumentOut>,
}

/// The media type of an upload, from its file name, then from the part's content type.
fn media_type_of(filename: &str, content_type: Option<&str>) -> Result<&'static str, ApiError> {
    let lower = filename.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let by_ext = match ext {
        "pdf" => Some("application/pdf"),
        "txt" | "text" => Some("text/plain"),
        "md" | "markdown" => Some("text/markdown"),
        "html" | "htm" => Some("text/html"),
        _ => None,
    };
    let by_type = content_type.and_then(|t| {
        match t
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "application/pdf" => Some("application/pdf"),
            "text/plain" => Some("text/plain"),
            "text/markdown" => Some("text/markdown"),
            "text/html" => Some("text/html"),
            _ => None,
        }
    });
    by_ext.or(by_type).ok_or_else(|| {
        ApiError::UnsupportedMediaType(format!(
            "{filename:?} is not a document finstream reads: upload a PDF (.pdf), text (.txt), Markdown (.md) or HTML (.html) file"
        ))
    })
}

/// Words of a comma- or space-separated list, trimmed, without empties and repeats.
fn list_field(text: &str, upper: bool) -> Vec<String> {
    let mut seen = BTreeSet::new();
    text.split([',', ' ', ';'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| {
            if upper {
                w.trim_start_matches('$').to_ascii_uppercase()
            } else {
                w.to_string()
            }
        })
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

fn caller(identity: Option<&crate::auth::Identity>) -> String {
    identity.map_or_else(|| "anonymous".to_string(), |i| i.subject.clone())
}

/// The next part of a multipart upload; a body over the route's limit is `too_large`.
pub(crate) async fn next_part<'a>(
    form: &'a mut Multipart,
    too_large: &(dyn Fn() -> ApiError + Sync),
) -> Result<Option<axum::extract::multipart::Field<'a>>, ApiError> {
    match form.next_field().await {
        Ok(f) => Ok(f),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
        Err(e) => Err(ApiError::BadRequest(format!(
            "the multipart body cannot be read: {e}"
        ))),
    }
}

/// A `file` part: its name, its media type (`type_of` the name and the part's content
/// type) and its bytes, refused when empty or over `limit`.
pub(crate) async fn file_part(
    field: axum::extract::multipart::Field<'_>,
    limit: u64,
    too_large: &(dyn Fn() -> ApiError + Sync),
    type_of: impl FnOnce(&str, Option<&str>) -> Result<&'static str, ApiError>,
) -> Result<(String, &'static str, bytes::Bytes), ApiError> {
    let filename = field
        .file_name()
        .map(str::to_string)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::BadRequest("the file part needs a file name".into()))?;
    let media = type_of(&filename, field.content_type())?;
    let bytes = field.bytes().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::BadRequest(format!("the file cannot be read: {e}"))
        }
    })?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    if bytes.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "{filename:?} is empty (0 bytes)"
        )));
    }
    Ok((filename, media, bytes))
}

/// Uploads a document (multipart: `file`, optional `title`, `tickers`, `tags`).
#[utoipa::path(post, path = "/v1/documents", tag = "finstream",
    request_body(content_type = "multipart/form-data", description = "file: the document (PDF, text, Markdown or HTML); title; tickers and tags: comma-separated"),
    responses((status = 202, body = UploadOut, description = "queued for ingest"),
        (status = 200, body = UploadOut, description = "the same bytes were uploaded before"),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn upload(
    State(docs): State<DocsState>,
    State(store): State<Store>,
    identity: Option<axum::Extension<crate::auth::Identity>>,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let docs = docs.get()?;
    let limit = docs.config.max_upload_mib.max(1) << 20;
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the upload is over the limit of {} MiB (answers.max_upload_mib)",
            docs.config.max_upload_mib
        ))
    };
    let mut file = None;
    let (mut title, mut tickers, mut tags) = (None, Vec::new(), Vec::new());
    loop {
        let Some(field) = next_part(&mut form, &too_large).await? else {
            break;
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => file = Some(file_part(field, limit, &too_large, media_type_of).await?),
            "title" | "tickers" | "tags" => {
                let text = field.text().await.map_err(|e| {
                    ApiError::BadRequest(format!("the {name} field cannot be read: {e}"))
                })?;
                if text.len() > 1_000 {
                    return Err(ApiError::BadRequest(format!(
                        "{name} is over 1,000 characters"
                    )));
                }
                match name.as_str() {
                    "title" => title = Some(text.trim().to_string()).filter(|t| !t.is_empty()),
                    "tickers" => tickers = list_field(&text, true),
                    _ => tags = list_field(&text, false),
                }
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown form field {other:?}: send file, and optionally title, tickers and tags"
                )));
            }
        }
    }
    let (filename, media_type, bytes) = file.ok_or_else(|| {
        ApiError::BadRequest("no file: send the document in a multipart field named file".into())
    })?;
    if let Some(bad) = tickers.iter().find(|t| {
        t.len() > 12
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    }) {
        return Err(ApiError::BadRequest(format!(
            "{bad:?} is not a ticker symbol"
        )));
    }
    let (status, out) = ingest(
        docs,
        &store,
        Upload {
            filename,
            media_type,
            bytes,
            title,
            tickers,
            tags,
            submitted_by: caller(identity.as_ref().map(|e| &e.0)),
        },
    )
    .await?;
    Ok((status, Json(out)).into_response())
}

/// A document to ingest.
#[derive(Debug)]
pub(crate) struct Upload {
    pub filename: String,
    pub media_type: &'static str,
    pub bytes: bytes::Bytes,
    pub title: Option<String>,
    pub tickers: Vec<String>,
    pub tags: Vec<String>,
    pub submitted_by: String,
}

/// Whether ingest reads this media type.
pub(crate) fn ingestible(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/pdf" | "text/plain" | "text/markdown" | "text/html"
    )
}

/// Stores the bytes and queues them for the embeddings processor (or finds the same
/// bytes ingested before): 202 or 200 with the document.
pub(crate) async fn ingest(
    docs: &Docs,
    store: &Store,
    upload: Upload,
) -> Result<(StatusCode, UploadOut), ApiError> {
    let Upload {
        filename,
        media_type,
        bytes,
        title,
        tickers,
        tags,
        submitted_by,
    } = upload;
    let size = bytes.len() as i64;
    let (sha, location) = docs.objects.put(bytes).await.map_err(|e| {
        ApiError::Unavailable(format!("the object store did not take the file: {e}"))
    })?;
    let id = format!("doc-{}", &sha[..32]);
    if let Some(hot) = store.hot.as_ref()
        && let Some(existing) = hot.document_status(&id).await?
        && existing.stage != DocumentStage::Failed
    {
        return Ok((
            StatusCode::OK,
            UploadOut {
                duplicate: true,
                document: DocumentOut::from(&existing),
            },
        ));
    }
    let ingest = DocumentIngest {
        id: id.clone(),
        content_sha256: sha,
        location,
        filename,
        media_type: media_type.to_string(),
        size_bytes: size,
        title,
        tickers,
        tags,
        submitted_by,
        event_time: now_nanos(),
    };
    let queued = DocumentStatus::of_ingest(&ingest, DocumentStage::Queued, ingest.event_time);
    let records = [
        OutRecord::event(&docs.codec, &queued),
        OutRecord::event(&docs.codec, &ingest),
    ]
    .into_iter()
    .collect::<Result<Vec<_>, _>>()
    .map_err(|e| ApiError::Internal(format!("encoding the ingest request: {e}")))?;
    docs.producer.send_all(records).await.map_err(|e| {
        ApiError::Unavailable(format!("the bus did not take the ingest request: {e}"))
    })?;
    metrics::counter!("finstream_documents_uploaded_total").increment(1);
    tracing::info!(document = %id, filename = %ingest.filename, bytes = size, "document queued");
    Ok((
        StatusCode::ACCEPTED,
        UploadOut {
            duplicate: false,
            document: DocumentOut::from(&queued),
        },
    ))
}

/// Every document with its status, newest first.
#[utoipa::path(get, path = "/v1/documents", tag = "finstream",
    responses((status = 200, body = DocumentsOut), (status = 503, body = ErrorBody)))]
pub async fn list(State(store): State<Store>) -> Result<Json<DocumentsOut>, ApiError> {
    let mut statuses = store.get()?.document_statuses().await?;
    statuses.sort_by_key(|s| std::cmp::Reverse(s.submitted_time));
    Ok(Json(DocumentsOut {
        documents: statuses.iter().map(DocumentOut::from).collect(),
    }))
}

/// One document with its status.
#[utoipa::path(get, path = "/v1/documents/{id}", tag = "finstream",
    params(("id" = String, Path, description = "Document id, as the upload returned it")),
    responses((status = 200, body = DocumentOut), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn one(
    State(store): State<Store>,
    Path(id): Path<String>,
) -> Result<Json<DocumentOut>, ApiError> {
    store
        .get()?
        .document_status(&id)
        .await?
        .map(|s| Json(DocumentOut::from(&s)))
        .ok_or_else(|| {
            ApiError::NotFound(format!("no document {id:?}: GET /v1/documents lists them"))
        })
}

// ---------------------------------------------------------------- search

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// The question or words to look for.
    q: Option<String>,
    /// Results, 1 to 50 (default 5).
    k: Option<usize>,
    /// Only these documents (comma-separated ids).
    document: Option<String>,
    /// Only documents about these tickers (comma-separated).
    ticker: Option<String>,
    /// Only documents with these tags (comma-separated).
    tag: Option<String>,
}

/// One retrieved chunk, with where it comes from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceOut {
    /// The citation number used in answers (`[1]` is the first source).
    pub n: usize,
    pub chunk_id: String,
    pub document_id: String,
    pub title: Option<String>,
    /// 1-based page, for paged formats.
    pub page: Option<u32>,
    /// Cosine similarity with the question.
    pub score: f32,
    pub text: String,
    /// Where the question's words occur in `text`: `[start, end)` character offsets.
    pub highlights: Vec<[usize; 2]>,
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchOut {
    pub query: String,
    pub results: Vec<SourceOut>,
    /// Chunks in this gateway's index.
    pub indexed_chunks: usize,
}

const STOP_WORDS: [&str; 40] = [
    "the", "and", "for", "are", "was", "were", "what", "which", "who", "whom", "how", "why",
    "when", "where", "does", "did", "has", "have", "had", "with", "from", "that", "this", "these",
    "those", "about", "into", "its", "their", "there", "than", "then", "will", "would", "can",
    "could", "should", "our", "your", "you",
];

/// The words of a question worth highlighting.
fn terms(query: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    query
        .split(|c: char| !c.is_alphanumeric() && c != '-' && c != '.')
        .map(|w| w.trim_matches(['.', '-']).to_lowercase())
        .filter(|w| w.chars().count() >= 3 && !STOP_WORDS.contains(&w.as_str()))
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// Character ranges of the terms in `text` (case-insensitive, at word starts), merged.
fn highlights(text: &str, terms: &[String]) -> Vec<[usize; 2]> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().flat_map(|c| c.to_lowercase()).collect();
    if lower.len() != chars.len() {
        // A character whose lower case is longer: offsets would shift; skip highlighting.
        return Vec::new();
    }
    let mut ranges = Vec::new();
    for term in terms {
        let t: Vec<char> = term.chars().collect();
        let mut i = 0;
        while i + t.len() <= lower.len() {
            let at_word_start = i == 0 || !lower[i - 1].is_alphanumeric();
            if at_word_start && lower[i..i + t.len()] == t[..] {
                let mut end = i + t.len();
                while end < lower.len() && lower[end].is_alphanumeric() {
                    end += 1;
                }
                ranges.push([i, end]);
                i = end;
            } else {
                i += 1;
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<[usize; 2]> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r[0] <= last[1] => last[1] = last[1].max(r[1]),
            _ => merged.push(r),
        }
    }
    merged
}

fn split_list(text: Option<&str>, upper: bool) -> Vec<String> {
    text.map(|t| list_field(t, upper)).unwrap_or_default()
}

fn sources_of(hits: Vec<Hit>, query: &str) -> Vec<SourceOut> {
    let terms = terms(query);
    hits.into_iter()
        .enumerate()
        .map(|(i, h)| SourceOut {
            n: i + 1,
            highlights: highlights(&h.chunk.text, &terms),
            chunk_id: h.chunk.id,
            document_id: h.chunk.document_id,
            title: h.chunk.title,
            page: h.chunk.page,
            score: h.score,
            text: h.chunk.text,
        })
        .collect()
}

fn question(text: &str, what: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "{what} is empty: ask something"
        )));
    }
    if text.chars().count() > 2_000 {
        return Err(ApiError::BadRequest(format!(
            "{what} is longer than 2,000 characters: ask one question"
        )));
    }
    Ok(text.to_string())
}

/// Chunks most similar to the question, with citations and highlighted words.
#[utoipa::path(get, path = "/v1/search", tag = "finstream", params(SearchParams),
    responses((status = 200, body = SearchOut), (status = 400, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn search(
    State(docs): State<DocsState>,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchOut>, ApiError> {
    let docs = docs.get()?;
    let q = question(
        p.q.as_deref().ok_or_else(|| {
            ApiError::BadRequest("q is missing: /v1/search?q=your question".into())
        })?,
        "q",
    )?;
    let k = p.k.unwrap_or(5);
    if !(1..=50).contains(&k) {
        return Err(ApiError::BadRequest("k must be between 1 and 50".into()));
    }
    let filter = Filter {
        document_ids: split_list(p.document.as_deref(), false),
        tickers: split_list(p.ticker.as_deref(), true),
        tags: split_list(p.tag.as_deref(), false),
    };
    let vector = docs.embed_one(q.clone()).await?;
    let hits = docs.search(&vector, k, &filter)?;
    Ok(Json(SearchOut {
        results: sources_of(hits, &q),
        query: q,
        indexed_chunks: docs.indexed(),
    }))
}

// ---------------------------------------------------------------- answers

/// A question (the seed's ChatRequest).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    #[schema(example = "What did NWSC say about its buyback?")]
    message: String,
    /// Optional: `documents`, `tickers`, `tags` (lists) narrow the search; `symbols` adds
    /// market context for symbols the question does not name.
    #[serde(default)]
    context: serde_json::Value,
}

/// Live numbers for a symbol the question names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MarketOut {
    pub symbol: String,
    pub summary: String,
    pub latest_price: Option<f64>,
    pub change_percent: Option<f64>,
}

/// A grounded answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerOut {
    pub answer: String,
    /// `extractive` (sentences from the sources) or `llm` (generated from them).
    pub mode: String,
    /// Whether the documents held something relevant.
    pub found: bool,
    /// The chunks the answer drew on; `[n]` in the answer cites `sources[n-1]`.
    pub sources: Vec<SourceOut>,
    pub market: Vec<MarketOut>,
    /// Set when an LLM is configured but failed, and the answer fell back to extraction.
    pub llm_error: Option<String>,
}

const NOT_FOUND: &str = "Not found in your documents.";

fn context_list(context: &serde_json::Value, key: &str, upper: bool) -> Vec<String> {
    match context.get(key) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str())
            .flat_map(|s| list_field(s, upper))
            .collect(),
        Some(serde_json::Value::String(s)) => list_field(s, upper),
        _ => Vec::new(),
    }
}

/// Upper-case words of one to five letters (optionally `$`-marked) in the question.
fn named_symbols(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '$' || c == '.'))
        .map(|w| w.trim_end_matches('.'))
        .filter_map(|w| {
            let bare = w.strip_prefix('$').unwrap_or(w);
            let ok = (1..=5).contains(&bare.len())
                && bare.chars().all(|c| c.is_ascii_uppercase())
                && (w.starts_with('$') || bare.len() >= 2);
            ok.then(|| bare.to_string())
        })
        .filter(|s| seen.insert(s.clone()))
        .take(5)
        .collect()
}

async fn market_context(store: &Store, symbols: Vec<String>, q: &str) -> Vec<MarketOut> {
    let mut out = Vec::new();
    for symbol in symbols {
        // Symbols finstream has no data for are words, not tickers: skipped.
        if let Ok(a) = analysis(store, &symbol, q.to_string()).await {
            out.push(MarketOut {
                symbol: a.symbol.clone(),
                summary: a.summary.clone(),
                latest_price: a.latest_price,
                change_percent: a.change_percent,
            });
        }
    }
    out
}

/// The sentences of the best sources closest to the question, each cited.
async fn extract(docs: &Docs, qv: &[f32], sources: &[SourceOut]) -> Result<String, ApiError> {
    let mut candidates: Vec<(usize, String)> = Vec::new();
    for s in sources.iter().take(3) {
        for r in sentences(&s.text) {
            let sentence = s.text[r].trim().to_string();
            if sentence.split_whitespace().count() >= 4 {
                candidates.push((s.n, sentence));
            }
        }
    }
    if candidates.is_empty() {
        return Ok(NOT_FOUND.to_string());
    }
    let embedder = Arc::clone(&docs.embedder);
    let texts: Vec<String> = candidates.iter().map(|(_, s)| s.clone()).collect();
    let vectors = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        embedder.embed(&refs)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("embedding task: {e}")))?
    .map_err(|e| ApiError::Internal(format!("embedding sentences: {e}")))?;
    let mut scored: Vec<(f32, usize)> = vectors
        .iter()
        .enumerate()
        .map(|(i, v)| (v.iter().zip(qv).map(|(a, b)| a * b).sum::<f32>(), i))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let best = scored.first().map_or(0.0, |s| s.0);
    let mut picked: Vec<usize> = scored
        .iter()
        .take(3)
        .filter(|(score, _)| *score >= best - 0.15)
        .map(|&(_, i)| i)
        .collect();
    // Read in the order the sources give them, not by score.
    picked.sort_unstable();
    Ok(picked
        .iter()
        .map(|&i| format!("{} [{}]", candidates[i].1, candidates[i].0))
        .collect::<Vec<_>>()
        .join(" "))
}

fn prompt(q: &str, sources: &[SourceOut], market: &[MarketOut]) -> Vec<serde_json::Value> {
    let mut context = String::new();
    for s in sources {
        let page = s.page.map(|p| format!(", page {p}")).unwrap_or_default();
        let title = s.title.clone().unwrap_or_else(|| s.document_id.clone());
        context.push_str(&format!("[{}] {title}{page}:\n{}\n\n", s.n, s.text));
    }
    if !market.is_empty() {
        context.push_str("Live market data:\n");
        for m in market {
            context.push_str(&format!("- {}\n", m.summary));
        }
    }
    vec![
        serde_json::json!({"role": "system", "content":
            "You are finstream's research assistant. Answer only from the numbered sources and the \
             live market data given. Cite every claim taken from a source with its number in \
             brackets, like [1]. If the sources do not answer the question, say that it is not \
             found in the user's documents. Be brief."}),
        serde_json::json!({"role": "user", "content": format!("{context}Question: {q}")}),
    ]
}

/// Streams the LLM's answer; each piece goes to `pieces` as it arrives.
async fn generate(
    docs: &Docs,
    messages: Vec<serde_json::Value>,
    pieces: Option<&tokio::sync::mpsc::Sender<String>>,
) -> Result<String, String> {
    let llm = &docs.config.llm;
    let base = llm.url.as_deref().ok_or("no LLM configured")?;
    let url = format!("{}/chat/completions", base.trim_end_matches('/'));
    let mut request = docs.http.post(&url).json(&serde_json::json!({
        "model": llm.model,
        "messages": messages,
        "stream": true,
        "max_tokens": llm.max_tokens,
        "temperature": llm.temperature,
    }));
    if let Some(key) = &llm.api_key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(format!(
            "{url} answered {status}: {}",
            body.chars().take(300).collect::<String>()
        ));
    }
    let mut events = eventsource_stream::EventStream::new(response.bytes_stream());
    let mut answer = String::new();
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| format!("reading the LLM's stream: {e}"))?;
        if event.data.trim() == "[DONE]" {
            break;
        }
        let chunk: serde_json::Value = serde_json::from_str(&event.data)
            .map_err(|e| format!("the LLM sent something that is not JSON: {e}"))?;
        if let Some(message) = chunk.get("error") {
            return Err(format!("the LLM reported an error: {message}"));
        }
        let piece = chunk["choices"][0]["delta"]["content"]
            .as_str()
            .unwrap_or("");
        if !piece.is_empty() {
            answer.push_str(piece);
            if let Some(tx) = pieces {
                // A client that went away stops receiving; the answer is still finished.
                let _ = tx.send(piece.to_string()).await;
            }
        }
    }
    if answer.trim().is_empty() {
        return Err("the LLM returned an empty answer".into());
    }
    Ok(answer)
}

/// Everything but the generation: the question's sources and market context.
async fn gather(
    docs: &Docs,
    store: &Store,
    req: &AnswerRequest,
) -> Result<(String, Vec<f32>, Vec<SourceOut>, Vec<MarketOut>), ApiError> {
    let q = question(&req.message, "message")?;
    let filter = Filter {
        document_ids: context_list(&req.context, "documents", false),
        tickers: context_list(&req.context, "tickers", true),
        tags: context_list(&req.context, "tags", false),
    };
    let qv = docs.embed_one(q.clone()).await?;
    let hits: Vec<Hit> = docs
        .search(&qv, docs.config.top_k.clamp(1, 20), &filter)?
        .into_iter()
        .filter(|h| h.score >= docs.config.min_score)
        .collect();
    let sources = sources_of(hits, &q);
    let mut symbols = named_symbols(&q);
    for s in context_list(&req.context, "symbols", true) {
        if !symbols.contains(&s) {
            symbols.push(s);
        }
    }
    let market = market_context(store, symbols, &q).await;
    Ok((q, qv, sources, market))
}

/// Answers `message` (a room's question to the assistant): the pieces go to `pieces` as
/// they come.
pub(crate) async fn ask(
    docs: &Docs,
    store: &Store,
    message: String,
    context: serde_json::Value,
    pieces: Option<&tokio::sync::mpsc::Sender<String>>,
) -> Result<AnswerOut, ApiError> {
    let req = AnswerRequest { message, context };
    let (q, qv, sources, market) = gather(docs, store, &req).await?;
    answer_whole(docs, &q, &qv, sources, market, pieces).await
}

async fn answer_whole(
    docs: &Docs,
    q: &str,
    qv: &[f32],
    sources: Vec<SourceOut>,
    market: Vec<MarketOut>,
    pieces: Option<&tokio::sync::mpsc::Sender<String>>,
) -> Result<AnswerOut, ApiError> {
    let found = !sources.is_empty();
    let mut llm_error = None;
    if docs.config.llm.url.is_some() && (found || !market.is_empty()) {
        match generate(docs, prompt(q, &sources, &market), pieces).await {
            Ok(answer) => {
                return Ok(AnswerOut {
                    answer,
                    mode: "llm".into(),
                    found,
                    sources,
                    market,
                    llm_error: None,
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "the LLM failed; answering by extraction");
                metrics::counter!("finstream_llm_failures_total").increment(1);
                llm_error = Some(e);
            }
        }
    }
    let mut answer = if found {
        extract(docs, qv, &sources).await?
    } else {
        NOT_FOUND.to_string()
    };
    if !market.is_empty() {
        let lines: Vec<String> = market.iter().map(|m| m.summary.clone()).collect();
        answer.push_str(&format!("\n\nMarket: {}", lines.join(" ")));
    }
    if let Some(tx) = pieces {
        let _ = tx.send(answer.clone()).await;
    }
    Ok(AnswerOut {
        answer,
        mode: "extractive".into(),
        found,
        sources,
        market,
        llm_error,
    })
}

/// Answers a question from the documents and the live market, with citations. With
/// `Accept: text/event-stream` the answer streams as server-sent events: `sources`
/// (sources and market context), `delta` (pieces of the answer), then `done` (the whole
/// answer as the JSON response would give it) or `error`.
#[utoipa::path(post, path = "/v1/chat", tag = "finstream", request_body = AnswerRequest,
    responses((status = 200, body = AnswerOut), (status = 400, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn answer(
    State(docs): State<DocsState>,
    State(store): State<Store>,
    headers: HeaderMap,
    crate::rest::params::Body(req): crate::rest::params::Body<AnswerRequest>,
) -> Result<Response, ApiError> {
    let docs = Arc::clone(docs.get()?);
    let (q, qv, sources, market) = gather(&docs, &store, &req).await?;
    metrics::counter!("finstream_answers_total").increment(1);
    let streaming = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    if !streaming {
        return Ok(
            Json(answer_whole(&docs, &q, &qv, sources, market, None).await?).into_response(),
        );
    }
    let (events_tx, events_rx) = tokio::sync::mpsc::channel::<SseEvent>(64);
    let first = SseEvent::default()
        .event("sources")
        .json_data(serde_json::json!({"sources": sources, "market": market}))
        .map_err(|e| ApiError::Internal(format!("encoding sources: {e}")))?;
    tokio::spawn(async move {
        if events_tx.send(first).await.is_err() {
            return;
        }
        let (piece_tx, mut piece_rx) = tokio::sync::mpsc::channel::<String>(64);
        let forward_tx = events_tx.clone();
        let forward = tokio::spawn(async move {
            while let Some(piece) = piece_rx.recv().await {
                let event = SseEvent::default()
                    .event("delta")
                    .json_data(serde_json::json!({"text": piece}));
                if let Ok(event) = event
                    && forward_tx.send(event).await.is_err()
                {
                    break;
                }
            }
        });
        let result = answer_whole(&docs, &q, &qv, sources, market, Some(&piece_tx)).await;
        drop(piece_tx);
        let _ = forward.await;
        let last = match result {
            Ok(done) => SseEvent::default().event("done").json_data(&done),
            Err(e) => SseEvent::default().event("error").json_data(
                serde_json::json!({"code": e.status().as_u16(), "message": e.to_string()}),
            ),
        };
        if let Ok(last) = last {
            let _ = events_tx.send(last).await;
        }
    });
    let stream = tokio_stream_from(events_rx).map(Ok::<_, Infallible>);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(10)))
        .into_response())
}

fn tokio_stream_from<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures::Stream<Item = T> + Send + 'static {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_come_from_the_name_then_the_part() {
        assert_eq!(
            media_type_of("10-K.PDF", None).ok(),
            Some("application/pdf")
        );
        assert_eq!(media_type_of("notes.md", None).ok(), Some("text/markdown"));
        assert_eq!(
            media_type_of("page", Some("text/html; charset=utf-8")).ok(),
            Some("text/html")
        );
        let err =
            media_type_of("deck.pptx", Some("application/octet-stream")).expect_err("not read");
        assert_eq!(err.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(err.to_string().contains("deck.pptx"), "{err}");
    }

    #[test]
    fn lists_split_trim_and_dedupe() {
        assert_eq!(list_field(" $aapl, MSFT;aapl ", true), vec!["AAPL", "MSFT"]);
        assert_eq!(list_field("q3, filing", false), vec!["q3", "filing"]);
    }

    #[test]
    fn highlights_mark_words_that_start_with_a_term() {
        let text = "Buybacks grew; the buyback programme ended. Rebuy no.";
        let t = terms("What about the buyback?");
        assert_eq!(t, vec!["buyback"]);
        let h = highlights(text, &t);
        let marked: Vec<String> = h
            .iter()
            .map(|[a, b]| text.chars().skip(*a).take(b - a).collect())
            .collect();
        assert_eq!(marked, vec!["Buybacks", "buyback"]);
    }

    #[test]
    fn symbols_are_upper_case_words_or_dollar_marked() {
        assert_eq!(
            named_symbols("Is $F cheap vs AAPL and NVDA? I think A is a word."),
            vec!["F", "AAPL", "NVDA"]
        );
    }
}
