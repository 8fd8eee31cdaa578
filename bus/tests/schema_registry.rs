//! The Schema Registry client against a real Confluent-compatible registry (Apicurio's
//! ccompat API, started by `deploy/local`; run by `make test`).

use finstream_bus::KafkaConfig;
use finstream_bus::schema_registry::SchemaRegistryClient;
use finstream_schemas::registry::embedded;
use finstream_schemas::{Codec, EventKind, SchemaError, Trade};

fn url() -> String {
    std::env::var("FINSTREAM_TEST_SCHEMA_REGISTRY")
        .expect("FINSTREAM_TEST_SCHEMA_REGISTRY is set by `make test`")
}

fn trade() -> Trade {
    Trade {
        id: "r:1".into(),
        symbol: "AAPL".into(),
        price: 187.5,
        size: 10.0,
        event_time: 1_700_000_000_000_000_000,
        trade_id: None,
        exchange: None,
        conditions: vec![],
        tape: None,
        source: "external".into(),
    }
}

#[tokio::test]
#[ignore = "needs the schema registry from deploy/local: run `make test`"]
async fn catalog_registers_idempotently_and_writers_are_learned_by_id() {
    let client = SchemaRegistryClient::new(&url()).expect("client");
    let kafka = KafkaConfig {
        topic_prefix: format!(
            "sr{}x{}.",
            std::process::id(),
            finstream_schemas::now_nanos() % 1_000_000
        ),
        ..KafkaConfig::default()
    };
    let codec = client
        .register_catalog(&kafka)
        .await
        .expect("registers every schema");
    let again = client
        .register_catalog(&kafka)
        .await
        .expect("registers again");
    for kind in EventKind::ALL {
        assert_eq!(
            codec.write_id(kind),
            again.write_id(kind),
            "{kind:?}: re-registering changed the id"
        );
        let text = client
            .schema_by_id(codec.write_id(kind))
            .await
            .expect("fetch by id");
        let fetched =
            apache_avro::Schema::parse_str(&text).expect("the registry returns a valid schema");
        assert_eq!(
            fetched.canonical_form(),
            embedded().current(kind).canonical,
            "{kind:?}"
        );
    }

    // A consumer that only knows the embedded ids meets a record framed with a registry id,
    // fetches the writer schema by that id, and decodes it.
    let bytes = codec.encode(&trade()).expect("encodes");
    let reader = Codec::embedded();
    let id = match reader.decode::<Trade>(&bytes) {
        Err(SchemaError::UnknownSchemaId(id)) => id,
        other => panic!("expected an unknown id, got {other:?}"),
    };
    let text = client.schema_by_id(id).await.expect("fetch by id");
    reader
        .learn_writer_schema(id, EventKind::Trade, &text)
        .expect("learns");
    assert_eq!(reader.decode::<Trade>(&bytes).expect("decodes"), trade());

    // Errors from the registry say what happened.
    let err = client
        .schema_by_id(999_999_999)
        .await
        .expect_err("no such id");
    assert!(err.to_string().contains("404"), "{err}");
    let err = client
        .register("bad-value", "{not json")
        .await
        .expect_err("invalid schema");
    assert!(err.to_string().contains("HTTP 4"), "{err}");
}
