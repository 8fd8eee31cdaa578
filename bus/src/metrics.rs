//! Metric names of the bus and the processor runner, in one place.
//! Every processor reports the same set, labelled `processor`.

/// Records read from the input topics.
pub const RECORDS_IN: &str = "finstream_processor_records_in_total";
/// Records produced (outputs and dead letters).
pub const RECORDS_OUT: &str = "finstream_processor_records_out_total";
/// Records sent to the dead-letter topic, labelled `reason` (decode, invalid, processing).
pub const DEAD_LETTERS: &str = "finstream_processor_dead_letters_total";
/// Records re-read after a restart only to rebuild state; their outputs were already produced.
pub const REPLAYED: &str = "finstream_processor_replayed_total";
/// Seconds per batch, from poll to commit.
pub const BATCH_SECONDS: &str = "finstream_processor_batch_seconds";
/// Failed produce attempts that were retried.
pub const PRODUCE_RETRIES: &str = "finstream_processor_produce_retries_total";
/// Offset commits.
pub const COMMITS: &str = "finstream_processor_commits_total";
/// Checkpoints written, one per input partition and interval.
pub const CHECKPOINTS: &str = "finstream_processor_checkpoints_total";
/// Size of each checkpoint's state, bytes.
pub const CHECKPOINT_BYTES: &str = "finstream_processor_checkpoint_bytes";
/// Partitions whose state was restored from a checkpoint after an assignment.
pub const CHECKPOINT_RESTORES: &str = "finstream_processor_checkpoint_restores_total";
/// Referenced checkpoints that could not be restored (missing, another format, corrupt):
/// the partition went on from fresh state, and its outputs may differ from an
/// uninterrupted run's until the indicators have warmed up again.
pub const CHECKPOINT_FAILURES: &str = "finstream_processor_checkpoint_failures_total";
