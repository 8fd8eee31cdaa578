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
//!
//! State that no bounded replay can rebuild (an EMA remembers every price it saw) is
//! checkpointed instead: a processor that names a [`Processor::checkpoint_format`] has
//! its state for each input partition serialized ([`Processor::snapshot`]) every
//! [`RunnerConfig::checkpoint_interval`], produced to the compacted
//! `system.checkpoints.v1` with the batch's outputs, and referenced from the commit
//! metadata (`finstream.checkpoint=<partition>:<offset>:<covers>:<sequence>`). The commit
//! offset is then the first input after the checkpoint; after a restart the runner reads
//! the referenced record back, [`Processor::restore`]s it, and replays (outputs
//! suppressed) from there to the processed mark. Checkpoints alternate between two keys
//! per partition, so compaction never removes the one a commit references.

use crate::error::BusError;
use crate::metrics as m;
use crate::record::{CommitPosition, Delivery, OutRecord, Rebalance, Record, StartFrom};
use crate::schema_registry::SchemaRegistryClient;
use crate::{Bus, Consumer, Producer};
use bytes::Bytes;
use finstream_schemas::{
    AvroEvent, Codec, DeadLetter, ErrorKind, Event, ProcessorCheckpoint, SchemaError, catalog,
    now_nanos,
};
use std::collections::BTreeMap;
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
    /// An emitter encoding with `codec`: the runner makes one per run; tests of a
    /// processor make their own and [`take`](Self::take) what it emitted.
    pub fn new(codec: Codec) -> Self {
        Self {
            codec,
            records: Vec::new(),
            replaying: false,
        }
    }

    /// The records emitted since the last call.
    pub fn take(&mut self) -> Vec<OutRecord> {
        std::mem::take(&mut self.records)
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

    /// The name and version of this processor's state format (e.g. `indicators/1`) if
    /// the runner should checkpoint its state; `None` (the default) for processors whose
    /// state a bounded replay rebuilds, which rely on [`replay_from`](Self::replay_from).
    fn checkpoint_format(&self) -> Option<&str> {
        None
    }

    /// The state kept for one input partition, serialized in `checkpoint_format`, such
    /// that [`restore`](Self::restore) brings it back bit for bit.
    fn snapshot(&self, _topic: &str, _partition: i32) -> Result<Vec<u8>, ProcessError> {
        Err(ProcessError::Failed(
            "this processor does not checkpoint its state".into(),
        ))
    }

    /// Replaces the state of one input partition with one taken by
    /// [`snapshot`](Self::snapshot) in the same format.
    fn restore(
        &mut self,
        _topic: &str,
        _partition: i32,
        _state: &[u8],
    ) -> Result<(), ProcessError> {
        Err(ProcessError::Failed(
            "this processor does not checkpoint its state".into(),
        ))
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
    /// How often the state of each input partition is checkpointed, for processors that
    /// checkpoint; a restart replays at most about this much input. Zero: every batch.
    pub checkpoint_interval: Duration,
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
            checkpoint_interval: Duration::from_secs(10),
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
    pub checkpoints: u64,
    /// Partitions whose state came back from a checkpoint.
    pub restored: u64,
}

const REPLAY_MARK: &str = "finstream.processed=";
const CHECKPOINT_REF: &str = "finstream.checkpoint=";

/// Where a partition's latest checkpoint is, and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CheckpointRef {
    /// Partition and offset of the record in the checkpoint topic.
    partition: i32,
    offset: i64,
    /// The last input offset the state includes.
    covers: i64,
    sequence: i64,
}

/// The runner's bookkeeping for one assigned input partition.
#[derive(Debug, Default)]
struct Progress {
    /// Outputs of offsets up to here were produced before a restart.
    replay_until: Option<i64>,
    /// The checkpoint the state was restored from or last saved to.
    checkpoint: Option<CheckpointRef>,
    /// Without a checkpoint: the first offset processed since the state was empty, from
    /// which a replay rebuilds it.
    origin: Option<i64>,
    last_checkpoint: Option<Instant>,
    /// The last offset read, across batches (for the final commit).
    consumed: Option<i64>,
}

/// Commit metadata: `finstream.checkpoint=p:o:covers:seq;finstream.processed=N` (the mark
/// last, where older readers of the metadata look for it).
fn format_metadata(mark: i64, checkpoint: Option<CheckpointRef>) -> String {
    match checkpoint {
        Some(c) => format!(
            "{CHECKPOINT_REF}{}:{}:{}:{};{REPLAY_MARK}{mark}",
            c.partition, c.offset, c.covers, c.sequence
        ),
        None => format!("{REPLAY_MARK}{mark}"),
    }
}

fn parse_metadata(metadata: &str) -> (Option<i64>, Option<CheckpointRef>) {
    let mut mark = None;
    let mut checkpoint = None;
    for part in metadata.split(';') {
        if let Some(m) = part.strip_prefix(REPLAY_MARK) {
            mark = m.parse().ok();
        } else if let Some(c) = part.strip_prefix(CHECKPOINT_REF) {
            let n: Vec<i64> = c.split(':').filter_map(|x| x.parse().ok()).collect();
            if let [partition, offset, covers, sequence] = n[..] {
                checkpoint = Some(CheckpointRef {
                    partition: partition as i32,
                    offset,
                    covers,
                    sequence,
                });
            }
        }
    }
    (mark, checkpoint)
}

/// Reads the checkpoint a commit references and restores the processor's state for the
/// partition from it. The outer error is the transport's (retry later); the inner says why
/// this checkpoint cannot be used.
async fn restore_checkpoint<P: Processor>(
    bus: &Bus,
    codec: &Codec,
    group: &str,
    topic: &str,
    partition: i32,
    reference: CheckpointRef,
    processor: &mut P,
) -> Result<Result<(), String>, BusError> {
    let Some(record) = bus
        .read_at(catalog::CHECKPOINTS, reference.partition, reference.offset)
        .await?
    else {
        return Ok(Err(format!(
            "{}[{}] no longer holds offset {}",
            catalog::CHECKPOINTS,
            reference.partition,
            reference.offset
        )));
    };
    let checkpoint: ProcessorCheckpoint = match codec.decode(&record.payload) {
        Ok(c) => c,
        Err(e) => return Ok(Err(format!("the record does not decode: {e}"))),
    };
    if checkpoint.group != group
        || checkpoint.source_topic != topic
        || checkpoint.source_partition != partition
        || checkpoint.source_offset != reference.covers
        || checkpoint.sequence != reference.sequence
    {
        return Ok(Err(format!(
            "the record is checkpoint {} of {} for {}[{}] up to offset {}, not the one referenced",
            checkpoint.sequence,
            checkpoint.group,
            checkpoint.source_topic,
            checkpoint.source_partition,
            checkpoint.source_offset
        )));
    }
    let format = processor.checkpoint_format().unwrap_or_default();
    if checkpoint.format != format {
        return Ok(Err(format!(
            "its state format {} is not this processor's {format}",
            checkpoint.format
        )));
    }
    Ok(processor
        .restore(topic, partition, &checkpoint.state)
        .map_err(|e| e.to_string()))
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
    // Every assigned partition, with what the runner knows about its state.
    let mut progress: BTreeMap<(String, i32), Progress> = BTreeMap::new();
    let checkpoint_format = processor.checkpoint_format().map(str::to_string);
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
                        progress.remove(&(t, p));
                    }
                }
                Rebalance::Assigned(tps) => {
                    for (t, p) in tps {
                        let (replay_until, reference) = consumer
                            .committed(&t, p)
                            .await?
                            .map(|(_, meta)| parse_metadata(&meta))
                            .unwrap_or_default();
                        let mut entry = Progress {
                            replay_until,
                            last_checkpoint: Some(Instant::now()),
                            ..Progress::default()
                        };
                        if let (Some(reference), Some(_)) = (reference, &checkpoint_format) {
                            match restore_checkpoint(
                                &bus,
                                &codec,
                                &config.group,
                                &t,
                                p,
                                reference,
                                &mut processor,
                            )
                            .await?
                            {
                                Ok(()) => {
                                    tracing::info!(processor = %config.name, topic = %t, partition = p, covers = reference.covers, replay_until, "state restored from checkpoint");
                                    metrics::counter!(m::CHECKPOINT_RESTORES, &label).increment(1);
                                    stats.restored += 1;
                                    entry.checkpoint = Some(reference);
                                }
                                Err(reason) => {
                                    tracing::error!(processor = %config.name, topic = %t, partition = p, checkpoint_partition = reference.partition, checkpoint_offset = reference.offset, reason = %reason, "the committed checkpoint cannot be restored; this partition goes on from empty state, so its outputs differ from an uninterrupted run's until the indicators have warmed up again");
                                    metrics::counter!(m::CHECKPOINT_FAILURES, &label).increment(1);
                                    processor.on_revoked(&t, p);
                                }
                            }
                        }
                        progress.insert((t, p), entry);
                    }
                }
            }
        }

        let mut last: BTreeMap<(String, i32), i64> = BTreeMap::new();
        let mut dead = Vec::new();
        let (in_before, replayed_before) = (stats.records_in, stats.replayed);
        for record in batch {
            let tp = (record.topic.clone(), record.partition);
            let Some(entry) = progress.get_mut(&tp) else {
                continue;
            };
            if entry.checkpoint.is_none() && entry.origin.is_none() {
                entry.origin = Some(record.offset);
            }
            stats.records_in += 1;
            emitter.replaying = entry.replay_until.is_some_and(|mark| record.offset <= mark);
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
            entry.consumed = Some(record.offset);
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

        // Checkpoints go out with the batch's outputs, so that the commit below can
        // reference them once the brokers have them.
        let mut taken: Vec<((String, i32), i64, i64, usize)> = Vec::new();
        if let Some(format) = &checkpoint_format {
            for (tp, &offset) in &last {
                let Some(entry) = progress.get(tp) else {
                    continue;
                };
                if entry
                    .last_checkpoint
                    .is_some_and(|at| at.elapsed() < config.checkpoint_interval)
                {
                    continue;
                }
                let state = match processor.snapshot(&tp.0, tp.1) {
                    Ok(state) => state,
                    Err(e) => {
                        tracing::warn!(processor = %config.name, topic = %tp.0, partition = tp.1, error = %e, "snapshot failed; keeping the previous checkpoint");
                        continue;
                    }
                };
                let sequence = entry.checkpoint.map_or(0, |c| c.sequence + 1);
                metrics::histogram!(m::CHECKPOINT_BYTES, &label).record(state.len() as f64);
                let checkpoint = ProcessorCheckpoint {
                    id: format!("{}/{}/{}/{}", config.group, tp.0, tp.1, sequence % 2),
                    group: config.group.clone(),
                    source_topic: tp.0.clone(),
                    source_partition: tp.1,
                    source_offset: offset,
                    sequence,
                    format: format.clone(),
                    state,
                    event_time: now_nanos(),
                };
                taken.push((tp.clone(), offset, sequence, out.len()));
                out.push(OutRecord::event(&codec, &checkpoint)?);
            }
        }
        let deliveries =
            produce_until_acknowledged(&producer, &mut consumer, out, &config.name, &shutdown)
                .await?;
        for (tp, covers, sequence, index) in taken {
            let (Some(delivery), Some(entry)) = (deliveries.get(index), progress.get_mut(&tp))
            else {
                continue;
            };
            entry.checkpoint = Some(CheckpointRef {
                partition: delivery.partition,
                offset: delivery.offset,
                covers,
                sequence,
            });
            entry.origin = None;
            entry.last_checkpoint = Some(Instant::now());
            stats.checkpoints += 1;
            metrics::counter!(m::CHECKPOINTS, &label).increment(1);
        }

        let positions: Vec<CommitPosition> = last
            .iter()
            .map(|(tp, &offset)| {
                let entry = progress.get(tp);
                commit_position(&processor, entry, checkpoint_format.is_some(), tp, offset)
            })
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
        let positions: Vec<CommitPosition> = progress
            .iter()
            .filter_map(|(tp, entry)| {
                let offset = entry.consumed?;
                Some(commit_position(
                    &processor,
                    Some(entry),
                    checkpoint_format.is_some(),
                    tp,
                    offset,
                ))
            })
            .collect();
        if let Err(e) = consumer.commit(&positions).await {
            tracing::warn!(processor = %config.name, error = %e, "final commit failed; uncommitted input will be read again");
        }
    }
    producer.flush(Duration::from_secs(10))?;
    tracing::info!(processor = %config.name, records_in = stats.records_in, records_out = stats.records_out, dead_letters = stats.dead_letters, "processor stopped after committing its work");
    Ok(stats)
}

/// Where a partition resumes after `offset` was processed, with the replay mark and the
/// checkpoint reference in the metadata. A checkpointing processor resumes where its state
/// can be rebuilt from (after its checkpoint, or where the state was empty); any other one
/// at the next offset, or earlier if its state still needs older input.
fn commit_position<P: Processor>(
    processor: &P,
    entry: Option<&Progress>,
    checkpoints: bool,
    (topic, partition): &(String, i32),
    offset: i64,
) -> CommitPosition {
    let mark = entry.and_then(|e| e.replay_until).unwrap_or(-1).max(offset);
    let checkpoint = entry.and_then(|e| e.checkpoint);
    let resume = if checkpoints {
        match (checkpoint, entry.and_then(|e| e.origin)) {
            (Some(c), _) => c.covers + 1,
            (None, Some(origin)) => origin,
            (None, None) => offset + 1,
        }
    } else {
        processor
            .replay_from(topic, *partition)
            .map_or(offset + 1, |r| r.min(offset + 1))
    };
    CommitPosition {
        topic: topic.clone(),
        partition: *partition,
        offset: resume,
        metadata: format_metadata(mark, checkpoint),
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
/// paused; returns where each record landed, in order. Nothing is committed until this
/// returns Ok.
async fn produce_until_acknowledged(
    producer: &Producer,
    consumer: &mut Consumer,
    records: Vec<OutRecord>,
    name: &str,
    shutdown: &CancellationToken,
) -> Result<Vec<Delivery>, BusError> {
    let mut backoff = Duration::from_millis(100);
    let mut paused = false;
    let deliveries = loop {
        match producer.send_all(records.clone()).await {
            Ok(d) => break d,
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
    };
    if paused {
        consumer.resume()?;
    }
    Ok(deliveries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use finstream_schemas::{IndicatorUpdate, Trade};
    use std::collections::HashMap;

    #[test]
    fn commit_metadata_round_trips_and_keeps_the_mark_last() {
        let reference = CheckpointRef {
            partition: 2,
            offset: 17,
            covers: 4_000,
            sequence: 9,
        };
        let meta = format_metadata(4_100, Some(reference));
        assert_eq!(
            meta,
            "finstream.checkpoint=2:17:4000:9;finstream.processed=4100"
        );
        assert_eq!(parse_metadata(&meta), (Some(4_100), Some(reference)));
        assert!(
            meta.ends_with("=4100"),
            "readers that split at the last '=' still work"
        );
        assert_eq!(
            parse_metadata("finstream.processed=7"),
            (Some(7), None),
            "commits written before checkpoints existed"
        );
        assert_eq!(parse_metadata(""), (None, None));
        assert_eq!(
            parse_metadata("finstream.checkpoint=1:2;finstream.processed=x"),
            (None, None)
        );
    }

    /// A processor with unbounded memory: the running total of trade sizes per partition,
    /// published after every trade. No replay window can rebuild it; a checkpoint can.
    #[derive(Default)]
    struct RunningTotal {
        totals: HashMap<i32, (f64, u64)>,
    }

    impl Processor for RunningTotal {
        fn process(&mut self, input: Input<'_>, out: &mut Emitter) -> Result<(), ProcessError> {
            let Event::Trade(trade) = input.event else {
                return Err(ProcessError::Invalid("trades only".into()));
            };
            let (total, count) = self.totals.entry(input.partition).or_default();
            // Sizes with fractions, so that the total is a float that remembers its order.
            *total += trade.size;
            *count += 1;
            out.emit(&IndicatorUpdate {
                id: format!("{}:{}", input.partition, count),
                symbol: trade.symbol.clone(),
                timeframe: "tick".into(),
                indicator: "total".into(),
                bar_start: trade.event_time,
                values: BTreeMap::from([("value".to_string(), *total)]),
                bar_revision: 0,
                event_time: trade.event_time,
            })
        }

        fn on_revoked(&mut self, _topic: &str, partition: i32) {
            self.totals.remove(&partition);
        }

        fn checkpoint_format(&self) -> Option<&str> {
            Some("total/1")
        }

        fn snapshot(&self, _topic: &str, partition: i32) -> Result<Vec<u8>, ProcessError> {
            let (total, count) = self.totals.get(&partition).copied().unwrap_or_default();
            let mut bytes = total.to_bits().to_le_bytes().to_vec();
            bytes.extend_from_slice(&count.to_le_bytes());
            Ok(bytes)
        }

        fn restore(
            &mut self,
            _topic: &str,
            partition: i32,
            state: &[u8],
        ) -> Result<(), ProcessError> {
            let word = |i: usize| -> Result<u64, ProcessError> {
                state
                    .get(i * 8..i * 8 + 8)
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_le_bytes)
                    .ok_or_else(|| ProcessError::Failed("truncated state".into()))
            };
            self.totals
                .insert(partition, (f64::from_bits(word(0)?), word(1)?));
            Ok(())
        }
    }

    fn trades(codec: &Codec, n: usize) -> Vec<OutRecord> {
        (0..n)
            .map(|i| {
                let trade = Trade {
                    id: format!("t{i}"),
                    symbol: ["AAPL", "MSFT", "NVDA", "AMD"][i % 4].into(),
                    price: 10.0,
                    size: 0.1 + (i % 7) as f64 * 0.37,
                    event_time: 1_000 + i as i64,
                    trade_id: None,
                    exchange: None,
                    conditions: vec![],
                    tape: None,
                    source: "test".into(),
                };
                OutRecord::event(codec, &trade).expect("encodes")
            })
            .collect()
    }

    fn config() -> RunnerConfig {
        let mut c = RunnerConfig::new("total", &[catalog::TRADES]);
        c.batch_size = 13;
        c.poll_wait = Duration::from_millis(5);
        c.checkpoint_interval = Duration::ZERO;
        c
    }

    async fn outputs(bus: &Bus, codec: &Codec) -> Vec<IndicatorUpdate> {
        let mut reader = bus
            .reader(&[catalog::INDICATORS], StartFrom::Earliest)
            .await
            .expect("reader");
        let mut out = Vec::new();
        loop {
            let batch = reader
                .poll_batch(10_000, Duration::from_millis(20))
                .await
                .expect("poll");
            if batch.is_empty() {
                return out;
            }
            out.extend(
                batch
                    .iter()
                    .map(|r| codec.decode(&r.payload).expect("decodes")),
            );
        }
    }

    /// Runs until every input is committed, then stops gracefully; returns the stats.
    async fn run_to_end(bus: &Bus, codec: &Codec, total: usize) -> RunStats {
        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(run(
            bus.clone(),
            codec.clone(),
            None,
            config(),
            RunningTotal::default(),
            shutdown.clone(),
        ));
        let Bus::Memory(log) = bus else {
            panic!("memory bus")
        };
        for _ in 0..1_000 {
            let done: i64 = (0..catalog::MARKET_PARTITIONS)
                .filter_map(|p| log.committed("finstream.total", catalog::TRADES, p))
                .filter_map(|(_, meta)| parse_metadata(&meta).0)
                .map(|mark| mark + 1)
                .sum();
            if done as usize >= total {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        shutdown.cancel();
        handle.await.expect("joins").expect("runs")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unbounded_state_survives_crashes_through_checkpoints() {
        let codec = Codec::embedded();
        let input = trades(&codec, 3_000);

        let reference = Bus::memory(100_000);
        let producer = reference.producer().expect("producer");
        producer.send_all(input.clone()).await.expect("produce");
        let stats = run_to_end(&reference, &codec, input.len()).await;
        assert!(stats.checkpoints > 0);
        let want = outputs(&reference, &codec).await;
        assert_eq!(want.len(), input.len());

        let bus = Bus::memory(100_000);
        let producer = bus.producer().expect("producer");
        let (crashing, last) = input.split_at(2_600);
        for (round, chunk) in crashing.chunks(400).enumerate() {
            producer.send_all(chunk.to_vec()).await.expect("produce");
            let handle = tokio::spawn(run(
                bus.clone(),
                codec.clone(),
                None,
                config(),
                RunningTotal::default(),
                CancellationToken::new(),
            ));
            tokio::time::sleep(Duration::from_millis(2 + (round as u64 * 5) % 17)).await;
            handle.abort();
            let _ = handle.await;
        }
        // The last run has new trades on every partition, so it must restore to go on.
        producer.send_all(last.to_vec()).await.expect("produce");
        let stats = run_to_end(&bus, &codec, input.len()).await;
        assert!(
            stats.restored > 0,
            "the last run restored no checkpoint: {stats:?}"
        );
        let got = outputs(&bus, &codec).await;
        let by_id: HashMap<&str, &IndicatorUpdate> =
            got.iter().map(|u| (u.id.as_str(), u)).collect();
        assert_eq!(by_id.len(), got.len(), "an output was published twice");
        assert_eq!(got.len(), want.len());
        for w in &want {
            let g = by_id.get(w.id.as_str()).expect("every output once");
            assert_eq!(
                g.values["value"].to_bits(),
                w.values["value"].to_bits(),
                "{} differs after the crashes",
                w.id
            );
        }

        // The commits point just past the checkpoints: nothing is left to replay.
        let Bus::Memory(log) = &bus else {
            panic!("memory bus")
        };
        for p in 0..catalog::MARKET_PARTITIONS {
            if let Some((offset, meta)) = log.committed("finstream.total", catalog::TRADES, p) {
                let (mark, checkpoint) = parse_metadata(&meta);
                let checkpoint = checkpoint.expect("a checkpoint is referenced");
                assert_eq!(offset, checkpoint.covers + 1);
                assert_eq!(mark, Some(checkpoint.covers));
                assert!(
                    log.read_at(
                        catalog::CHECKPOINTS,
                        checkpoint.partition,
                        checkpoint.offset
                    )
                    .expect("reads")
                    .is_some(),
                    "compaction kept the referenced checkpoint"
                );
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_checkpoint_that_cannot_be_restored_is_reported_and_the_stream_goes_on() {
        let codec = Codec::embedded();
        let input = trades(&codec, 200);
        let bus = Bus::memory(100_000);
        bus.producer()
            .expect("producer")
            .send_all(input.clone())
            .await
            .expect("produce");
        run_to_end(&bus, &codec, input.len()).await;
        // Point every commit at a checkpoint that is not there.
        let Bus::Memory(log) = &bus else {
            panic!("memory bus")
        };
        let mut consumer = log
            .consumer(
                "finstream.total",
                &[catalog::TRADES.to_string()],
                StartFrom::Earliest,
            )
            .expect("consumer");
        let broken: Vec<CommitPosition> = (0..catalog::MARKET_PARTITIONS)
            .filter_map(|p| {
                let (offset, meta) = log.committed("finstream.total", catalog::TRADES, p)?;
                let (mark, reference) = parse_metadata(&meta);
                let missing = CheckpointRef {
                    offset: 1_000_000,
                    ..reference?
                };
                Some(CommitPosition {
                    topic: catalog::TRADES.into(),
                    partition: p,
                    offset,
                    metadata: format_metadata(mark?, Some(missing)),
                })
            })
            .collect();
        assert!(!broken.is_empty());
        consumer.commit(&broken).expect("commit");
        drop(consumer);
        let more = trades(&codec, 240);
        bus.producer()
            .expect("producer")
            .send_all(more[200..].to_vec())
            .await
            .expect("produce");
        let stats = run_to_end(&bus, &codec, 240).await;
        assert_eq!(stats.restored, 0);
        assert_eq!(stats.records_in, 40, "the new trades were processed");
    }
}
