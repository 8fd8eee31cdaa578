//! The processor runner: everything a streaming job needs except its logic.
//!
//! A [`Processor`] has one required method, [`Processor::process`], which turns one decoded
//! input event into zero or more output events through an [`Emitter`]. The runner owns
//! the loop around it:
//!
//! 1. poll a batch from the input topics as a member of the processor's consumer group;
//! 2. decode each record (Confluent-framed Avro); a record that does not decode, or that
//!    the processor rejects, becomes a [`DeadLetter`] with the reason and its topic,
//!    partition and offset, and the stream goes on;
//! 3. produce every output and dead letter and wait for the acknowledgements;
//! 4. only then commit offsets: at-least-once, never at-most-once.
//!
//! Stateful processors (bars, moving averages) would lose their state in a crash. The
//! runner therefore commits, per partition, the offset from which the processor's state
//! can be rebuilt ([`Processor::replay_from`]) and stores the last processed offset as
//! commit metadata. After a restart, records up to that mark are fed to the processor
//! again to rebuild its state, but their outputs are discarded, because they were already
//! produced before the commit. Outputs are deterministic functions of the input, and
//! their ids are derived from it, so a crash between produce and commit at worst
//! re-publishes identical events that consumers drop by id.

use crate::error::BusError;
use crate::metrics as m;
use crate::record::{CommitPosition, OutRecord, Rebalance, Record, StartFrom};
use crate::schema_registry::SchemaRegistryClient;
use crate::{Bus, Consumer, Producer};
use bytes::Bytes;
use finstream_schemas::{
    AvroEvent, Codec, DeadLetter, ErrorKind, Event, SchemaError, catalog, now_nanos,
};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Why a processor refused an event.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProcessError {
    /// The event decoded but breaks the rules (negative price, unknown symbol, ...).
    #[error("invalid event: {0}")]
    Invalid(String),
    /// The processor failed on a valid event.
    #[error("processing failed: {0}")]
    Failed(String),
}

/// One decoded input.
#[derive(Debug)]
pub struct Input<'a> {
    /// Catalog name of the topic it came from.
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub event: Event,
}

/// Collects a processor's outputs for one batch.
#[derive(Debug)]
pub struct Emitter {
    codec: Codec,
    records: Vec<OutRecord>,
    /// True while re-reading records whose outputs were produced before a restart.
    replaying: bool,
}

impl Emitter {
    fn new(codec: Codec) -> Self {
        Self {
            codec,
            records: Vec::new(),
            replaying: false,
        }
    }

    /// Queues an event for its catalog topic, keyed by its partitioning key.
    pub fn emit<T: AvroEvent>(&mut self, event: &T) -> Result<(), ProcessError> {
        if self.replaying {
            return Ok(());
        }
        let record = OutRecord::event(&self.codec, event)
            .map_err(|e| ProcessError::Failed(e.to_string()))?;
        self.records.push(record);
        Ok(())
    }

    /// Whether the current input is being replayed to rebuild state.
    pub fn is_replaying(&self) -> bool {
        self.replaying
    }
}

/// A streaming job. Only [`process`](Processor::process) is required.
pub trait Processor: Send {
    /// Handles one input event, emitting any outputs.
    fn process(&mut self, input: Input<'_>, out: &mut Emitter) -> Result<(), ProcessError>;

    /// The oldest offset on this partition that the processor's state still depends on,
    /// or `None` if it keeps no state from it. The runner never commits past it.
    fn replay_from(&self, _topic: &str, _partition: i32) -> Option<i64> {
        None
    }

    /// The partition moved to another group member: drop its state.
    fn on_revoked(&mut self, _topic: &str, _partition: i32) {}

    /// Called once per batch, and when idle, with the wall clock.
    fn on_tick(&mut self, _now_nanos: i64, _out: &mut Emitter) -> Result<(), ProcessError> {
        Ok(())
    }

    /// Called once when the runner stops, before its final commit: flush what is
    /// buffered. Outputs emitted here are produced.
    fn on_shutdown(&mut self, _out: &mut Emitter) -> Result<(), ProcessError> {
        Ok(())
    }
}

/// How a runner runs.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Processor name: metric label, dead-letter origin, default group.
    pub name: String,
    /// Consumer group id.
    pub group: String,
    /// Catalog names of the input topics.
    pub inputs: Vec<String>,
    /// Where to start without a committed offset.
    pub start: StartFrom,
    /// Most records per batch.
    pub batch_size: usize,
    /// Longest wait for the first record of a batch.
    pub poll_wait: Duration,
}

impl RunnerConfig {
    pub fn new(name: &str, inputs: &[&str]) -> Self {
        Self {
            name: name.to_string(),
            group: format!("finstream.{name}"),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            start: StartFrom::CommittedOrEarliest,
            batch_size: 5_000,
            poll_wait: Duration::from_millis(100),
        }
    }
}

/// What a run did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunStats {
    pub records_in: u64,
    pub records_out: u64,
    pub dead_letters: u64,
    pub replayed: u64,
    pub batches: u64,
}

const REPLAY_MARK: &str = "finstream.processed=";

fn parse_mark(metadata: &str) -> Option<i64> {
    metadata
        .strip_prefix(REPLAY_MARK)
        .and_then(|s| s.parse().ok())
}

/// Runs a processor until `shutdown` fires; the last batch is produced and committed.
pub async fn run<P: Processor>(
    bus: Bus,
    codec: Codec,
    registry: Option<SchemaRegistryClient>,
    config: RunnerConfig,
    mut processor: P,
    shutdown: CancellationToken,
) -> Result<RunStats, BusError> {
    let inputs: Vec<&str> = config.inputs.iter().map(String::as_str).collect();
    let mut consumer = bus.consumer(&config.group, &inputs, config.start)?;
    let producer = bus.producer()?;
    let mut emitter = Emitter::new(codec.clone());
    let mut stats = RunStats::default();
    let mut assigned: BTreeSet<(String, i32)> = BTreeSet::new();
    // Per partition: outputs of offsets up to here were produced before a restart.
    let mut marks: BTreeMap<(String, i32), i64> = BTreeMap::new();
    // Per partition: the last offset read, across batches (for the final commit).
    let mut consumed: BTreeMap<(String, i32), i64> = BTreeMap::new();
    let label = [("processor", config.name.clone())];
    tracing::info!(processor = %config.name, group = %config.group, inputs = ?config.inputs, backend = bus.backend_name(), "processor starting");

    while !shutdown.is_cancelled() {
        let batch = tokio::select! {
            _ = shutdown.cancelled() => break,
            b = consumer.poll_batch(config.batch_size, config.poll_wait) => b,
        };
        let batch = match batch {
            Ok(b) => b,
            Err(e) if e.is_retryable() => {
                tracing::warn!(processor = %config.name, error = %e, "poll failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let started = Instant::now();
        for event in consumer.take_rebalances()? {
            match event {
                Rebalance::Revoked(tps) => {
                    for (t, p) in tps {
                        processor.on_revoked(&t, p);
                        marks.remove(&(t.clone(), p));
                        consumed.remove(&(t.clone(), p));
                        assigned.remove(&(t, p));
                    }
                }
                Rebalance::Assigned(tps) => {
                    for (t, p) in tps {
                        if let Some(mark) = consumer
                            .committed(&t, p)
                            .await?
                            .and_then(|(_, meta)| parse_mark(&meta))
                        {
                            marks.insert((t.clone(), p), mark);
                        }
                        assigned.insert((t, p));
                    }
                }
            }
        }

        let mut last: BTreeMap<(String, i32), i64> = BTreeMap::new();
        let mut dead = Vec::new();
        let (in_before, replayed_before) = (stats.records_in, stats.replayed);
        for record in batch {
            let tp = (record.topic.clone(), record.partition);
            if !assigned.contains(&tp) {
                continue;
            }
            stats.records_in += 1;
            emitter.replaying = marks.get(&tp).is_some_and(|&mark| record.offset <= mark);
            if emitter.replaying {
                stats.replayed += 1;
            }
            if let Err((kind, reason)) = handle(
                &codec,
                registry.as_ref(),
                &record,
                &mut processor,
                &mut emitter,
            )
            .await
            {
                tracing::warn!(processor = %config.name, topic = %record.topic, partition = record.partition, offset = record.offset, reason = %reason, "dead-lettering event");
                if !emitter.replaying {
                    dead.push(dead_letter(&codec, &config.name, &record, kind, reason)?);
                }
            }
            consumed.insert(tp.clone(), record.offset);
            last.insert(tp, record.offset);
        }
        if let Err(e) = processor.on_tick(now_nanos(), &mut emitter) {
            tracing::warn!(processor = %config.name, error = %e, "tick failed");
        }

        let mut out = std::mem::take(&mut emitter.records);
        stats.dead_letters += dead.len() as u64;
        metrics::counter!(m::DEAD_LETTERS, &label).increment(dead.len() as u64);
        out.extend(dead);
        stats.records_out += out.len() as u64;
        metrics::counter!(m::RECORDS_OUT, &label).increment(out.len() as u64);
        produce_until_acknowledged(&producer, &mut consumer, out, &config.name, &shutdown).await?;

        let positions: Vec<CommitPosition> = last
            .iter()
            .map(|(tp, &offset)| commit_position(&processor, &marks, tp, offset))
            .collect();
        consumer.commit(&positions).await?;
        if !positions.is_empty() {
            metrics::counter!(m::COMMITS, &label).increment(1);
            stats.batches += 1;
        }
        metrics::histogram!(m::BATCH_SECONDS, &label).record(started.elapsed().as_secs_f64());
        metrics::counter!(m::RECORDS_IN, &label).increment(stats.records_in - in_before);
        metrics::counter!(m::REPLAYED, &label).increment(stats.replayed - replayed_before);
    }
    // A clean stop: let the processor flush, produce what it emits, and commit every
    // partition it read up to what its state no longer needs.
    if let Err(e) = processor.on_shutdown(&mut emitter) {
        tracing::warn!(processor = %config.name, error = %e, "shutdown flush failed; uncommitted input will be read again");
    } else {
        let out = std::mem::take(&mut emitter.records);
        stats.records_out += out.len() as u64;
        let never = CancellationToken::new();
        produce_until_acknowledged(&producer, &mut consumer, out, &config.name, &never).await?;
        let positions: Vec<CommitPosition> = consumed
            .iter()
            .filter(|(tp, _)| assigned.contains(*tp))
            .map(|(tp, &offset)| commit_position(&processor, &marks, tp, offset))
            .collect();
        if let Err(e) = consumer.commit(&positions).await {
            tracing::warn!(processor = %config.name, error = %e, "final commit failed; uncommitted input will be read again");
        }
    }
    producer.flush(Duration::from_secs(10))?;
    tracing::info!(processor = %config.name, records_in = stats.records_in, records_out = stats.records_out, dead_letters = stats.dead_letters, "processor stopped after committing its work");
    Ok(stats)
}

/// Where a partition resumes after `offset` was processed: the next offset, or earlier
/// if the processor's state still needs older input; the replay mark rides along.
fn commit_position<P: Processor>(
    processor: &P,
    marks: &BTreeMap<(String, i32), i64>,
    (topic, partition): &(String, i32),
    offset: i64,
) -> CommitPosition {
    let mark = marks
        .get(&(topic.clone(), *partition))
        .copied()
        .unwrap_or(-1)
        .max(offset);
    CommitPosition {
        topic: topic.clone(),
        partition: *partition,
        offset: processor
            .replay_from(topic, *partition)
            .map_or(offset + 1, |r| r.min(offset + 1)),
        metadata: format!("{REPLAY_MARK}{mark}"),
    }
}

async fn handle<P: Processor>(
    codec: &Codec,
    registry: Option<&SchemaRegistryClient>,
    record: &Record,
    processor: &mut P,
    emitter: &mut Emitter,
) -> Result<(), (ErrorKind, String)> {
    let spec = catalog::topic(&record.topic).ok_or_else(|| {
        (
            ErrorKind::Decode,
            format!("topic {} is not in the catalog", record.topic),
        )
    })?;
    let event = match (codec.decode_event(spec.kind, &record.payload), registry) {
        (Err(SchemaError::UnknownSchemaId(id)), Some(registry)) => {
            let text = registry
                .schema_by_id(id)
                .await
                .map_err(|e| (ErrorKind::Decode, e.to_string()))?;
            codec
                .learn_writer_schema(id, spec.kind, &text)
                .map_err(|e| (ErrorKind::Decode, e.to_string()))?;
            codec.decode_event(spec.kind, &record.payload)
        }
        (other, _) => other,
    }
    .map_err(|e| (ErrorKind::Decode, e.to_string()))?;
    let input = Input {
        topic: &record.topic,
        partition: record.partition,
        offset: record.offset,
        event,
    };
    processor.process(input, emitter).map_err(|e| match e {
        ProcessError::Invalid(r) => (ErrorKind::Invalid, r),
        ProcessError::Failed(r) => (ErrorKind::Processing, r),
    })
}

fn dead_letter(
    codec: &Codec,
    processor: &str,
    record: &Record,
    kind: ErrorKind,
    reason: String,
) -> Result<OutRecord, BusError> {
    let now = now_nanos();
    let dl = DeadLetter {
        id: format!(
            "{processor}:{}:{}:{}",
            record.topic, record.partition, record.offset
        ),
        processor: processor.to_string(),
        source_topic: record.topic.clone(),
        source_partition: record.partition,
        source_offset: record.offset,
        key: record.key.as_ref().map(|k| k.to_vec()),
        payload: record.payload.to_vec(),
        error_kind: kind,
        error: reason,
        event_time: now,
    };
    Ok(OutRecord {
        topic: catalog::DEAD_LETTERS.to_string(),
        key: record.key.clone(),
        payload: Bytes::from(codec.encode(&dl)?),
        timestamp_ms: now / 1_000_000,
    })
}

/// Produces a batch, retrying transient failures with backoff while the consumer is
/// paused. Nothing is committed until this returns Ok.
async fn produce_until_acknowledged(
    producer: &Producer,
    consumer: &mut Consumer,
    records: Vec<OutRecord>,
    name: &str,
    shutdown: &CancellationToken,
) -> Result<(), BusError> {
    let mut backoff = Duration::from_millis(100);
    let mut paused = false;
    loop {
        match producer.send_all(records.clone()).await {
            Ok(_) => break,
            Err(e) if e.is_retryable() && !shutdown.is_cancelled() => {
                metrics::counter!(m::PRODUCE_RETRIES, "processor" => name.to_string()).increment(1);
                tracing::warn!(processor = %name, error = %e, retry_in = ?backoff, "produce failed; pausing input and retrying");
                if !paused {
                    consumer.pause()?;
                    paused = true;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
            Err(e) => return Err(e),
        }
    }
    if paused {
        consumer.resume()?;
    }
    Ok(())
}
