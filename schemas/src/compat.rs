//! Schema evolution rules: every new version of a schema file must be BACKWARD
//! compatible with the previous one, i.e. a consumer on the new schema can read
//! everything producers wrote with the old one (Confluent's BACKWARD level).

use crate::error::SchemaError;
use crate::registry::parse;
use apache_avro::schema_compatibility::SchemaCompatibility;

/// Checks that `current` (the reader) can read data written with `previous`.
pub fn check_backward(name: &str, previous: &str, current: &str) -> Result<(), SchemaError> {
    let writer = parse(name, previous)?;
    let reader = parse(name, current)?;
    SchemaCompatibility::can_read(&writer, &reader)
        .map(|_| ())
        .map_err(|e| SchemaError::Incompatible {
            name: name.to_string(),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"{"type":"record","name":"T","namespace":"x","fields":[
        {"name":"a","type":"string"}]}"#;

    #[test]
    fn adding_a_field_with_a_default_is_backward_compatible() {
        let v2 = r#"{"type":"record","name":"T","namespace":"x","fields":[
            {"name":"a","type":"string"},{"name":"b","type":["null","long"],"default":null}]}"#;
        assert!(check_backward("t", V1, v2).is_ok());
    }

    #[test]
    fn adding_a_field_without_a_default_is_rejected() {
        let v2 = r#"{"type":"record","name":"T","namespace":"x","fields":[
            {"name":"a","type":"string"},{"name":"b","type":"long"}]}"#;
        let err = check_backward("t", V1, v2).expect_err("must be incompatible");
        assert!(err.to_string().contains("BACKWARD"), "{err}");
    }

    #[test]
    fn changing_a_type_incompatibly_is_rejected() {
        let v2 =
            r#"{"type":"record","name":"T","namespace":"x","fields":[{"name":"a","type":"long"}]}"#;
        assert!(check_backward("t", V1, v2).is_err());
    }
}
