//! Records as they travel: what a consumer reads, what a producer writes.

use bytes::Bytes;
use finstream_schemas::{AvroEvent, Codec, SchemaError, catalog};

/// A record read from a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The catalog name of the topic (deployment prefix removed).
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Bytes>,
    pub payload: Bytes,
    /// The record's timestamp, milliseconds since the Unix epoch (create time).
    pub timestamp_ms: i64,
}

/// A record to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutRecord {
    /// The catalog name of the topic (deployment prefix added by the bus).
    pub topic: String,
    pub key: Option<Bytes>,
    pub payload: Bytes,
    pub timestamp_ms: i64,
}

impl OutRecord {
    /// An event for its catalog topic, keyed by its partitioning key (symbol, underlying,
    /// room or document), stamped with its event time: how every producer writes events.
    pub fn event<T: AvroEvent>(codec: &Codec, event: &T) -> Result<Self, SchemaError> {
        Ok(Self {
            topic: catalog::topic_for(T::KIND).name.to_string(),
            key: Some(Bytes::copy_from_slice(event.key().as_bytes())),
            payload: Bytes::from(codec.encode(event)?),
            timestamp_ms: event.event_time() / 1_000_000,
        })
    }
}

/// Where a produced record landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub partition: i32,
    pub offset: i64,
}

/// Where a consumer starts on partitions that its group has not committed yet, or always.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartFrom {
    /// The group's committed offset; the earliest retained offset when there is none.
    CommittedOrEarliest,
    /// The group's committed offset; the end of the log when there is none.
    CommittedOrLatest,
    /// The earliest retained offset, ignoring commits.
    Earliest,
    /// The end of the log, ignoring commits.
    Latest,
    /// This offset on every partition, ignoring commits.
    Offset(i64),
    /// The first record at or after this time (ms since the epoch) on every partition.
    Timestamp(i64),
}

/// A committed position of a group on one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitPosition {
    pub topic: String,
    pub partition: i32,
    /// The next offset to read after a restart.
    pub offset: i64,
    /// Free-form metadata stored with the commit (the runner keeps its replay mark here).
    pub metadata: String,
}

/// A change of a consumer's partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rebalance {
    Assigned(Vec<(String, i32)>),
    Revoked(Vec<(String, i32)>),
}
