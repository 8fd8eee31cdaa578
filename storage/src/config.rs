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
    /// Where the Parquet history lives: unset for `<data-dir>/history`, or
    /// `s3://bucket/prefix` for S3 or any S3-compatible store (see `[history.s3]`).
    pub url: Option<String>,
    /// How to reach an `s3://` history.
    pub s3: S3Settings,
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

/// `[history.s3]`: an S3 or S3-compatible (MinIO, Ceph, R2, ...) store. What is unset
/// here comes from the usual `AWS_*` environment variables (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`, ...), then from the instance's
/// role, as the AWS tools do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Settings {
    /// The endpoint of an S3-compatible store, e.g. `http://127.0.0.1:9000`.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow a plain `http://` endpoint (a store on the same host or network).
    pub allow_http: bool,
    /// Address buckets as `bucket.endpoint` rather than `endpoint/bucket`.
    pub virtual_hosted_style: bool,
}

impl S3Settings {
    /// A client for one bucket, with what is unset here taken from the environment.
    pub fn store(&self, bucket: &str) -> Result<object_store::aws::AmazonS3, String> {
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_allow_http(self.allow_http)
            .with_virtual_hosted_style_request(self.virtual_hosted_style);
        if let Some(v) = &self.endpoint {
            builder = builder.with_endpoint(v);
        }
        if let Some(v) = &self.region {
            builder = builder.with_region(v);
        }
        if let Some(v) = &self.access_key_id {
            builder = builder.with_access_key_id(v);
        }
        if let Some(v) = &self.secret_access_key {
            builder = builder.with_secret_access_key(v);
        }
        builder.build().map_err(|e| e.to_string())
    }
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            url: None,
            s3: S3Settings::default(),
            retention_days: None,
            archive_dir: None,
            compact_below_mib: 16,
            maintenance_minutes: 60,
        }
    }
}

impl HistoryConfig {
    /// The history this configuration names: `<data-dir>/history`, or the `s3://` URL.
    pub fn open(&self, data: &DataDir) -> Result<History, StorageError> {
        match self.url.as_deref().map(str::trim) {
            None | Some("") => History::local(&data.history()),
            Some(url) => self.open_url(url),
        }
    }

    fn open_url(&self, text: &str) -> Result<History, StorageError> {
        let invalid = |message: String| StorageError::Config {
            message: format!("history.url {text:?}: {message}"),
        };
        let url = url::Url::parse(text).map_err(|e| invalid(e.to_string()))?;
        match url.scheme() {
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|()| invalid("not a local path".into()))?;
                History::local(&path)
            }
            "s3" | "s3a" => {
                let bucket = url
                    .host_str()
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| invalid("names no bucket (s3://bucket/prefix)".into()))?;
                let store = self.s3.store(bucket).map_err(invalid)?;
                let base = url::Url::parse(&format!("s3://{bucket}/"))
                    .map_err(|e| invalid(e.to_string()))?;
                Ok(History::on_store(
                    std::sync::Arc::new(store),
                    base,
                    url.path().trim_matches('/'),
                ))
            }
            other => Err(invalid(format!(
                "the scheme {other}:// is not supported: use s3://bucket/prefix, or leave it unset for <data-dir>/history"
            ))),
        }
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
