//! The embedded schema registry: the checked-in `.avsc` files, parsed once, with ids
//! that are the same in every process.
//!
//! An id is derived from the schema's Parsing Canonical Form (its 64-bit Rabin
//! fingerprint folded to 31 bits), so producers and consumers agree on ids without a
//! registry server and adding a schema never renumbers the others. When a Confluent-
//! compatible Schema Registry is configured, the bus registers these schemas there and
//! uses the ids it assigns instead (see `Codec::with_registered_ids`).

use crate::error::SchemaError;
use crate::kind::EventKind;
use apache_avro::Schema;
use apache_avro::rabin::Rabin;
use std::collections::HashMap;
use std::sync::OnceLock;

/// One schema of the registry.
#[derive(Debug)]
pub struct SchemaEntry {
    pub id: u32,
    pub kind: EventKind,
    pub schema: Schema,
    /// Parsing Canonical Form, what a Schema Registry compares.
    pub canonical: String,
    /// The schema file's text, as registered with a Schema Registry.
    pub text: &'static str,
}

/// The checked-in schemas, one current version per event kind.
#[derive(Debug)]
pub struct Registry {
    entries: Vec<SchemaEntry>,
    by_id: HashMap<u32, usize>,
}

impl Registry {
    /// Parses every schema file compiled into the binary.
    pub fn load() -> Result<Self, SchemaError> {
        let mut entries = Vec::with_capacity(EventKind::ALL.len());
        let mut by_id = HashMap::new();
        for kind in EventKind::ALL {
            let text = kind.schema_text();
            let schema = parse(kind.file_stem(), text)?;
            let canonical = schema.canonical_form();
            let id = embedded_id(&schema);
            if by_id.insert(id, entries.len()).is_some() {
                return Err(SchemaError::Parse {
                    name: kind.file_stem().to_string(),
                    message: format!("embedded id {id} collides with another schema"),
                });
            }
            entries.push(SchemaEntry {
                id,
                kind,
                schema,
                canonical,
                text,
            });
        }
        Ok(Self { entries, by_id })
    }

    /// The current schema of an event kind.
    pub fn current(&self, kind: EventKind) -> &SchemaEntry {
        // `load` pushes one entry per kind in `EventKind::ALL` order.
        let index = EventKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        &self.entries[index]
    }

    pub fn by_id(&self, id: u32) -> Option<&SchemaEntry> {
        self.by_id.get(&id).map(|&i| &self.entries[i])
    }

    pub fn entries(&self) -> &[SchemaEntry] {
        &self.entries
    }
}

/// The process-wide embedded registry.
///
/// The schema files are compiled in and checked by the contract tests, so a parse
/// failure here is a build defect, not an input error.
pub fn embedded() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| match Registry::load() {
        Ok(r) => r,
        Err(e) => panic!("compiled-in Avro schemas are invalid: {e}"),
    })
}

pub(crate) fn parse(name: &str, text: &str) -> Result<Schema, SchemaError> {
    Schema::parse_str(text).map_err(|e| SchemaError::Parse {
        name: name.to_string(),
        message: e.to_string(),
    })
}

/// A positive 31-bit id from the schema's canonical fingerprint.
pub fn embedded_id(schema: &Schema) -> u32 {
    let fp = schema.fingerprint::<Rabin>();
    let mut folded = 0u32;
    for chunk in fp.bytes.chunks(4) {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        folded ^= u32::from_le_bytes(word);
    }
    // Keep clear of the small ids a fresh Schema Registry hands out (1, 2, ...).
    (folded & 0x7fff_ffff) | 0x4000_0000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_loads_with_a_distinct_stable_id() {
        let r = Registry::load().expect("schemas load");
        let again = Registry::load().expect("schemas load");
        for kind in EventKind::ALL {
            let e = r.current(kind);
            assert_eq!(e.kind, kind);
            assert_eq!(
                e.id,
                again.current(kind).id,
                "ids must not depend on the run"
            );
            assert_eq!(r.by_id(e.id).map(|x| x.kind), Some(kind));
            assert!(e.id >= 0x4000_0000 && e.id <= 0x7fff_ffff);
        }
    }
}
