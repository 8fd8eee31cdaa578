//! Where finstream keeps data.
//!
//! - [`data_dir`]: the layout of `--data-dir`, the one directory an embedded deployment
//!   (`finstream run`) keeps everything under.
//! - [`history`]: the Parquet history, one folder per topic, Hive-partitioned by date,
//!   files named by topic partition and offset range so that a replay rewrites rather
//!   than duplicates; on any `object_store` backend.
//! - [`hot`]: the hot store the gateway reads (latest trade and quote, bars, indicators,
//!   option chains, chat pages, documents): ScyllaDB or an embedded redb file behind one
//!   type, the same rows in both.
//! - [`sql`]: read-only SQL over the history with DataFusion, with finance functions,
//!   time, memory and row limits, and results as tables, CSV, JSON, Arrow or Parquet.
//! - [`vector`]: the chunk vector index for retrieval (exact below 20,000 candidates,
//!   HNSW above), filtered by document, ticker and tag.
//!
//! Start with `history/mod.rs`: its naming scheme is what makes persisting exactly once
//! possible.

pub mod config;
pub mod data_dir;
pub mod history;
pub mod hot;
pub mod objects;
pub mod sql;
pub mod vector;

pub use config::{HistoryConfig, S3Settings, SqlConfig, StoreBackend, StoreConfig};
pub use data_dir::DataDir;
pub use history::{History, Table};
pub use hot::{ChatCursor, EmbeddedStore, HotStore, Retention, ScyllaConfig, ScyllaStore};
pub use objects::{Objects, ObjectsConfig};
pub use sql::{QueryLimits, QueryResult, ResultFormat, SqlEngine};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The data directory cannot be used; the message says which path and why.
    #[error("data directory {path}: {message}")]
    DataDir { path: String, message: String },
    /// A configuration setting cannot be used; the message names it and says why.
    #[error("configuration: {message}")]
    Config { message: String },
    /// The object store (local directory or S3) refused an operation.
    #[error("object store: {message}")]
    ObjectStore { message: String },
    /// The query is not valid or not allowed; the message says what to change.
    #[error("{message}")]
    Sql { message: String },
    /// The query ran longer than its limit and was cancelled.
    #[error(
        "query cancelled after {seconds} s, its time limit: narrow it (a date range, a symbol) or raise the limit"
    )]
    QueryTimeout { seconds: f64 },
    /// A backend (ScyllaDB, the embedded store, Redis) failed or cannot be reached.
    #[error("{backend}: {message}")]
    Backend {
        backend: &'static str,
        message: String,
    },
    /// A bug or an impossible state; the message says where.
    #[error("internal storage error: {message}")]
    Internal { message: String },
}

impl StorageError {
    pub(crate) fn object_store(e: object_store::Error) -> Self {
        StorageError::ObjectStore {
            message: e.to_string(),
        }
    }

    pub(crate) fn sql(e: datafusion::error::DataFusionError) -> Self {
        StorageError::Sql {
            message: e.to_string(),
        }
    }

    /// Whether the caller sent something wrong (a 4xx), rather than the system failing.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            StorageError::Sql { .. } | StorageError::QueryTimeout { .. }
        )
    }
}
