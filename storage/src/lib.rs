//! Where finstream keeps data.
//!
//! - [`data_dir`]: the layout of `--data-dir`, the one directory an embedded deployment
//!   (`finstream run`) keeps everything under.
//!
//! The hot store (ScyllaDB and an embedded store behind one trait), the Parquet history
//! and its SQL engine, and the Redis-backed sessions and limits arrive with the storage
//! and gateway work and live here beside it.

pub mod data_dir;
pub mod vector;

pub use data_dir::DataDir;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The data directory cannot be used; the message says which path and why.
    #[error("data directory {path}: {message}")]
    DataDir { path: String, message: String },
}
