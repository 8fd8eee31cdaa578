//! The embedded hot store for `finstream run`: one redb file under `<data-dir>/store/`.
//!
//! redb is a pure-Rust, ACID, copy-on-write B-tree store with one writer and many
//! readers; each [`Space`] is one table keyed by `partition \0 cluster` (bytes that sort
//! in clustering order), valued by the version and the event's Avro bytes. Calls run on
//! tokio's blocking pool.

use super::rows::Space;
use super::{Bound, StoredRow, WriteRow};
use crate::StorageError;
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The embedded store.
#[derive(Debug, Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    path: PathBuf,
}

fn table(space: Space) -> TableDefinition<'static, &'static [u8], &'static [u8]> {
    TableDefinition::new(space.name())
}

fn fail(e: impl std::fmt::Display) -> StorageError {
    StorageError::Internal {
        message: format!("embedded store: {e}"),
    }
}

/// `partition \0`, the prefix of every key of a partition.
fn prefix(partition: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(partition.len() + 1);
    k.extend_from_slice(partition.as_bytes());
    k.push(0);
    k
}

fn encode_value(version: i64, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + payload.len());
    v.extend_from_slice(&version.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn decode_value(v: &[u8]) -> Result<(i64, Vec<u8>), StorageError> {
    let (head, payload) = v
        .split_at_checked(8)
        .ok_or_else(|| fail("a value shorter than its version"))?;
    let mut b = [0u8; 8];
    b.copy_from_slice(head);
    Ok((i64::from_be_bytes(b), payload.to_vec()))
}

impl EmbeddedStore {
    /// Opens (creating if needed) the store file and every table.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StorageError::DataDir {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        }
        let db = Database::create(path).map_err(|e| StorageError::DataDir {
            path: path.display().to_string(),
            message: format!("cannot open the embedded store: {e} (is another finstream using this data directory?)"),
        })?;
        let txn = db.begin_write().map_err(fail)?;
        for space in Space::ALL {
            txn.open_table(table(space)).map_err(fail)?;
        }
        txn.commit().map_err(fail)?;
        Ok(Self {
            db: Arc::new(db),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(fail)?
    }

    /// Writes rows in one transaction; a versioned row keeps the higher version.
    pub async fn put(&self, rows: Vec<WriteRow>) -> Result<(), StorageError> {
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut tables = std::collections::BTreeMap::new();
                for (space, partition, cluster, version, payload) in rows {
                    if let std::collections::btree_map::Entry::Vacant(slot) = tables.entry(space) {
                        slot.insert(txn.open_table(table(space)).map_err(fail)?);
                    }
                    let Some(t) = tables.get_mut(&space) else {
                        continue;
                    };
                    let mut key = partition;
                    key.push(0);
                    key.extend_from_slice(&cluster);
                    if space.versioned() {
                        let existing = t
                            .get(key.as_slice())
                            .map_err(fail)?
                            .map(|v| v.value().to_vec());
                        if let Some(old) = existing {
                            let (old_version, _) = decode_value(&old)?;
                            if old_version > version {
                                continue;
                            }
                        }
                    }
                    t.insert(key.as_slice(), encode_value(version, &payload).as_slice())
                        .map_err(fail)?;
                }
            }
            txn.commit().map_err(fail)
        })
        .await
    }

    /// Rows of one partition with clusters inside the bounds, in order or reversed.
    pub async fn scan(
        &self,
        space: Space,
        partition: String,
        lower: Bound,
        upper: Bound,
        reverse: bool,
        limit: usize,
    ) -> Result<Vec<StoredRow>, StorageError> {
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let t = txn.open_table(table(space)).map_err(fail)?;
            let p = prefix(&partition);
            let key_of = |c: &[u8]| {
                let mut k = p.clone();
                k.extend_from_slice(c);
                k
            };
            use std::ops::Bound as B;
            let lo = match &lower {
                Bound::Unbounded => B::Included(p.clone()),
                Bound::Included(c) => B::Included(key_of(c)),
                Bound::Excluded(c) => B::Excluded(key_of(c)),
            };
            // Every key of the partition is below `partition \1`.
            let hi = match &upper {
                Bound::Unbounded => {
                    let mut end = p.clone();
                    if let Some(last) = end.last_mut() {
                        *last = 1;
                    }
                    B::Excluded(end)
                }
                Bound::Included(c) => B::Included(key_of(c)),
                Bound::Excluded(c) => B::Excluded(key_of(c)),
            };
            let lo_ref = match &lo {
                B::Included(k) => B::Included(k.as_slice()),
                B::Excluded(k) => B::Excluded(k.as_slice()),
                B::Unbounded => B::Unbounded,
            };
            let hi_ref = match &hi {
                B::Included(k) => B::Included(k.as_slice()),
                B::Excluded(k) => B::Excluded(k.as_slice()),
                B::Unbounded => B::Unbounded,
            };
            let range = t.range::<&[u8]>((lo_ref, hi_ref)).map_err(fail)?;
            let items: Box<dyn Iterator<Item = _>> = if reverse {
                Box::new(range.rev())
            } else {
                Box::new(range)
            };
            let mut out = Vec::new();
            for item in items.take(limit) {
                let (k, v) = item.map_err(fail)?;
                let (version, payload) = decode_value(v.value())?;
                out.push(StoredRow {
                    cluster: k.value()[p.len()..].to_vec(),
                    version,
                    payload,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Rows of a space, for tests and cleanup.
    pub async fn count(&self, space: Space) -> Result<u64, StorageError> {
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let t = txn.open_table(table(space)).map_err(fail)?;
            t.len().map_err(fail)
        })
        .await
    }

    /// Deletes rows of `space` whose version is below `before`. Returns how many.
    pub async fn expire(&self, space: Space, before: i64) -> Result<u64, StorageError> {
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(fail)?;
            let mut removed = 0u64;
            {
                let mut t = txn.open_table(table(space)).map_err(fail)?;
                t.retain(|_, v| {
                    let keep = decode_value(v)
                        .map(|(version, _)| version >= before)
                        .unwrap_or(true);
                    if !keep {
                        removed += 1;
                    }
                    keep
                })
                .map_err(fail)?;
            }
            txn.commit().map_err(fail)?;
            Ok(removed)
        })
        .await
    }

    /// Deletes the rows of one partition whose cluster sorts before `before`; returns how
    /// many.
    pub async fn delete_before(
        &self,
        space: Space,
        partition: String,
        before: Vec<u8>,
    ) -> Result<u64, StorageError> {
        self.blocking(move |db| {
            let p = prefix(&partition);
            let mut end = p.clone();
            end.extend_from_slice(&before);
            let txn = db.begin_write().map_err(fail)?;
            let mut removed = 0u64;
            {
                let mut t = txn.open_table(table(space)).map_err(fail)?;
                let keys: Vec<Vec<u8>> = t
                    .range::<&[u8]>(p.as_slice()..end.as_slice())
                    .map_err(fail)?
                    .map(|item| item.map(|(k, _)| k.value().to_vec()).map_err(fail))
                    .collect::<Result<_, _>>()?;
                for k in keys {
                    t.remove(k.as_slice()).map_err(fail)?;
                    removed += 1;
                }
            }
            txn.commit().map_err(fail)?;
            Ok(removed)
        })
        .await
    }

    /// Deletes one row.
    pub async fn delete(
        &self,
        space: Space,
        partition: String,
        cluster: Vec<u8>,
    ) -> Result<(), StorageError> {
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut t = txn.open_table(table(space)).map_err(fail)?;
                let mut key = prefix(&partition);
                key.extend_from_slice(&cluster);
                t.remove(key.as_slice()).map_err(fail)?;
            }
            txn.commit().map_err(fail)
        })
        .await
    }

    /// Copies every table into a new store file at `dest`, from one consistent snapshot
    /// (a read transaction), while this store keeps serving.
    pub async fn backup(&self, dest: PathBuf) -> Result<u64, StorageError> {
        self.blocking(move |db| {
            if dest.exists() {
                return Err(StorageError::DataDir {
                    path: dest.display().to_string(),
                    message: "already exists; choose a new backup file".into(),
                });
            }
            let target = Database::create(&dest).map_err(fail)?;
            let read = db.begin_read().map_err(fail)?;
            let write = target.begin_write().map_err(fail)?;
            let mut rows = 0u64;
            for space in Space::ALL {
                let from = read.open_table(table(space)).map_err(fail)?;
                let mut to = write.open_table(table(space)).map_err(fail)?;
                for item in from.iter().map_err(fail)? {
                    let (k, v) = item.map_err(fail)?;
                    to.insert(k.value(), v.value()).map_err(fail)?;
                    rows += 1;
                }
            }
            write.commit().map_err(fail)?;
            Ok(rows)
        })
        .await
    }
}

/// Replaces the store file at `store` with the backup at `backup` (finstream must be
/// stopped). The backup is checked by opening it first; the old file is kept beside it
/// as `<name>.before-restore`.
pub fn restore(backup: &Path, store: &Path) -> Result<(), StorageError> {
    let io = |path: &Path, e: std::io::Error| StorageError::DataDir {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    drop(Database::open(backup).map_err(|e| StorageError::DataDir {
        path: backup.display().to_string(),
        message: format!("not a finstream store backup: {e}"),
    })?);
    if store.exists() {
        let kept = store.with_extension("before-restore");
        std::fs::rename(store, &kept).map_err(|e| io(store, e))?;
    }
    let staged = store.with_extension("restoring");
    std::fs::copy(backup, &staged).map_err(|e| io(&staged, e))?;
    std::fs::rename(&staged, store).map_err(|e| io(store, e))?;
    Ok(())
}
