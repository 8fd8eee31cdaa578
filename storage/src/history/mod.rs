//! The Parquet history: every event of the [`Table`]s, on any `object_store` backend.
//!
//! ```text
//! <root>/<topic>/date=YYYY-MM-DD/part-PPP-GGGGGGGGGGGGG-FFFFFFFFFFFFFFFFFFFF-LLLLLLLLLLLLLLLLLLLL.parquet
//! ```
//!
//! A file holds the events of one topic partition between two offsets (`F` and `L`,
//! inclusive) whose event time falls on that date, sorted by key and time. `G` is the
//! log's generation: 0 for Kafka, whose offsets last as long as the topic; the start
//! time of the process for the in-process log of `finstream run`, whose offsets begin
//! at zero on every start, so that a new run's offsets never look already written. The name is
//! the file's identity: writing the same range again replaces the file rather than
//! adding a second, and [`History::flushed_through`] reads the highest offset already
//! written from the names alone, which is how the persist processor skips what it wrote
//! before a crash. Every write is atomic: the object store stages the bytes under a
//! temporary name and renames (or, on S3, completes the upload) at the end.

pub mod tables;

pub use tables::Table;

use crate::StorageError;
use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::metadata::SortingColumn;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::parquet::schema::types::ColumnPath;
use finstream_schemas::Event;
use futures::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Rows per Parquet row group: small enough that statistics prune by symbol inside a
/// day's file, large enough for fast scans.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

const NANOS_PER_DAY: i64 = 86_400_000_000_000;

/// Where the history lives and how it is written.
#[derive(Debug, Clone)]
pub struct History {
    store: Arc<dyn ObjectStore>,
    /// The URL DataFusion registers the store under (`file:///` or `s3://bucket`).
    url: url::Url,
    /// The history's folder inside the store.
    root: StorePath,
}

/// One file of the history, as its name describes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HistoryFile {
    pub table: Table,
    pub date: String,
    pub partition: i32,
    pub generation: i64,
    pub first_offset: i64,
    pub last_offset: i64,
    pub path: StorePath,
    pub size: u64,
}

/// What one write did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    pub files: usize,
    pub rows: usize,
    pub bytes: usize,
}

impl History {
    /// A history in a local directory (created if needed).
    pub fn local(dir: &std::path::Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|e| StorageError::DataDir {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let abs = dir.canonicalize().map_err(|e| StorageError::DataDir {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(&abs)
            .map_err(StorageError::object_store)?;
        let url = url::Url::from_directory_path(&abs).map_err(|()| StorageError::DataDir {
            path: abs.display().to_string(),
            message: "not an absolute directory path".into(),
        })?;
        Ok(Self {
            store: Arc::new(store),
            url,
            root: StorePath::default(),
        })
    }

    /// A history on any object store: `url` is how DataFusion addresses the store (for
    /// example `s3://bucket/`), `root` the folder inside it.
    pub fn on_store(store: Arc<dyn ObjectStore>, url: url::Url, root: &str) -> Self {
        Self {
            store,
            url,
            root: StorePath::from(root),
        }
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The URL of a table's folder, for DataFusion's listing tables.
    pub fn table_url(&self, table: Table) -> String {
        let mut base = self.url.to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        let root = self.root.as_ref();
        if !root.is_empty() {
            base.push_str(root);
            base.push('/');
        }
        format!("{base}{}/", table.topic())
    }

    fn table_prefix(&self, table: Table) -> StorePath {
        self.root.clone().join(table.topic())
    }

    /// Writes the events read from `partition` of log generation `generation` between
    /// `first_offset` and `last_offset` (inclusive): one file per event date, rows sorted
    /// by key and time. Events of other tables are an error; an empty slice writes
    /// nothing.
    pub async fn write(
        &self,
        table: Table,
        partition: i32,
        generation: i64,
        first_offset: i64,
        last_offset: i64,
        events: &[Event],
    ) -> Result<WriteReport, StorageError> {
        let mut by_date: BTreeMap<i64, Vec<&Event>> = BTreeMap::new();
        for e in events {
            let (_, t) = tables::key_and_time(e).ok_or_else(|| StorageError::Internal {
                message: format!("{:?} events have no history table", e.kind()),
            })?;
            by_date
                .entry(t.div_euclid(NANOS_PER_DAY))
                .or_default()
                .push(e);
        }
        let mut report = WriteReport::default();
        for (day, mut rows) in by_date {
            rows.sort_by(|a, b| tables::key_and_time(a).cmp(&tables::key_and_time(b)));
            let batch = table.to_batch(&rows)?;
            let bytes = encode_parquet(table, &batch)?;
            let path = self
                .table_prefix(table)
                .join(format!("date={}", format_day(day)))
                .join(file_name(partition, generation, first_offset, last_offset));
            report.files += 1;
            report.rows += batch.num_rows();
            report.bytes += bytes.len();
            self.store
                .put(&path, PutPayload::from(bytes))
                .await
                .map_err(StorageError::object_store)?;
        }
        Ok(report)
    }

    /// Every file of a table, in name order.
    pub async fn files(&self, table: Table) -> Result<Vec<HistoryFile>, StorageError> {
        let prefix = self.table_prefix(table);
        let metas: Vec<_> = self
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(StorageError::object_store)?;
        let mut files: Vec<HistoryFile> = metas
            .into_iter()
            .filter_map(|m| parse_path(table, &m.location, m.size))
            .collect();
        files.sort();
        Ok(files)
    }

    /// The highest offset of `partition` (of log generation `generation`) already in the
    /// history, if any.
    pub async fn flushed_through(
        &self,
        table: Table,
        partition: i32,
        generation: i64,
    ) -> Result<Option<i64>, StorageError> {
        Ok(self
            .files(table)
            .await?
            .iter()
            .filter(|f| f.partition == partition && f.generation == generation)
            .map(|f| f.last_offset)
            .max())
    }

    /// Merges each date's small files of one partition into one, and removes files
    /// whose range another file covers (what a crash between a compaction's write and
    /// its deletes leaves behind). Returns how many files it removed.
    pub async fn compact(&self, table: Table, small_bytes: u64) -> Result<usize, StorageError> {
        let files = self.files(table).await?;
        let mut removed = self.remove_covered(&files).await?;
        let files = if removed > 0 {
            self.files(table).await?
        } else {
            files
        };
        let mut groups: BTreeMap<(String, i32, i64), Vec<HistoryFile>> = BTreeMap::new();
        for f in files.into_iter().filter(|f| f.size < small_bytes) {
            groups
                .entry((f.date.clone(), f.partition, f.generation))
                .or_default()
                .push(f);
        }
        for ((date, partition, generation), group) in groups {
            if group.len() < 2 {
                continue;
            }
            let mut batches = Vec::new();
            for f in &group {
                batches.extend(self.read_file(&f.path).await?);
            }
            let schema = table.schema();
            let merged =
                datafusion::arrow::compute::concat_batches(&schema, &batches).map_err(|e| {
                    StorageError::Internal {
                        message: format!("merging {} files: {e}", group.len()),
                    }
                })?;
            let sorted = sort_batch(table, &merged)?;
            let first = group.iter().map(|f| f.first_offset).min().unwrap_or(0);
            let last = group.iter().map(|f| f.last_offset).max().unwrap_or(0);
            let path = self
                .table_prefix(table)
                .join(format!("date={date}"))
                .join(file_name(partition, generation, first, last));
            let bytes = encode_parquet(table, &sorted)?;
            self.store
                .put(&path, PutPayload::from(bytes))
                .await
                .map_err(StorageError::object_store)?;
            for f in &group {
                if f.path != path {
                    self.store
                        .delete(&f.path)
                        .await
                        .map_err(StorageError::object_store)?;
                    removed += 1;
                }
            }
            tracing::info!(table = table.name(), date = %date, partition, merged = group.len(), "history files compacted");
        }
        Ok(removed)
    }

    async fn remove_covered(&self, files: &[HistoryFile]) -> Result<usize, StorageError> {
        let mut removed = 0;
        for f in files {
            let covered = files.iter().any(|g| {
                g.path != f.path
                    && g.date == f.date
                    && g.partition == f.partition
                    && g.generation == f.generation
                    && g.first_offset <= f.first_offset
                    && g.last_offset >= f.last_offset
                    && (g.first_offset, g.last_offset) != (f.first_offset, f.last_offset)
            });
            if covered {
                self.store
                    .delete(&f.path)
                    .await
                    .map_err(StorageError::object_store)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Reads one file back (compaction and tests).
    pub async fn read_file(&self, path: &StorePath) -> Result<Vec<RecordBatch>, StorageError> {
        let bytes = self
            .store
            .get(path)
            .await
            .map_err(StorageError::object_store)?
            .bytes()
            .await
            .map_err(StorageError::object_store)?;
        let reader =
            datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                bytes,
            )
            .and_then(|b| b.build())
            .map_err(|e| StorageError::Internal {
                message: format!("reading {path}: {e}"),
            })?;
        reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StorageError::Internal {
                message: format!("reading {path}: {e}"),
            })
    }

    /// Moves every file of dates before `before` (YYYY-MM-DD) to `archive`, then deletes
    /// it here. Returns how many files moved.
    pub async fn archive(
        &self,
        table: Table,
        before: &str,
        archive: &History,
    ) -> Result<usize, StorageError> {
        let mut moved = 0;
        for f in self.files(table).await? {
            if f.date.as_str() >= before {
                continue;
            }
            let bytes = self
                .store
                .get(&f.path)
                .await
                .map_err(StorageError::object_store)?
                .bytes()
                .await
                .map_err(StorageError::object_store)?;
            let dest = archive
                .table_prefix(table)
                .join(format!("date={}", f.date))
                .join(file_name(
                    f.partition,
                    f.generation,
                    f.first_offset,
                    f.last_offset,
                ));
            archive
                .store
                .put(&dest, PutPayload::from(bytes))
                .await
                .map_err(StorageError::object_store)?;
            self.store
                .delete(&f.path)
                .await
                .map_err(StorageError::object_store)?;
            moved += 1;
        }
        Ok(moved)
    }

    /// Deletes every file of dates before `before` (YYYY-MM-DD). Returns how many.
    pub async fn expire(&self, table: Table, before: &str) -> Result<usize, StorageError> {
        let mut removed = 0;
        for f in self.files(table).await? {
            if f.date.as_str() < before {
                self.store
                    .delete(&f.path)
                    .await
                    .map_err(StorageError::object_store)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

fn file_name(partition: i32, generation: i64, first: i64, last: i64) -> String {
    format!("part-{partition:03}-{generation:013}-{first:020}-{last:020}.parquet")
}

fn parse_path(table: Table, path: &StorePath, size: u64) -> Option<HistoryFile> {
    let mut parts: Vec<_> = path.parts().collect();
    let name = parts.pop()?;
    let date_dir = parts.pop()?;
    let date = date_dir.as_ref().strip_prefix("date=")?.to_string();
    let stem = name
        .as_ref()
        .strip_suffix(".parquet")?
        .strip_prefix("part-")?;
    let mut fields = stem.splitn(4, '-');
    let partition = fields.next()?.parse().ok()?;
    let generation = fields.next()?.parse().ok()?;
    let first_offset = fields.next()?.parse().ok()?;
    let last_offset = fields.next()?.parse().ok()?;
    Some(HistoryFile {
        table,
        date,
        partition,
        generation,
        first_offset,
        last_offset,
        path: path.clone(),
        size,
    })
}

/// `YYYY-MM-DD` of a day number since the Unix epoch.
pub fn format_day(day: i64) -> String {
    // 2440588 is the Julian day of 1970-01-01.
    let julian = i32::try_from(day + 2_440_588).unwrap_or(i32::MAX);
    match time::Date::from_julian_day(julian) {
        Ok(d) => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        Err(_) => "9999-12-31".to_string(),
    }
}

fn writer_properties(table: Table) -> WriterProperties {
    let schema = table.schema();
    let index = |name: &str| schema.index_of(name).ok().map(|i| i as u32);
    let sorting: Vec<SortingColumn> = [table.key_column(), table.time_column()]
        .iter()
        .filter_map(|c| index(c))
        .map(|column_idx| SortingColumn {
            column_idx: column_idx as i32,
            descending: false,
            nulls_first: false,
        })
        .collect();
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_sorting_columns(Some(sorting))
        .set_column_bloom_filter_enabled(ColumnPath::from(table.key_column()), true)
        .set_created_by(format!("finstream {}", env!("CARGO_PKG_VERSION")))
        .build()
}

fn encode_parquet(table: Table, batch: &RecordBatch) -> Result<Vec<u8>, StorageError> {
    let mut buf = Vec::with_capacity(batch.get_array_memory_size() / 3);
    let fail = |e: datafusion::parquet::errors::ParquetError| StorageError::Internal {
        message: format!("encoding {} Parquet: {e}", table.name()),
    };
    let mut writer = ArrowWriter::try_new(&mut buf, table.schema(), Some(writer_properties(table)))
        .map_err(fail)?;
    writer.write(batch).map_err(fail)?;
    writer.close().map_err(fail)?;
    Ok(buf)
}

fn sort_batch(table: Table, batch: &RecordBatch) -> Result<RecordBatch, StorageError> {
    use datafusion::arrow::compute::{SortColumn, lexsort_to_indices, take_record_batch};
    let fail = |e: datafusion::arrow::error::ArrowError| StorageError::Internal {
        message: format!("sorting {} rows: {e}", table.name()),
    };
    let schema = table.schema();
    let columns: Vec<SortColumn> = [table.key_column(), table.time_column()]
        .iter()
        .map(|c| {
            let i = schema.index_of(c).map_err(fail)?;
            Ok(SortColumn {
                values: Arc::clone(batch.column(i)),
                options: None,
            })
        })
        .collect::<Result<_, StorageError>>()?;
    let indices = lexsort_to_indices(&columns, None).map_err(fail)?;
    take_record_batch(batch, &indices).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use finstream_schemas::Trade;

    fn trade(symbol: &str, t: i64, n: i64) -> Event {
        Event::Trade(Trade {
            id: format!("t-{n}"),
            symbol: symbol.into(),
            price: 100.0 + n as f64,
            size: 10.0,
            event_time: t,
            trade_id: Some(n),
            exchange: Some("V".into()),
            conditions: vec!["@".into()],
            tape: None,
            source: "test".into(),
        })
    }

    #[test]
    fn days_format_as_calendar_dates() {
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(format_day(19_723), "2024-01-01");
        assert_eq!(format_day(-1), "1969-12-31");
    }

    #[test]
    fn names_round_trip() {
        let p = StorePath::from("market.trades.v1/date=2024-01-02").join(file_name(3, 17, 10, 99));
        let f = parse_path(Table::Trades, &p, 7).expect("parses");
        assert_eq!(
            (
                f.date.as_str(),
                f.partition,
                f.generation,
                f.first_offset,
                f.last_offset
            ),
            ("2024-01-02", 3, 17, 10, 99)
        );
        assert!(parse_path(Table::Trades, &StorePath::from("x/y.parquet"), 1).is_none());
    }

    #[tokio::test]
    async fn writes_split_by_date_sort_rows_and_replace_on_rewrite() {
        let dir = tempfile::tempdir().expect("tempdir");
        let h = History::local(dir.path()).expect("history");
        let day = 19_723 * NANOS_PER_DAY;
        let events = vec![
            trade("MSFT", day + 5, 0),
            trade("AAPL", day + 9, 1),
            trade("AAPL", day + 1, 2),
            trade("AAPL", day + NANOS_PER_DAY + 1, 3),
        ];
        let r = h
            .write(Table::Trades, 2, 0, 100, 103, &events)
            .await
            .expect("write");
        assert_eq!((r.files, r.rows), (2, 4));
        // The same range again replaces, not adds.
        h.write(Table::Trades, 2, 0, 100, 103, &events)
            .await
            .expect("rewrite");
        let files = h.files(Table::Trades).await.expect("files");
        assert_eq!(files.len(), 2);
        assert_eq!(
            h.flushed_through(Table::Trades, 2, 0).await.expect("ft"),
            Some(103)
        );
        assert_eq!(
            h.flushed_through(Table::Trades, 1, 0).await.expect("ft"),
            None
        );
        assert_eq!(
            h.flushed_through(Table::Trades, 2, 1).await.expect("ft"),
            None
        );
        let batches = h.read_file(&files[0].path).await.expect("read");
        let symbols = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<datafusion::arrow::array::StringArray>()
            .expect("strings");
        let got: Vec<_> = symbols.iter().flatten().collect();
        assert_eq!(got, ["AAPL", "AAPL", "MSFT"]);
    }

    #[tokio::test]
    async fn compaction_merges_small_files_and_repairs_overlaps() {
        let dir = tempfile::tempdir().expect("tempdir");
        let h = History::local(dir.path()).expect("history");
        let day = 19_723 * NANOS_PER_DAY;
        for i in 0..4 {
            h.write(
                Table::Trades,
                0,
                0,
                i * 10,
                i * 10 + 9,
                &[trade("A", day + i, i)],
            )
            .await
            .expect("write");
        }
        let removed = h.compact(Table::Trades, u64::MAX).await.expect("compact");
        assert_eq!(removed, 4);
        let files = h.files(Table::Trades).await.expect("files");
        assert_eq!(files.len(), 1);
        assert_eq!((files[0].first_offset, files[0].last_offset), (0, 39));
        let rows: usize = h
            .read_file(&files[0].path)
            .await
            .expect("read")
            .iter()
            .map(|b| b.num_rows())
            .sum();
        assert_eq!(rows, 4);
        // A leftover small file inside the merged range is removed, not counted twice.
        h.write(Table::Trades, 0, 0, 10, 19, &[trade("A", day + 1, 1)])
            .await
            .expect("write");
        assert_eq!(h.compact(Table::Trades, 0).await.expect("repair"), 1);
        assert_eq!(h.files(Table::Trades).await.expect("files").len(), 1);
    }
}
