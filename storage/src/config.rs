//! Configuration of the storage layer: the `store`, `history` and `sql` sections.

use crate::hot::{EmbeddedStore, HotStore, Retention, ScyllaConfig, ScyllaStore};
use crate::{DataDir, History, QueryLimits, SqlEngine, StorageError};
use finstream_schemas::Codec;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which hot store a process uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    /// A redb file under `<data-dir>/store/`.
    Embedded,
    /// ScyllaDB (or Cassandra) at `store.nodes`.
    Scylla,
}

/// The `store` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub backend: StoreBackend,
    /// ScyllaDB contact points, `host:port`.
    pub nodes: Vec<String>,
    /// ScyllaDB keyspace, created with `replication_factor` if missing.
    pub keyspace: String,
    pub replication_factor: u32,
    /// Days trades and quotes stay in the hot store (none: forever).
    pub ticks_days: Option<u32>,
    /// Days bars stay in the hot store.
    pub bars_days: Option<u32>,
    /// Days chat messages stay in the hot store.
    pub chat_days: Option<u32>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        let scylla = ScyllaConfig::default();
        let retention = Retention::default();
        Self {
            backend: StoreBackend::Embedded,
            nodes: scylla.nodes,
            keyspace: scylla.keyspace,
            replication_factor: scylla.replication_factor,
            ticks_days: retention.ticks_days,
            bars_days: retention.bars_days,
            chat_days: retention.chat_days,
        }
    }
}

impl StoreConfig {
    pub fn retention(&self) -> Retention {
        Retention {
            ticks_days: self.ticks_days,
            bars_days: self.bars_days,
            chat_days: self.chat_days,
        }
    }

    /// Opens the configured store (the embedded one under `data`).
    pub async fn open(&self, data: &DataDir, codec: Codec) -> Result<HotStore, StorageError> {
        Ok(match self.backend {
            StoreBackend::Embedded => {
                HotStore::Embedded(EmbeddedStore::open(&data.store().join("hot.redb"))?, codec)
            }
            StoreBackend::Scylla => HotStore::Scylla(
                ScyllaStore::connect(ScyllaConfig {
                    nodes: self.nodes.clone(),
                    keyspace: self.keyspace.clone(),
                    replication_factor: self.replication_factor,
                    retention: self.retention(),
                })
                .await?,
                codec,
            ),
        })
    }
}

/// The `history` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistoryConfig {
    /// Days of Parquet history kept (none: forever); older dates are archived when
    /// `archive_dir` is set, deleted otherwise, by the cleanup job.
    pub retention_days: Option<u32>,
    /// Where old dates go (a cheaper disk or mount).
    pub archive_dir: Option<std::path::PathBuf>,
    /// Files smaller than this (MiB) are merged by compaction.
    pub compact_below_mib: u64,
    /// How often the cleanup job (compaction, retention) runs, in minutes.
    pub maintenance_minutes: u64,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            retention_days: None,
            archive_dir: None,
            compact_below_mib: 16,
            maintenance_minutes: 60,
        }
    }
}

impl HistoryConfig {
    pub fn open(&self, data: &DataDir) -> Result<History, StorageError> {
        History::local(&data.history())
    }
}

/// The `sql` section: limits every query runs under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SqlConfig {
    pub timeout_secs: u64,
    pub memory_mib: usize,
    pub max_rows: usize,
}

impl Default for SqlConfig {
    fn default() -> Self {
        let d = QueryLimits::default();
        Self {
            timeout_secs: d.timeout.as_secs(),
            memory_mib: d.memory_bytes >> 20,
            max_rows: d.max_rows,
        }
    }
}

impl SqlConfig {
    pub fn limits(&self) -> QueryLimits {
        QueryLimits {
            timeout: Duration::from_secs(self.timeout_secs.max(1)),
            memory_bytes: self.memory_mib.max(1) << 20,
            max_rows: self.max_rows.max(1),
        }
    }

    pub fn engine(&self, history: History) -> SqlEngine {
        SqlEngine::new(history, self.limits())
    }
}
