//! Confluent wire framing: `0x00`, the writer schema's id as a big-endian u32, then the
//! Avro binary datum. Any Kafka client with a Confluent Avro serializer reads and writes
//! the same bytes.

use crate::error::SchemaError;
use crate::events::*;
use crate::kind::{AvroEvent, Event, EventKind};
use crate::registry::{Registry, embedded};
use apache_avro::Schema;
use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::writer::datum::GenericDatumWriter;
use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, RwLock};

const MAGIC: u8 = 0;
const HEADER: usize = 5;

/// Encodes and decodes framed events. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Codec {
    inner: Arc<Inner>,
}

struct Inner {
    registry: &'static Registry,
    /// The id written in front of each kind's records.
    write_ids: HashMap<EventKind, u32>,
    /// Writers, prepared once per kind.
    writers: HashMap<EventKind, GenericDatumWriter<'static>>,
    /// Fast-path readers for data written with the current schema.
    readers: HashMap<EventKind, GenericDatumReader<'static>>,
    /// Writer schemas by id: ours under the ids in use, plus any learned from a registry.
    known: RwLock<HashMap<u32, (EventKind, &'static Schema)>>,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec")
            .field("write_ids", &self.inner.write_ids)
            .finish()
    }
}

impl Codec {
    /// A codec over the embedded registry's ids; no Schema Registry needed.
    pub fn embedded() -> Self {
        let registry = embedded();
        let ids = EventKind::ALL
            .iter()
            .map(|&k| (k, registry.current(k).id))
            .collect();
        Self::build(registry, ids)
    }

    /// A codec that writes the ids a Schema Registry assigned to our schemas, and still
    /// reads records framed with the embedded ids.
    pub fn with_registered_ids(ids: HashMap<EventKind, u32>) -> Self {
        let registry = embedded();
        let mut all: HashMap<EventKind, u32> = EventKind::ALL
            .iter()
            .map(|&k| (k, registry.current(k).id))
            .collect();
        all.extend(ids);
        Self::build(registry, all)
    }

    fn build(registry: &'static Registry, write_ids: HashMap<EventKind, u32>) -> Self {
        let mut writers = HashMap::new();
        let mut readers = HashMap::new();
        let mut known = HashMap::new();
        for entry in registry.entries() {
            let schema: &'static Schema = &entry.schema;
            // The registry's schemas are already parsed and self-contained, so building
            // a writer or reader for them cannot fail.
            if let Ok(w) = GenericDatumWriter::builder(schema).validate(false).build() {
                writers.insert(entry.kind, w);
            }
            if let Ok(r) = GenericDatumReader::builder(schema).build() {
                readers.insert(entry.kind, r);
            }
            known.insert(entry.id, (entry.kind, schema));
            if let Some(&id) = write_ids.get(&entry.kind) {
                known.insert(id, (entry.kind, schema));
            }
        }
        Self {
            inner: Arc::new(Inner {
                registry,
                write_ids,
                writers,
                readers,
                known: RwLock::new(known),
            }),
        }
    }

    /// The id this codec writes for a kind.
    pub fn write_id(&self, kind: EventKind) -> u32 {
        self.inner
            .write_ids
            .get(&kind)
            .copied()
            .unwrap_or_else(|| self.inner.registry.current(kind).id)
    }

    /// Teaches the codec a writer schema it met under `id` (from a Schema Registry).
    pub fn learn_writer_schema(
        &self,
        id: u32,
        kind: EventKind,
        schema_text: &str,
    ) -> Result<(), SchemaError> {
        let schema = crate::registry::parse(kind.file_stem(), schema_text)?;
        // Bounded by the number of distinct writer schemas ever met; each is leaked once.
        let schema: &'static Schema = Box::leak(Box::new(schema));
        if let Ok(mut known) = self.inner.known.write() {
            known.entry(id).or_insert((kind, schema));
        }
        Ok(())
    }

    /// Encodes one event with Confluent framing.
    pub fn encode<T: AvroEvent>(&self, event: &T) -> Result<Vec<u8>, SchemaError> {
        let mut buf = Vec::with_capacity(128);
        self.encode_into(event, &mut buf)?;
        Ok(buf)
    }

    /// Encodes one event with Confluent framing, appending to `buf`.
    pub fn encode_into<T: AvroEvent>(
        &self,
        event: &T,
        buf: &mut Vec<u8>,
    ) -> Result<(), SchemaError> {
        let kind = T::KIND;
        let writer = self
            .inner
            .writers
            .get(&kind)
            .ok_or_else(|| SchemaError::Encode {
                kind,
                message: "no writer schema".to_string(),
            })?;
        buf.push(MAGIC);
        buf.extend_from_slice(&self.write_id(kind).to_be_bytes());
        writer
            .write_ser(buf, event)
            .map_err(|e| SchemaError::Encode {
                kind,
                message: e.to_string(),
            })?;
        Ok(())
    }

    /// Encodes any event.
    pub fn encode_event(&self, event: &Event) -> Result<Vec<u8>, SchemaError> {
        match event {
            Event::Trade(e) => self.encode(e),
            Event::Quote(e) => self.encode(e),
            Event::Bar(e) => self.encode(e),
            Event::OptionQuote(e) => self.encode(e),
            Event::IndicatorUpdate(e) => self.encode(e),
            Event::GreeksUpdate(e) => self.encode(e),
            Event::ChatMessage(e) => self.encode(e),
            Event::DocumentIngest(e) => self.encode(e),
            Event::DocumentChunk(e) => self.encode(e),
            Event::DocumentStatus(e) => self.encode(e),
            Event::DeadLetter(e) => self.encode(e),
            Event::MarketEvent(e) => self.encode(e),
            Event::ProcessorCheckpoint(e) => self.encode(e),
        }
    }

    /// The schema id a framed record names, without decoding it.
    pub fn schema_id(bytes: &[u8]) -> Result<u32, SchemaError> {
        if bytes.len() < HEADER {
            return Err(SchemaError::Framing(format!(
                "{} bytes is shorter than the 5-byte header",
                bytes.len()
            )));
        }
        if bytes[0] != MAGIC {
            return Err(SchemaError::Framing(format!(
                "magic byte is {:#04x}, expected 0x00",
                bytes[0]
            )));
        }
        Ok(u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]))
    }

    /// Decodes a framed record as `T`, resolving from an older writer schema if needed.
    pub fn decode<T: AvroEvent>(&self, bytes: &[u8]) -> Result<T, SchemaError> {
        let kind = T::KIND;
        let id = Self::schema_id(bytes)?;
        let body = &bytes[HEADER..];
        let decode_err = |message: String| SchemaError::Decode { kind, message };
        let mut cursor = Cursor::new(body);
        let value: T = if id == self.write_id(kind) || id == self.inner.registry.current(kind).id {
            let reader = self
                .inner
                .readers
                .get(&kind)
                .ok_or_else(|| decode_err("no reader".into()))?;
            reader
                .read_deser(&mut cursor)
                .map_err(|e| decode_err(e.to_string()))?
        } else {
            let (found, writer) = self
                .inner
                .known
                .read()
                .ok()
                .and_then(|k| k.get(&id).copied())
                .ok_or(SchemaError::UnknownSchemaId(id))?;
            if found != kind {
                return Err(SchemaError::WrongKind {
                    id,
                    expected: kind,
                    found,
                });
            }
            let reader_schema = &self.inner.registry.current(kind).schema;
            let reader = GenericDatumReader::builder(writer)
                .reader_schema(reader_schema)
                .build()
                .map_err(|e| decode_err(e.to_string()))?;
            let v = reader
                .read_value(&mut cursor)
                .map_err(|e| decode_err(e.to_string()))?;
            apache_avro::from_value(&v).map_err(|e| decode_err(e.to_string()))?
        };
        let used = cursor.position() as usize;
        if used != body.len() {
            return Err(decode_err(format!(
                "{} trailing bytes after the datum",
                body.len() - used
            )));
        }
        Ok(value)
    }

    /// Decodes a framed record of the given kind.
    pub fn decode_event(&self, kind: EventKind, bytes: &[u8]) -> Result<Event, SchemaError> {
        Ok(match kind {
            EventKind::Trade => Event::Trade(self.decode::<Trade>(bytes)?),
            EventKind::Quote => Event::Quote(self.decode::<Quote>(bytes)?),
            EventKind::Bar => Event::Bar(self.decode::<Bar>(bytes)?),
            EventKind::OptionQuote => Event::OptionQuote(self.decode::<OptionQuote>(bytes)?),
            EventKind::IndicatorUpdate => {
                Event::IndicatorUpdate(self.decode::<IndicatorUpdate>(bytes)?)
            }
            EventKind::GreeksUpdate => Event::GreeksUpdate(self.decode::<GreeksUpdate>(bytes)?),
            EventKind::ChatMessage => Event::ChatMessage(self.decode::<ChatMessage>(bytes)?),
            EventKind::DocumentIngest => {
                Event::DocumentIngest(self.decode::<DocumentIngest>(bytes)?)
            }
            EventKind::DocumentChunk => Event::DocumentChunk(self.decode::<DocumentChunk>(bytes)?),
            EventKind::DocumentStatus => {
                Event::DocumentStatus(self.decode::<DocumentStatus>(bytes)?)
            }
            EventKind::DeadLetter => Event::DeadLetter(self.decode::<DeadLetter>(bytes)?),
            EventKind::MarketEvent => Event::MarketEvent(self.decode::<MarketEvent>(bytes)?),
            EventKind::ProcessorCheckpoint => {
                Event::ProcessorCheckpoint(self.decode::<ProcessorCheckpoint>(bytes)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade() -> Trade {
        Trade {
            id: "synthetic:AAPL:1".into(),
            symbol: "AAPL".into(),
            price: 187.25,
            size: 100.0,
            event_time: 1_700_000_000_123_456_789,
            trade_id: Some(42),
            exchange: Some("V".into()),
            conditions: vec!["@".into()],
            tape: None,
            source: "synthetic".into(),
        }
    }

    #[test]
    fn framing_carries_magic_byte_and_big_endian_id() {
        let codec = Codec::embedded();
        let bytes = codec.encode(&trade()).expect("encodes");
        assert_eq!(bytes[0], 0);
        assert_eq!(
            Codec::schema_id(&bytes).ok(),
            Some(codec.write_id(EventKind::Trade))
        );
        assert_eq!(codec.decode::<Trade>(&bytes).expect("decodes"), trade());
    }

    #[test]
    fn malformed_bytes_are_clear_errors() {
        let codec = Codec::embedded();
        let err = codec
            .decode::<Trade>(b"{\"json\":1}")
            .expect_err("not framed");
        assert!(err.to_string().contains("magic byte"), "{err}");
        assert!(matches!(
            codec.decode::<Trade>(&[0, 1]),
            Err(SchemaError::Framing(_))
        ));
        let mut unknown = codec.encode(&trade()).expect("encodes");
        unknown[1..5].copy_from_slice(&7u32.to_be_bytes());
        assert!(matches!(
            codec.decode::<Trade>(&unknown),
            Err(SchemaError::UnknownSchemaId(7))
        ));
        let mut truncated = codec.encode(&trade()).expect("encodes");
        truncated.truncate(truncated.len() - 3);
        assert!(matches!(
            codec.decode::<Trade>(&truncated),
            Err(SchemaError::Decode { .. })
        ));
        let mut trailing = codec.encode(&trade()).expect("encodes");
        trailing.push(0);
        assert!(codec.decode::<Trade>(&trailing).is_err());
    }

    #[test]
    fn a_record_of_another_kind_is_rejected() {
        let codec = Codec::embedded();
        let bytes = codec.encode(&trade()).expect("encodes");
        assert!(codec.decode::<Quote>(&bytes).is_err());
    }

    #[test]
    fn registry_ids_are_written_and_embedded_ids_still_read() {
        let embedded = Codec::embedded();
        let registered = Codec::with_registered_ids(HashMap::from([(EventKind::Trade, 17)]));
        let bytes = registered.encode(&trade()).expect("encodes");
        assert_eq!(Codec::schema_id(&bytes).ok(), Some(17));
        assert_eq!(
            registered.decode::<Trade>(&bytes).expect("decodes"),
            trade()
        );
        let old = embedded.encode(&trade()).expect("encodes");
        assert_eq!(registered.decode::<Trade>(&old).expect("decodes"), trade());
    }
}
