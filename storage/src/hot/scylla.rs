//! The hot store on ScyllaDB (or Cassandra, which speaks the same CQL).
//!
//! One table per [`Space`]: `(p text, c blob, version bigint, payload blob, PRIMARY KEY
//! ((p), c))`. `p` is the partition (symbol and day for ticks), `c` the clustering key
//! encoded to sort as bytes, `payload` the event's Avro bytes (its schema travels with
//! it, so the table never needs an `ALTER` when an event gains a field). Writes use
//! `USING TIMESTAMP version`, so the newest version wins whatever order a replay
//! delivers in, and `USING TTL` from the retention settings. Every statement is prepared
//! (through the driver's statement cache); writes are unlogged batches per partition,
//! marked idempotent so the driver may retry them; the driver's default load balancing
//! is token- and shard-aware and stays on.

use super::rows::Space;
use super::{Bound, Retention, StoredRow, WriteRow};
use crate::StorageError;
use futures::{StreamExt, TryStreamExt};
use scylla::client::caching_session::CachingSession;
use scylla::client::session_builder::SessionBuilder;
use scylla::statement::batch::{Batch, BatchType};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How to reach ScyllaDB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScyllaConfig {
    /// Contact points, `host:port`.
    pub nodes: Vec<String>,
    pub keyspace: String,
    /// Replication factor used when the keyspace is created.
    pub replication_factor: u32,
    pub retention: Retention,
}

impl Default for ScyllaConfig {
    fn default() -> Self {
        Self {
            nodes: vec!["127.0.0.1:9042".into()],
            keyspace: "finstream".into(),
            replication_factor: 1,
            retention: Retention::default(),
        }
    }
}

/// The ScyllaDB backend.
#[derive(Clone)]
pub struct ScyllaStore {
    session: Arc<CachingSession>,
    config: Arc<ScyllaConfig>,
}

impl std::fmt::Debug for ScyllaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScyllaStore")
            .field("nodes", &self.config.nodes)
            .field("keyspace", &self.config.keyspace)
            .finish()
    }
}

fn fail(what: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend {
        backend: "scylla",
        message: format!("{what}: {e}"),
    }
}

/// The schema, one migration per entry; each is applied once, in order, and recorded
/// in `schema_migrations`.
fn migrations(keyspace: &str) -> Vec<(i32, String)> {
    let mut m = Vec::new();
    for (i, space) in Space::ALL.iter().enumerate() {
        m.push((
            i as i32 + 1,
            format!(
                "CREATE TABLE IF NOT EXISTS {keyspace}.{} (p text, c blob, version bigint, payload blob, PRIMARY KEY ((p), c)) \
                 WITH compaction = {{'class': '{}'}}",
                space.name(),
                if matches!(space, Space::Trades | Space::Quotes | Space::Bars) {
                    "TimeWindowCompactionStrategy"
                } else {
                    "SizeTieredCompactionStrategy"
                }
            ),
        ));
    }
    m
}

fn valid_keyspace(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 48
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

impl ScyllaStore {
    /// Connects, creates the keyspace if needed and applies pending migrations.
    pub async fn connect(config: ScyllaConfig) -> Result<Self, StorageError> {
        if !valid_keyspace(&config.keyspace) {
            return Err(StorageError::Backend {
                backend: "scylla",
                message: format!(
                    "keyspace {:?}: use letters, digits and underscores, starting with a letter",
                    config.keyspace
                ),
            });
        }
        let session = SessionBuilder::new()
            .known_nodes(&config.nodes)
            .connection_timeout(Duration::from_secs(5))
            .build()
            .await
            .map_err(|e| fail(&format!("connecting to {:?}", config.nodes), e))?;
        let session = CachingSession::from(session, 512);
        let store = Self {
            session: Arc::new(session),
            config: Arc::new(config),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn ddl(&self, cql: &str) -> Result<(), StorageError> {
        // Schema statements are run unprepared: they are not repeated and cannot be.
        self.session
            .get_session()
            .query_unpaged(cql, ())
            .await
            .map_err(|e| fail(cql, e))?;
        Ok(())
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        let ks = &self.config.keyspace;
        self.ddl(&format!(
            "CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': {}}}",
            self.config.replication_factor
        ))
        .await?;
        self.ddl(&format!(
            "CREATE TABLE IF NOT EXISTS {ks}.schema_migrations (version int PRIMARY KEY, statement text, applied_at timestamp)"
        ))
        .await?;
        let applied: Vec<i32> = self
            .session
            .execute_unpaged(format!("SELECT version FROM {ks}.schema_migrations"), ())
            .await
            .map_err(|e| fail("reading schema_migrations", e))?
            .into_rows_result()
            .map_err(|e| fail("reading schema_migrations", e))?
            .rows::<(i32,)>()
            .map_err(|e| fail("reading schema_migrations", e))?
            .map(|r| r.map(|(v,)| v))
            .collect::<Result<_, _>>()
            .map_err(|e| fail("reading schema_migrations", e))?;
        for (version, cql) in migrations(ks) {
            if applied.contains(&version) {
                continue;
            }
            self.ddl(&cql).await?;
            self.session
                .execute_unpaged(
                    format!(
                        "INSERT INTO {ks}.schema_migrations (version, statement, applied_at) VALUES (?, ?, toTimestamp(now()))"
                    ),
                    (version, cql.as_str()),
                )
                .await
                .map_err(|e| fail("recording a migration", e))?;
            tracing::info!(keyspace = %ks, version, "schema migration applied");
        }
        self.session
            .get_session()
            .await_schema_agreement()
            .await
            .map_err(|e| fail("waiting for schema agreement", e))?;
        Ok(())
    }

    fn insert_cql(&self, space: Space) -> String {
        let ttl = self.config.retention.ttl_seconds(space).unwrap_or(0);
        format!(
            "INSERT INTO {}.{} (p, c, version, payload) VALUES (?, ?, ?, ?) USING TIMESTAMP ? AND TTL {ttl}",
            self.config.keyspace,
            space.name()
        )
    }

    /// Writes rows: one unlogged batch per partition (at most 100 rows), many at once.
    pub async fn put(&self, rows: Vec<WriteRow>) -> Result<(), StorageError> {
        type Value = (String, Vec<u8>, i64, Vec<u8>, i64);
        let mut groups: BTreeMap<(Space, Vec<u8>), Vec<Value>> = BTreeMap::new();
        for (space, partition, cluster, version, payload) in rows {
            let p = String::from_utf8(partition.clone())
                .map_err(|e| fail("a partition key is not UTF-8", e))?;
            // Write timestamps are microseconds; bar revisions are small counters, kept as is.
            let ts = if space == Space::Bars {
                version
            } else {
                version / 1_000
            };
            groups
                .entry((space, partition))
                .or_default()
                .push((p, cluster, version, payload, ts));
        }
        let mut jobs = Vec::new();
        for ((space, _), values) in groups {
            let mut statement = self
                .session
                .add_prepared_statement(&self.insert_cql(space).into())
                .await
                .map_err(|e| fail("preparing an insert", e))?;
            statement.set_is_idempotent(true);
            for chunk in values.chunks(100) {
                let mut batch = Batch::new(BatchType::Unlogged);
                batch.set_is_idempotent(true);
                for _ in chunk {
                    batch.append_statement(statement.clone());
                }
                jobs.push((batch, chunk.to_vec()));
            }
        }
        futures::stream::iter(jobs)
            .map(|(batch, values)| async move {
                self.session
                    .batch(&batch, values)
                    .await
                    .map_err(|e| fail("writing a batch", e))
            })
            .buffer_unordered(32)
            .try_collect::<Vec<_>>()
            .await?;
        Ok(())
    }

    /// Rows of one partition within the bounds, ascending or descending.
    pub async fn scan(
        &self,
        space: Space,
        partition: String,
        lower: Bound,
        upper: Bound,
        reverse: bool,
        limit: usize,
    ) -> Result<Vec<StoredRow>, StorageError> {
        let mut cql = format!(
            "SELECT c, version, payload FROM {}.{} WHERE p = ?",
            self.config.keyspace,
            space.name()
        );
        let mut bounds: Vec<Vec<u8>> = Vec::new();
        for (bound, incl, excl) in [(lower, ">=", ">"), (upper, "<=", "<")] {
            match bound {
                Bound::Unbounded => {}
                Bound::Included(c) => {
                    cql.push_str(&format!(" AND c {incl} ?"));
                    bounds.push(c);
                }
                Bound::Excluded(c) => {
                    cql.push_str(&format!(" AND c {excl} ?"));
                    bounds.push(c);
                }
            }
        }
        cql.push_str(if reverse {
            " ORDER BY c DESC LIMIT ?"
        } else {
            " ORDER BY c ASC LIMIT ?"
        });
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        let result = match bounds.as_slice() {
            [] => {
                self.session
                    .execute_unpaged(cql.as_str(), (&partition, limit))
                    .await
            }
            [a] => {
                self.session
                    .execute_unpaged(cql.as_str(), (&partition, a, limit))
                    .await
            }
            [a, b, ..] => {
                self.session
                    .execute_unpaged(cql.as_str(), (&partition, a, b, limit))
                    .await
            }
        }
        .map_err(|e| fail("reading", e))?;
        let rows = result.into_rows_result().map_err(|e| fail("reading", e))?;
        rows.rows::<(Vec<u8>, i64, Vec<u8>)>()
            .map_err(|e| fail("reading", e))?
            .map(|r| {
                r.map(|(cluster, version, payload)| StoredRow {
                    cluster,
                    version,
                    payload,
                })
                .map_err(|e| fail("reading a row", e))
            })
            .collect()
    }

    /// Deletes the rows of one partition whose cluster sorts before `before` (one range
    /// tombstone).
    pub async fn delete_before(
        &self,
        space: Space,
        partition: String,
        before: Vec<u8>,
    ) -> Result<(), StorageError> {
        let cql = format!(
            "DELETE FROM {}.{} WHERE p = ? AND c < ?",
            self.config.keyspace,
            space.name()
        );
        self.session
            .execute_unpaged(cql.as_str(), (&partition, &before))
            .await
            .map_err(|e| fail("deleting", e))?;
        Ok(())
    }

    /// Rows in a space (a full count: for tests and operators, not hot paths).
    pub async fn count(&self, space: Space) -> Result<i64, StorageError> {
        let cql = format!(
            "SELECT COUNT(*) FROM {}.{}",
            self.config.keyspace,
            space.name()
        );
        let mut statement: scylla::statement::Statement = cql.as_str().into();
        statement.set_request_timeout(Some(Duration::from_secs(120)));
        let result = self
            .session
            .execute_unpaged(statement, ())
            .await
            .map_err(|e| fail("counting", e))?;
        let (n,) = result
            .into_rows_result()
            .map_err(|e| fail("counting", e))?
            .single_row::<(i64,)>()
            .map_err(|e| fail("counting", e))?;
        Ok(n)
    }

    pub async fn ping(&self) -> Result<(), StorageError> {
        self.session
            .execute_unpaged("SELECT release_version FROM system.local", ())
            .await
            .map(|_| ())
            .map_err(|e| fail("ping", e))
    }

    /// Drops the keyspace (tests).
    pub async fn drop_keyspace(&self) -> Result<(), StorageError> {
        self.ddl(&format!("DROP KEYSPACE IF EXISTS {}", self.config.keyspace))
            .await
    }
}
