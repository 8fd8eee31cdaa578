//! SQL over the Parquet history, with DataFusion.
//!
//! Each query gets its own session: the history's tables registered as listing tables
//! (Hive `date=` partitions, so `WHERE date = '2024-05-01'` or a time range prunes
//! folders, and row-group statistics prune by symbol), the finance functions of
//! [`functions`], and its own memory pool, so one query's limit is not another's.
//!
//! Read-only by construction: the planner refuses DDL, DML (`INSERT`, `COPY`) and
//! statements (`SET`, transactions); no table functions that read files are registered,
//! and the only object store the session knows is the history's. A query that runs past
//! its time limit is cancelled; one that needs more memory than its limit fails; results
//! stop at the row limit and say they were truncated.

pub mod format;
pub mod functions;

pub use format::ResultFormat;

use crate::StorageError;
use crate::history::{History, Table};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use futures::StreamExt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Limits every query runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Wall-clock time before the query is cancelled.
    pub timeout: Duration,
    /// Memory the query's operators may hold (sorts, joins, aggregations).
    pub memory_bytes: usize,
    /// Result rows returned; more are cut off and the result says so.
    pub max_rows: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            memory_bytes: 1 << 30,
            max_rows: 100_000,
        }
    }
}

/// A query's result.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub rows: usize,
    /// True when the query had more rows than the limit.
    pub truncated: bool,
    pub elapsed: Duration,
}

/// Progress of a running query, for a progress line.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub rows: usize,
    pub batches: usize,
    pub elapsed: Duration,
}

/// The SQL engine over one history.
#[derive(Debug, Clone)]
pub struct SqlEngine {
    history: History,
    limits: QueryLimits,
    target_partitions: usize,
}

impl SqlEngine {
    pub fn new(history: History, limits: QueryLimits) -> Self {
        Self {
            history,
            limits,
            target_partitions: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        }
    }

    pub fn limits(&self) -> QueryLimits {
        self.limits
    }

    /// A fresh session with the history's tables and functions, under the memory limit.
    ///
    /// Sorts that outgrow the limit spill to the system's temporary directory. The pool
    /// is DataFusion's fair one (each spilling operator gets its share, operators that
    /// cannot spill are served first) and every sort keeps back a larger share for its
    /// final merge than DataFusion's 10 MB default: with the greedy pool and the default,
    /// a window over a whole day of trades and quotes failed in the merge of its spilled
    /// runs (apache/datafusion#16979 describes the same failure).
    pub fn session(&self) -> Result<SessionContext, StorageError> {
        let pool = TrackConsumersPool::new(
            FairSpillPool::new(self.limits.memory_bytes),
            NonZeroUsize::MIN.saturating_add(4),
        );
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(pool))
            .build_arc()
            .map_err(StorageError::sql)?;
        let merge_reserve = (self.limits.memory_bytes / (4 * self.target_partitions.max(1)))
            .clamp(1 << 20, 256 << 20);
        let mut config = SessionConfig::new()
            .with_target_partitions(self.target_partitions)
            .with_sort_spill_reservation_bytes(merge_reserve)
            .with_information_schema(true)
            .with_default_catalog_and_schema("finstream", "history");
        let options = config.options_mut();
        options.execution.parquet.pushdown_filters = true;
        options.execution.parquet.reorder_filters = true;
        options.execution.time_zone = Some("UTC".into());
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        // Local files go through DataFusion's own `file://` store, which takes absolute
        // paths; any other store (S3) is registered under its bucket URL.
        if self.history.url().scheme() != "file" {
            ctx.register_object_store(self.history.url(), Arc::clone(self.history.store()));
        }
        for table in Table::ALL {
            let url =
                ListingTableUrl::parse(self.history.table_url(table)).map_err(StorageError::sql)?;
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet")
                .with_table_partition_cols(vec![("date".to_string(), DataType::Utf8)])
                .with_collect_stat(true);
            let config = ListingTableConfig::new(url)
                .with_listing_options(options)
                .with_schema(table.schema());
            let provider = ListingTable::try_new(config).map_err(StorageError::sql)?;
            ctx.register_table(table.name(), Arc::new(provider))
                .map_err(StorageError::sql)?;
        }
        functions::register(&ctx);
        Ok(ctx)
    }

    /// Runs one read-only query under the limits.
    pub async fn query(&self, sql: &str) -> Result<QueryResult, StorageError> {
        self.query_with_progress(sql, |_| {}).await
    }

    /// Like [`query`](Self::query), calling `progress` as batches arrive.
    pub async fn query_with_progress(
        &self,
        sql: &str,
        mut progress: impl FnMut(Progress),
    ) -> Result<QueryResult, StorageError> {
        let started = Instant::now();
        let limits = self.limits;
        let ctx = self.session()?;
        let run = async {
            let options = SQLOptions::new()
                .with_allow_ddl(false)
                .with_allow_dml(false)
                .with_allow_statements(false);
            let df = ctx
                .sql_with_options(sql, options)
                .await
                .map_err(StorageError::sql)?;
            let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
            let mut stream = df.execute_stream().await.map_err(StorageError::sql)?;
            let mut batches = Vec::new();
            let (mut rows, mut truncated) = (0usize, false);
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(StorageError::sql)?;
                let room = limits.max_rows - rows;
                if batch.num_rows() > room {
                    batches.push(batch.slice(0, room));
                    rows += room;
                    truncated = true;
                    break;
                }
                rows += batch.num_rows();
                batches.push(batch);
                progress(Progress {
                    rows,
                    batches: batches.len(),
                    elapsed: started.elapsed(),
                });
                if rows == limits.max_rows {
                    // One more row would mean the result was cut.
                    truncated = matches!(stream.next().await, Some(Ok(b)) if b.num_rows() > 0);
                    break;
                }
            }
            Ok::<_, StorageError>(QueryResult {
                schema,
                batches,
                rows,
                truncated,
                elapsed: started.elapsed(),
            })
        };
        match tokio::time::timeout(limits.timeout, run).await {
            Ok(result) => result,
            Err(_) => Err(StorageError::QueryTimeout {
                seconds: limits.timeout.as_secs_f64(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finstream_schemas::{Event, Trade};

    const DAY: i64 = 86_400_000_000_000;

    fn trade(symbol: &str, t: i64, price: f64, size: f64, n: usize) -> Event {
        Event::Trade(Trade {
            id: format!("{symbol}-{n}"),
            symbol: symbol.into(),
            price,
            size,
            event_time: t,
            trade_id: None,
            exchange: None,
            conditions: vec![],
            tape: None,
            source: "test".into(),
        })
    }

    async fn engine(limits: QueryLimits) -> (tempfile::TempDir, SqlEngine) {
        let dir = tempfile::tempdir().expect("tempdir");
        let history = History::local(dir.path()).expect("history");
        let base = 19_723 * DAY + 14 * 3_600_000_000_000;
        let events = vec![
            trade("AAPL", base, 100.0, 10.0, 0),
            trade("AAPL", base + 30_000_000_000, 102.0, 30.0, 1),
            trade("AAPL", base + 70_000_000_000, 101.0, 10.0, 2),
            trade("MSFT", base + 1, 400.0, 5.0, 3),
            trade("MSFT", base + DAY, 410.0, 5.0, 4),
        ];
        history
            .write(Table::Trades, 0, 0, 0, 4, &events)
            .await
            .expect("write");
        (dir, SqlEngine::new(history, limits))
    }

    fn column_f64(r: &QueryResult, col: usize) -> Vec<f64> {
        r.batches
            .iter()
            .flat_map(|b| {
                let a = b
                    .column(col)
                    .as_any()
                    .downcast_ref::<datafusion::arrow::array::Float64Array>()
                    .expect("f64 column");
                a.iter().map(|v| v.unwrap_or(f64::NAN)).collect::<Vec<_>>()
            })
            .collect()
    }

    #[tokio::test]
    async fn finance_functions_answer_by_minute() {
        let (_dir, sql) = engine(QueryLimits::default()).await;
        let r = sql
            .query(
                "SELECT time_bucket(INTERVAL '1 minute', event_time) AS minute, \
                 first_by(price, event_time) AS open, max(price) AS high, min(price) AS low, \
                 last_by(price, event_time) AS close, vwap(price, size) AS vwap \
                 FROM trades WHERE symbol = 'AAPL' GROUP BY 1 ORDER BY 1",
            )
            .await
            .expect("query");
        assert_eq!(r.rows, 2);
        assert_eq!(column_f64(&r, 1), [100.0, 101.0]);
        assert_eq!(column_f64(&r, 2), [102.0, 101.0]);
        assert_eq!(column_f64(&r, 4), [102.0, 101.0]);
        let vwap = column_f64(&r, 5);
        assert!((vwap[0] - (100.0 * 10.0 + 102.0 * 30.0) / 40.0).abs() < 1e-12);
    }

    #[tokio::test]
    async fn dates_are_a_partition_column() {
        let (_dir, sql) = engine(QueryLimits::default()).await;
        let r = sql
            .query("SELECT count(*) AS n FROM trades WHERE date = '2024-01-02'")
            .await
            .expect("query");
        let n = r.batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<datafusion::arrow::array::Int64Array>()
            .expect("count")
            .value(0);
        assert_eq!(n, 1);
    }

    #[tokio::test]
    async fn writes_ddl_and_files_are_refused() {
        let (_dir, sql) = engine(QueryLimits::default()).await;
        for q in [
            "INSERT INTO trades SELECT * FROM trades",
            "CREATE TABLE x AS SELECT 1",
            "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
            "COPY trades TO '/tmp/finstream-copy-out.csv'",
            "DROP TABLE trades",
            "SET datafusion.execution.batch_size = 1",
            "SELECT * FROM '/etc/passwd'",
            "SELECT * FROM read_csv('/etc/passwd')",
        ] {
            let err = sql.query(q).await.expect_err(q);
            assert!(
                matches!(err, StorageError::Sql { .. }),
                "{q}: unexpected error {err}"
            );
        }
        assert!(!std::path::Path::new("/tmp/finstream-copy-out.csv").exists());
    }

    #[tokio::test]
    async fn row_limits_truncate_and_say_so() {
        let limits = QueryLimits {
            max_rows: 2,
            ..QueryLimits::default()
        };
        let (_dir, sql) = engine(limits).await;
        let r = sql.query("SELECT * FROM trades").await.expect("query");
        assert_eq!((r.rows, r.truncated), (2, true));
        let r = sql
            .query("SELECT * FROM trades WHERE symbol = 'MSFT'")
            .await
            .expect("query");
        assert_eq!((r.rows, r.truncated), (2, false));
    }

    #[tokio::test]
    async fn long_queries_time_out_and_memory_is_bounded() {
        let limits = QueryLimits {
            timeout: Duration::from_millis(300),
            memory_bytes: 256 << 20,
            max_rows: 10,
        };
        let (_dir, sql) = engine(limits).await;
        // A scan that would take hours, in constant memory.
        let err = sql
            .query("SELECT count(*) FROM generate_series(1, 100000000000)")
            .await
            .expect_err("cancelled");
        assert!(matches!(err, StorageError::QueryTimeout { .. }), "{err}");
        let limits = QueryLimits {
            timeout: Duration::from_secs(60),
            memory_bytes: 4 << 20,
            ..limits
        };
        let sql = SqlEngine::new(sql.history.clone(), limits);
        let err = sql
            .query("SELECT v, count(*) FROM (SELECT value % 10000000 AS v FROM generate_series(1, 20000000)) GROUP BY v ORDER BY v")
            .await
            .expect_err("over the memory limit");
        assert!(
            err.to_string()
                .to_lowercase()
                .contains("resources exhausted"),
            "{err}"
        );
    }
}
