use crate::kind::EventKind;

/// Everything that can go wrong between bytes and events.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The bytes are not Confluent-framed Avro (magic byte 0, 4-byte schema id, datum).
    #[error("not a Confluent-framed Avro record: {0}")]
    Framing(String),
    /// The record names a schema id that neither the embedded registry nor a configured
    /// Schema Registry knows.
    #[error(
        "unknown schema id {0}: register the writer's schema or configure kafka.schema_registry_url"
    )]
    UnknownSchemaId(u32),
    /// The record's schema id belongs to another kind of event than the topic carries.
    #[error("schema id {id} is a {found:?} schema, but this topic carries {expected:?} events")]
    WrongKind {
        id: u32,
        expected: EventKind,
        found: EventKind,
    },
    /// The datum does not decode with the writer's schema, or does not fit the reader's.
    #[error("{kind:?} event does not decode: {message}")]
    Decode { kind: EventKind, message: String },
    /// The value does not fit its schema (a bug on the producing side).
    #[error("{kind:?} event does not encode: {message}")]
    Encode { kind: EventKind, message: String },
    /// A schema file does not parse.
    #[error("schema {name} does not parse: {message}")]
    Parse { name: String, message: String },
    /// A new schema cannot read data written with the previous one.
    #[error("{name} is not BACKWARD compatible with its previous version: {message}")]
    Incompatible { name: String, message: String },
}
