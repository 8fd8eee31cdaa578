//! The `persist` processor: every topic into the hot store and the Parquet history,
//! exactly once in effect.
//!
//! Events are buffered per topic partition and flushed when a buffer holds
//! `max_events` or is `max_age_ms` old. A flush is handed to a writer thread that writes
//! the hot store first (idempotent upserts), then the Parquet files of the range (named
//! by topic, partition and offset range, written atomically), retrying until both are
//! durable. Until then [`Processor::replay_from`] holds the partition's commit at the
//! buffer's first offset, so the runner never commits past what is not yet durable.
//!
//! After a crash the runner re-reads from the last commit. Offsets at or below the
//! highest offset already in the partition's Parquet files are skipped (the file names
//! say which), so nothing reaches the history twice; the hot store takes the rest again
//! without harm, its writes being idempotent. On shutdown every buffer is flushed and
//! waited for before the final commit.

use finstream_bus::runner::{Emitter, Input, ProcessError, Processor};
use finstream_schemas::Event;
use finstream_storage::{History, HotStore, Table};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Configuration of the `persist` processor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct PersistConfig {
    /// Flush a topic partition's buffer once it holds this many events.
    pub max_events: usize,
    /// Flush a buffer once its oldest event has waited this long (milliseconds).
    pub max_age_ms: u64,
    /// Flushes queued for the writer before the processor waits (backpressure).
    pub queue: usize,
    /// The log generation written into file names: 0 for Kafka; `finstream run` sets the
    /// process start time, as its in-process log starts again at offset 0 every time.
    pub generation: i64,
}

impl Default for PersistConfig {
    fn default() -> Self {
        Self {
            max_events: 50_000,
            max_age_ms: 2_000,
            queue: 4,
            generation: 0,
        }
    }
}

type Partition = (String, i32);

#[derive(Debug)]
struct Buffer {
    first: i64,
    last: i64,
    events: Vec<Event>,
    since: Instant,
}

#[derive(Debug)]
enum Job {
    Flush {
        tp: Partition,
        first: i64,
        last: i64,
        events: Vec<Event>,
    },
    /// Reply with the highest offset of the partition already in the history.
    FlushedThrough(Partition, SyncSender<Result<Option<i64>, String>>),
    /// Reply once every earlier job is done.
    Barrier(SyncSender<()>),
}

/// State shared with the writer thread: flushes handed over but not yet durable.
#[derive(Debug, Default)]
struct InFlight {
    firsts: BTreeMap<Partition, BTreeSet<i64>>,
    written_events: u64,
}

/// Persists every event it reads.
#[derive(Debug)]
pub struct PersistProcessor {
    config: PersistConfig,
    buffers: BTreeMap<Partition, Buffer>,
    /// Per partition, offsets at or below this are already in the history.
    skip_through: BTreeMap<Partition, Option<i64>>,
    in_flight: Arc<Mutex<InFlight>>,
    jobs: Option<SyncSender<Job>>,
    writer: Option<std::thread::JoinHandle<()>>,
    /// Set when the processor goes away: the writer stops retrying (what it has not
    /// written was not committed either, so the next run reads it again).
    abandon: Arc<AtomicBool>,
    skipped: u64,
}

/// How long shutdown waits for buffered events to become durable.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(60);

impl PersistProcessor {
    /// Starts the writer thread over a hot store and a history.
    pub fn new(config: PersistConfig, store: HotStore, history: History) -> Result<Self, String> {
        if config.max_events == 0 || config.queue == 0 {
            return Err("persist: max_events and queue must be at least 1".into());
        }
        let (tx, rx) = sync_channel(config.queue);
        let config_generation = config.generation;
        let in_flight = Arc::new(Mutex::new(InFlight::default()));
        let shared = Arc::clone(&in_flight);
        let abandon = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&abandon);
        let writer = std::thread::Builder::new()
            .name("persist-writer".into())
            .spawn(move || writer_loop(rx, store, history, shared, stop, config_generation))
            .map_err(|e| format!("persist: cannot start the writer thread: {e}"))?;
        Ok(Self {
            config,
            buffers: BTreeMap::new(),
            skip_through: BTreeMap::new(),
            in_flight,
            jobs: Some(tx),
            writer: Some(writer),
            abandon,
            skipped: 0,
        })
    }

    /// Events written by the writer so far (for logs and tests).
    pub fn written_events(&self) -> u64 {
        self.in_flight.lock().map(|f| f.written_events).unwrap_or(0)
    }

    /// Events skipped because the history already held them.
    pub fn skipped_events(&self) -> u64 {
        self.skipped
    }

    fn send(&self, job: Job) -> Result<(), ProcessError> {
        let jobs = self
            .jobs
            .as_ref()
            .ok_or_else(|| ProcessError::Failed("persist: the writer has stopped".into()))?;
        // Blocks while the writer is behind: that is the backpressure.
        jobs.send(job)
            .map_err(|_| ProcessError::Failed("persist: the writer thread died".into()))
    }

    fn skip_mark(&mut self, tp: &Partition) -> Result<Option<i64>, ProcessError> {
        if let Some(mark) = self.skip_through.get(tp) {
            return Ok(*mark);
        }
        let (tx, rx) = sync_channel(1);
        self.send(Job::FlushedThrough(tp.clone(), tx))?;
        let mark = rx
            .recv()
            .map_err(|_| ProcessError::Failed("persist: the writer thread died".into()))?
            .map_err(ProcessError::Failed)?;
        if let Some(m) = mark {
            tracing::info!(topic = %tp.0, partition = tp.1, through = m, "persist: history already holds offsets up to here; skipping them");
        }
        self.skip_through.insert(tp.clone(), mark);
        Ok(mark)
    }

    fn flush(&mut self, tp: &Partition) -> Result<(), ProcessError> {
        let Some(buffer) = self.buffers.remove(tp) else {
            return Ok(());
        };
        if let Ok(mut f) = self.in_flight.lock() {
            f.firsts.entry(tp.clone()).or_default().insert(buffer.first);
        }
        self.send(Job::Flush {
            tp: tp.clone(),
            first: buffer.first,
            last: buffer.last,
            events: buffer.events,
        })
    }

    fn flush_due(&mut self, all: bool) -> Result<(), ProcessError> {
        let max_age = Duration::from_millis(self.config.max_age_ms);
        let due: Vec<Partition> = self
            .buffers
            .iter()
            .filter(|(_, b)| {
                all || b.events.len() >= self.config.max_events || b.since.elapsed() >= max_age
            })
            .map(|(tp, _)| tp.clone())
            .collect();
        for tp in due {
            self.flush(&tp)?;
        }
        Ok(())
    }

    /// Flushes every buffer and waits until the writer has made all of it durable.
    pub fn flush_all_and_wait(&mut self) -> Result<(), ProcessError> {
        self.flush_due(true)?;
        let (tx, rx) = sync_channel(1);
        self.send(Job::Barrier(tx))?;
        rx.recv_timeout(SHUTDOWN_WAIT).map_err(|_| {
            ProcessError::Failed(format!(
                "persist: buffered events were not durable within {SHUTDOWN_WAIT:?}; they were not committed and will be read again"
            ))
        })
    }
}

impl Processor for PersistProcessor {
    fn process(&mut self, input: Input<'_>, _out: &mut Emitter) -> Result<(), ProcessError> {
        let tp = (input.topic.to_string(), input.partition);
        if Table::for_topic(input.topic).is_some()
            && self.skip_mark(&tp)?.is_some_and(|m| input.offset <= m)
        {
            self.skipped += 1;
            return Ok(());
        }
        let buffer = self.buffers.entry(tp.clone()).or_insert_with(|| Buffer {
            first: input.offset,
            last: input.offset,
            events: Vec::new(),
            since: Instant::now(),
        });
        buffer.last = input.offset;
        buffer.events.push(input.event);
        if buffer.events.len() >= self.config.max_events {
            self.flush(&tp)?;
        }
        Ok(())
    }

    fn replay_from(&self, topic: &str, partition: i32) -> Option<i64> {
        let tp = (topic.to_string(), partition);
        let buffered = self.buffers.get(&tp).map(|b| b.first);
        let flying = self
            .in_flight
            .lock()
            .ok()
            .and_then(|f| f.firsts.get(&tp).and_then(|s| s.first().copied()));
        match (buffered, flying) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn on_revoked(&mut self, topic: &str, partition: i32) {
        let tp = (topic.to_string(), partition);
        // Not committed, so the next owner reads it again.
        self.buffers.remove(&tp);
        self.skip_through.remove(&tp);
    }

    fn on_tick(&mut self, _now_nanos: i64, _out: &mut Emitter) -> Result<(), ProcessError> {
        self.flush_due(false)
    }

    fn on_shutdown(&mut self, _out: &mut Emitter) -> Result<(), ProcessError> {
        self.flush_all_and_wait()
    }
}

impl Drop for PersistProcessor {
    fn drop(&mut self) {
        self.abandon.store(true, Ordering::SeqCst);
        self.jobs.take();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

fn writer_loop(
    jobs: Receiver<Job>,
    store: HotStore,
    history: History,
    in_flight: Arc<Mutex<InFlight>>,
    abandon: Arc<AtomicBool>,
    generation: i64,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "persist: cannot start the writer's runtime");
            return;
        }
    };
    while let Ok(job) = jobs.recv() {
        match job {
            Job::Flush {
                tp,
                first,
                last,
                events,
            } => {
                let range = (generation, first, last);
                let written = runtime.block_on(write_durably(
                    &store, &history, &tp, range, &events, &abandon,
                ));
                if !written {
                    return;
                }
                if let Ok(mut f) = in_flight.lock() {
                    if let Some(set) = f.firsts.get_mut(&tp) {
                        set.remove(&first);
                    }
                    f.written_events += events.len() as u64;
                }
            }
            Job::FlushedThrough(tp, reply) => {
                let result = match Table::for_topic(&tp.0) {
                    Some(table) => runtime
                        .block_on(history.flushed_through(table, tp.1, generation))
                        .map_err(|e| {
                            format!(
                                "persist: reading the history of {} partition {}: {e}",
                                tp.0, tp.1
                            )
                        }),
                    None => Ok(None),
                };
                let _ = reply.send(result);
            }
            Job::Barrier(reply) => {
                let _ = reply.send(());
            }
        }
    }
}

/// Writes one flush to the hot store, then to the history, retrying with backoff until
/// both succeed: an event is never dropped because a backend was down for a while.
/// Returns false if abandoned first.
async fn write_durably(
    store: &HotStore,
    history: &History,
    tp: &Partition,
    (generation, first, last): (i64, i64, i64),
    events: &[Event],
    abandon: &AtomicBool,
) -> bool {
    let mut backoff = Duration::from_millis(100);
    let started = Instant::now();
    loop {
        let result = async {
            store.write(events).await?;
            if let Some(table) = Table::for_topic(&tp.0) {
                history
                    .write(table, tp.1, generation, first, last, events)
                    .await?;
            }
            Ok::<_, finstream_storage::StorageError>(())
        }
        .await;
        match result {
            Ok(()) => {
                metrics::counter!("finstream_persist_events_total", "topic" => tp.0.clone())
                    .increment(events.len() as u64);
                metrics::histogram!("finstream_persist_flush_seconds", "topic" => tp.0.clone())
                    .record(started.elapsed().as_secs_f64());
                tracing::debug!(topic = %tp.0, partition = tp.1, first, last, events = events.len(), "persisted");
                return true;
            }
            Err(_) if abandon.load(Ordering::SeqCst) => return false,
            Err(e) => {
                metrics::counter!("finstream_persist_retries_total", "topic" => tp.0.clone())
                    .increment(1);
                tracing::warn!(topic = %tp.0, partition = tp.1, first, last, error = %e, retry_in = ?backoff, "persist failed; retrying");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}
