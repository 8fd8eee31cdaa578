//! finstream's event contract: what flows on every topic, byte for byte.
//!
//! - `avro/*.avsc` are the source of truth: one Avro schema per event, documented field by field.
//! - [`events`] holds the matching Rust types, [`kind`] the closed set of kinds ([`EventKind`],
//!   [`Event`]) and the [`AvroEvent`] trait that binds a type to its schema.
//! - [`codec`] frames events as Confluent does (magic byte, schema id, datum) so any Kafka
//!   client with a Confluent Avro serde interoperates; [`registry`] is the embedded registry of
//!   the checked-in schemas with ids stable across processes.
//! - [`catalog`] lists the topics (`<domain>.<entity>.v<N>`), their keys, partitions and retention.
//! - [`compat`] holds the evolution rule: each schema version stays BACKWARD compatible.
//!
//! - [`alpaca`] is Alpaca's market-data stream protocol (JSON and msgpack), for the connector
//!   and for the gateway's Alpaca-compatible stream.
//!
//! No I/O here: the HTTP Schema Registry client lives in `finstream-bus`.
//! Start with `catalog.rs` and `events.rs`; `tests/contract.rs` ties the types to the files.

pub mod alpaca;
pub mod catalog;
pub mod codec;
pub mod compat;
pub mod error;
pub mod events;
pub mod kind;
pub mod occ;
pub mod registry;

pub use catalog::{CATALOG, KeyField, TopicSpec};
pub use codec::Codec;
pub use error::SchemaError;
pub use events::*;
pub use kind::{AvroEvent, Event, EventKind};

/// Now as nanoseconds since the Unix epoch, UTC.
pub fn now_nanos() -> TimestampNanos {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}
