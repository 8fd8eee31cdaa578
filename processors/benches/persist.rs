//! Write throughput of the persist path: what the persist writer thread
//! (`processors/src/persist.rs`) does with each flush, timed per sink, in events per
//! second (and MB/s of Parquet written).
//!
//!     cargo bench -p finstream-processors --bench persist
//!     FINSTREAM_TEST_CASSANDRA=127.0.0.1:9042 cargo bench -p finstream-processors --bench persist
//!
//! - `hot/redb`: [`HotStore::write`] on the embedded backend (a fresh redb file), the hot
//!   store of `finstream run`;
//! - `hot/cassandra` (only with `FINSTREAM_TEST_CASSANDRA`, the `host:port` of a node such
//!   as `deploy/local/services.sh up cassandra` starts): the same on the ScyllaDB/CQL
//!   backend, in a fresh keyspace that is dropped at the end;
//! - `history/parquet`: [`History::write`] of the trades table on a local directory.
//!
//! The trades are generated before any clock starts: 500 symbols with a random walk each,
//! round and odd lots, increasing event times (20,000 trades per second of market time,
//! from the current minute on), unique ids. They are written one batch at a time, in
//! order, by one writer on a current-thread runtime, as persist's writer thread does;
//! only the write calls are timed. Each batch stands for one flush of one topic
//! partition (persist flushes at most `max_events`, 50,000 by default, per flush); the
//! Parquet writes name each batch's offset range like persist does.
//!
//! After the clock stops each sink is read back, so that a figure never comes from a
//! broken write: the row count of the store's trades table, a range read of the trades of
//! a few symbols and their latest trade (hot stores); `SELECT count(*), count(DISTINCT id)
//! FROM trades` through the SQL engine (history).
//!
//! Environment:
//! - `FINSTREAM_BENCH_TRADES`: trades written to redb and Parquet (default 1,000,000);
//! - `FINSTREAM_BENCH_CASSANDRA_TRADES`: trades written to Cassandra (default 300,000);
//! - `FINSTREAM_BENCH_BATCH`: events per write (default 20,000);
//! - `FINSTREAM_BENCH_DIR`: where the scratch directories go (default the system's
//!   temporary directory); they are removed at the end.

use finstream_schemas::{Codec, Event, Trade};
use finstream_storage::history::WriteReport;
use finstream_storage::hot::{EmbeddedStore, HotStore, ScyllaConfig, ScyllaStore, Space};
use finstream_storage::{History, QueryLimits, ResultFormat, SqlEngine, Table};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const SYMBOLS: usize = 500;
/// Market time between two consecutive trades (all symbols): 20,000 trades per second.
const TRADE_SPACING_NANOS: i64 = 50_000;
/// Symbols whose trades are read back from the hot stores.
const CHECKED_SYMBOLS: [usize; 4] = [0, 137, 250, SYMBOLS - 1];

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
        Err(_) => default,
    }
}

fn symbol(s: usize) -> String {
    format!("SYM{s:04}")
}

/// A small deterministic generator (xorshift64*), so that runs are comparable.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The generated trades, in event-time order, and what the checks expect.
struct Workload {
    events: Vec<Event>,
    first_time: i64,
    last_time: i64,
}

impl Workload {
    fn generate(n: usize, seed: u64) -> Self {
        const EXCHANGES: [&str; 8] = ["V", "Q", "N", "P", "K", "Z", "D", "X"];
        let mut rng = Rng(seed | 1);
        let mut prices: Vec<f64> = (0..SYMBOLS).map(|s| 20.0 + (s as f64) * 0.9).collect();
        let minute = 60_000_000_000;
        let first_time = finstream_schemas::now_nanos() / minute * minute;
        let events = (0..n)
            .map(|i| {
                let s = (rng.next_u64() % SYMBOLS as u64) as usize;
                // A random walk in cents, around a tenth of a basis point per trade.
                let p = &mut prices[s];
                *p = ((*p * (1.0 + (rng.unit() - 0.5) * 0.002)) * 100.0).round() / 100.0;
                *p = p.max(1.0);
                let odd_lot = rng.unit() < 0.3;
                let size = if odd_lot {
                    1.0 + (rng.next_u64() % 99) as f64
                } else {
                    100.0 * (1 + rng.next_u64() % 10) as f64
                };
                let mut conditions = vec!["@".to_string()];
                if odd_lot {
                    conditions.push("I".to_string());
                }
                Event::Trade(Trade {
                    id: format!("bench-{seed}-{i}"),
                    symbol: symbol(s),
                    price: *p,
                    size,
                    event_time: first_time + i as i64 * TRADE_SPACING_NANOS,
                    trade_id: Some(i as i64),
                    exchange: Some(EXCHANGES[(rng.next_u64() % 8) as usize].to_string()),
                    conditions,
                    tape: Some("C".to_string()),
                    source: "bench".to_string(),
                })
            })
            .collect();
        Self {
            events,
            first_time,
            last_time: first_time + (n as i64 - 1) * TRADE_SPACING_NANOS,
        }
    }

    fn trade(&self, i: usize) -> &Trade {
        match &self.events[i] {
            Event::Trade(t) => t,
            other => panic!("the workload holds a {:?}", other.kind()),
        }
    }

    /// How many trades of a symbol there are, and the id of its last one.
    fn expected(&self, s: usize) -> (usize, Option<String>) {
        let name = symbol(s);
        let mut count = 0;
        let mut last = None;
        for i in 0..self.events.len() {
            let t = self.trade(i);
            if t.symbol == name {
                count += 1;
                last = Some(t.id.clone());
            }
        }
        (count, last)
    }
}

/// What one sink's run measured.
struct Measured {
    events: usize,
    writes: usize,
    total: Duration,
    per_write: Vec<Duration>,
    /// What the writes reported (the history's files, rows and bytes).
    report: WriteReport,
}

impl Measured {
    fn events_per_second(&self) -> f64 {
        self.events as f64 / self.total.as_secs_f64()
    }
}

/// Writes the workload in batches, in order, one at a time, timing only the writes. The
/// write gets the offset of the batch's first event (as if the trades were read from one
/// topic partition from offset 0) and the batch.
fn timed_writes<'a, F, Fut>(
    runtime: &tokio::runtime::Runtime,
    workload: &'a Workload,
    batch: usize,
    write: F,
) -> Measured
where
    F: Fn(i64, &'a [Event]) -> Fut,
    Fut: std::future::Future<Output = WriteReport>,
{
    let mut per_write = Vec::new();
    let mut report = WriteReport::default();
    for (k, chunk) in workload.events.chunks(batch).enumerate() {
        let first_offset = (k * batch) as i64;
        let started = Instant::now();
        let r = runtime.block_on(write(first_offset, chunk));
        per_write.push(started.elapsed());
        report.files += r.files;
        report.rows += r.rows;
        report.bytes += r.bytes;
    }
    Measured {
        events: workload.events.len(),
        writes: per_write.len(),
        total: per_write.iter().sum(),
        per_write,
        report,
    }
}

/// Reads a hot store back: the trades table's row count, a range read of a few symbols'
/// trades and their latest trade. Returns what was checked, or panics.
async fn check_hot(store: &HotStore, total_rows: u64, workload: &Workload) -> String {
    let n = workload.events.len() as u64;
    assert_eq!(
        total_rows,
        n,
        "{}: the trades table holds {total_rows} rows, {n} were written",
        store.backend_name()
    );
    let mut read = 0;
    for s in CHECKED_SYMBOLS {
        let name = symbol(s);
        let (count, last) = workload.expected(s);
        let trades = store
            .trades(
                &name,
                workload.first_time,
                workload.last_time + 1,
                None,
                usize::MAX,
            )
            .await
            .expect("range read");
        assert_eq!(
            trades.len(),
            count,
            "{}: {name} has {} trades, {count} were written",
            store.backend_name(),
            trades.len()
        );
        assert!(
            trades
                .windows(2)
                .all(|w| w[0].event_time <= w[1].event_time),
            "{name}: the range read is not in time order"
        );
        assert_eq!(
            trades.last().map(|t| t.id.clone()),
            last,
            "{name}: last trade"
        );
        let latest = store.latest_trade(&name).await.expect("latest trade");
        assert_eq!(latest.map(|t| t.id), last, "{name}: latest trade");
        read += trades.len();
    }
    format!(
        "ok: {total_rows} rows; {read} trades of {} symbols read back",
        CHECKED_SYMBOLS.len()
    )
}

fn scratch_dir(name: &str) -> tempfile::TempDir {
    let parent = std::env::var_os("FINSTREAM_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&parent).expect("creating FINSTREAM_BENCH_DIR");
    tempfile::Builder::new()
        .prefix(name)
        .tempdir_in(parent)
        .expect("scratch directory")
}

fn bench_redb(runtime: &tokio::runtime::Runtime, workload: &Workload, batch: usize) -> Row {
    let dir = scratch_dir("persist-bench-redb-");
    let embedded = EmbeddedStore::open(&dir.path().join("hot.redb")).expect("open redb");
    let store = HotStore::Embedded(embedded.clone(), Codec::embedded());
    let measured = timed_writes(runtime, workload, batch, |_, events| {
        let store = &store;
        async move {
            store.write(events).await.expect("redb write");
            WriteReport::default()
        }
    });
    let check = runtime.block_on(async {
        let rows = embedded.count(Space::Trades).await.expect("count");
        check_hot(&store, rows, workload).await
    });
    let file_mb = std::fs::metadata(dir.path().join("hot.redb"))
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(f64::NAN);
    Row {
        sink: "hot/redb",
        measured,
        check: format!("{check}; file {file_mb:.0} MB"),
    }
}

fn bench_cassandra(
    runtime: &tokio::runtime::Runtime,
    node: String,
    workload: &Workload,
    batch: usize,
) -> Row {
    let keyspace = format!("persist_bench_{}", std::process::id());
    let scylla = runtime
        .block_on(ScyllaStore::connect(ScyllaConfig {
            nodes: vec![node.clone()],
            keyspace: keyspace.clone(),
            ..ScyllaConfig::default()
        }))
        .unwrap_or_else(|e| panic!("connecting to Cassandra at {node}: {e}"));
    let store = HotStore::Scylla(scylla.clone(), Codec::embedded());
    let measured = timed_writes(runtime, workload, batch, |_, events| {
        let store = &store;
        async move {
            store.write(events).await.expect("Cassandra write");
            WriteReport::default()
        }
    });
    let check = runtime.block_on(async {
        let rows = scylla.count(Space::Trades).await.expect("count");
        check_hot(&store, u64::try_from(rows).unwrap_or(0), workload).await
    });
    runtime
        .block_on(scylla.drop_keyspace())
        .expect("dropping the bench keyspace");
    Row {
        sink: "hot/cassandra",
        measured,
        check: format!("{check}; keyspace {keyspace} dropped"),
    }
}

fn bench_parquet(runtime: &tokio::runtime::Runtime, workload: &Workload, batch: usize) -> Row {
    let dir = scratch_dir("persist-bench-parquet-");
    let history = History::local(dir.path()).expect("history");
    let measured = timed_writes(runtime, workload, batch, |first, events| {
        let history = &history;
        let last = first + events.len() as i64 - 1;
        async move {
            history
                .write(Table::Trades, 0, 0, first, last, events)
                .await
                .expect("Parquet write")
        }
    });
    let n = workload.events.len();
    let (files, rows) = (measured.report.files, measured.report.rows);
    assert_eq!(
        rows, n,
        "History::write reported {rows} rows, {n} were written"
    );
    let engine = SqlEngine::new(history, QueryLimits::default());
    let result = runtime
        .block_on(engine.query("SELECT count(*) AS n, count(DISTINCT id) AS ids FROM trades"))
        .expect("counting the history");
    let mut csv = Vec::new();
    ResultFormat::Csv
        .write(&result, &mut csv)
        .expect("formatting the count");
    let csv = String::from_utf8(csv).expect("UTF-8");
    let values: Vec<u64> = csv
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split(',')
        .map(|v| v.trim().parse().expect("a count"))
        .collect();
    assert_eq!(
        values,
        [n as u64, n as u64],
        "SQL over the history counts (rows, distinct ids) = {values:?}, {n} were written"
    );
    Row {
        sink: "history/parquet",
        measured,
        check: format!("ok: SQL count(*) = count(DISTINCT id) = {n}; {files} files"),
    }
}

struct Row {
    sink: &'static str,
    measured: Measured,
    check: String,
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn print_row(row: &Row, batch: usize) {
    let m = &row.measured;
    let mut per_write = m.per_write.clone();
    per_write.sort();
    let median = per_write
        .get(per_write.len() / 2)
        .copied()
        .unwrap_or_default();
    let min = per_write.first().copied().unwrap_or_default();
    let max = per_write.last().copied().unwrap_or_default();
    let bytes = (m.report.bytes > 0).then_some(m.report.bytes);
    let mb_s = bytes.map_or_else(
        || "-".to_string(),
        |b| format!("{:.1}", b as f64 / 1e6 / m.total.as_secs_f64()),
    );
    println!(
        "{:<16} {:>9} {:>6} {:>7} {:>8.2} {:>12.0} {:>6}   {:>6.1} / {:>6.1} / {:>6.1}",
        row.sink,
        m.events,
        batch,
        m.writes,
        m.total.as_secs_f64(),
        m.events_per_second(),
        mb_s,
        millis(min),
        millis(median),
        millis(max),
    );
    if let Some(b) = bytes {
        println!(
            "{:<16} {:.1} MB of Parquet ({:.1} bytes per trade)",
            "",
            b as f64 / 1e6,
            b as f64 / m.events as f64
        );
    }
    println!("{:<16} check {}", "", row.check);
}

fn main() {
    let trades = env_usize("FINSTREAM_BENCH_TRADES", 1_000_000);
    let cassandra_trades = env_usize("FINSTREAM_BENCH_CASSANDRA_TRADES", 300_000);
    let batch = env_usize("FINSTREAM_BENCH_BATCH", 20_000).max(1);
    // One writer on a current-thread runtime, like persist's writer thread.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let started = Instant::now();
    let workload = Workload::generate(trades, 42);
    eprintln!(
        "generated {trades} trades of {SYMBOLS} symbols in {:.1} s (not timed)",
        started.elapsed().as_secs_f64()
    );
    println!(
        "persist write throughput: trades of {SYMBOLS} symbols, {batch} events per write, one writer, only the writes timed"
    );
    println!(
        "{:<16} {:>9} {:>6} {:>7} {:>8} {:>12} {:>6}   per write min / median / max (ms)",
        "sink", "events", "batch", "writes", "seconds", "events/s", "MB/s",
    );
    let rows = [
        bench_redb(&runtime, &workload, batch),
        bench_parquet(&runtime, &workload, batch),
    ];
    for row in &rows {
        print_row(row, batch);
    }
    drop(workload);
    match std::env::var("FINSTREAM_TEST_CASSANDRA") {
        Ok(node) if !node.is_empty() => {
            let workload = Workload::generate(cassandra_trades, 7);
            let row = bench_cassandra(&runtime, node, &workload, batch);
            print_row(&row, batch);
        }
        _ => println!(
            "{:<16} skipped: set FINSTREAM_TEST_CASSANDRA=host:port (deploy/local/services.sh up cassandra)",
            "hot/cassandra"
        ),
    }
}
