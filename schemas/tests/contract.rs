//! The Rust types and the `.avsc` files agree, every kind round-trips, and every schema
//! file stays BACKWARD compatible with its previous committed version.

use apache_avro::types::Value;
use finstream_schemas::registry::embedded;
use finstream_schemas::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn samples() -> Vec<Event> {
    let t = 1_700_000_000_000_000_000;
    vec![
        Event::Trade(Trade {
            id: "alpaca:AAPL:1".into(),
            symbol: "AAPL".into(),
            price: 187.31,
            size: 12.5,
            event_time: t,
            trade_id: Some(9),
            exchange: Some("V".into()),
            conditions: vec!["@".into(), "I".into()],
            tape: Some("C".into()),
            source: "alpaca".into(),
        }),
        Event::Quote(Quote {
            id: "q1".into(),
            symbol: "MSFT".into(),
            bid_price: 400.1,
            bid_size: 3.0,
            ask_price: 400.2,
            ask_size: 5.0,
            event_time: t,
            bid_exchange: None,
            ask_exchange: Some("Q".into()),
            conditions: vec![],
            tape: None,
            source: "synthetic".into(),
        }),
        Event::Bar(Bar {
            id: "AAPL:1s:1:0".into(),
            symbol: "AAPL".into(),
            timeframe: "1s".into(),
            start_time: t,
            end_time: t + 1_000_000_000,
            open: 1.0,
            high: 2.0,
            low: 0.5,
            close: 1.5,
            volume: 300.0,
            trade_count: 3,
            vwap: 1.2,
            revision: 1,
            event_time: t + 5,
        }),
        Event::OptionQuote(OptionQuote {
            id: "oq1".into(),
            contract: "AAPL240503P00155000".into(),
            underlying: "AAPL".into(),
            expiration: 19846,
            strike: Strike {
                thousandths: 155_000,
            },
            right: OptionRight::Put,
            bid_price: 0.32,
            bid_size: 73.0,
            ask_price: 0.35,
            ask_size: 119.0,
            last_price: Some(0.34),
            volume: 1200,
            open_interest: 5300,
            event_time: t,
            source: "alpaca".into(),
        }),
        Event::IndicatorUpdate(IndicatorUpdate {
            id: "i1".into(),
            symbol: "AAPL".into(),
            timeframe: "1m".into(),
            indicator: "macd(12,26,9)".into(),
            bar_start: t,
            values: BTreeMap::from([
                ("macd".into(), 0.1),
                ("signal".into(), 0.05),
                ("hist".into(), 0.05),
            ]),
            bar_revision: 0,
            event_time: t,
        }),
        Event::GreeksUpdate(GreeksUpdate {
            id: "g1".into(),
            contract: "AAPL240503C00002500".into(),
            underlying: "AAPL".into(),
            expiration: 19846,
            strike: Strike { thousandths: 2_500 },
            right: OptionRight::Call,
            spot: 170.0,
            option_price: 167.5,
            rate: 0.05,
            dividend_yield: 0.0,
            time_to_expiry: 0.02,
            implied_volatility: None,
            delta: Some(1.0),
            gamma: Some(0.0),
            theta: Some(-0.001),
            vega: Some(0.0),
            rho: Some(0.0005),
            vanna: None,
            charm: None,
            vomma: None,
            event_time: t,
        }),
        Event::MarketEvent(MarketEvent {
            id: "AAPL:1m:gap_up:1:r1".into(),
            symbol: "AAPL".into(),
            timeframe: "1m".into(),
            bar_start: t,
            category: MarketEventCategory::Movement,
            name: "gap_up".into(),
            direction: MarketEventDirection::Bullish,
            pattern_value: None,
            values: BTreeMap::from([
                ("previous_close".into(), 187.0),
                ("open".into(), 189.0),
                ("fraction".into(), 2.0 / 187.0),
            ]),
            bar_revision: 1,
            retracted: true,
            event_time: t,
        }),
        Event::ChatMessage(ChatMessage {
            id: "m1".into(),
            room: "desk".into(),
            user: "ana".into(),
            action: ChatAction::React,
            role: "user".into(),
            content: "👍".into(),
            context_json: "{\"symbols\":[\"AAPL\"]}".into(),
            target_id: Some("m0".into()),
            thread_parent: None,
            event_time: t,
        }),
        Event::DocumentIngest(DocumentIngest {
            id: "doc-1".into(),
            content_sha256: "ab".repeat(32),
            location: "file:///tmp/objects/ab".into(),
            filename: "10-K.pdf".into(),
            media_type: "application/pdf".into(),
            size_bytes: 123_456,
            title: Some("Annual report".into()),
            tickers: vec!["AAPL".into()],
            tags: vec!["filing".into()],
            submitted_by: "key-1".into(),
            event_time: t,
        }),
        Event::DocumentChunk(DocumentChunk {
            id: "doc-1:0".into(),
            document_id: "doc-1".into(),
            chunk_index: 0,
            text: "Revenue grew.".into(),
            page: Some(3),
            start_offset: 0,
            end_offset: 13,
            embedding: vec![0.25, -0.5, 0.125],
            model: "all-MiniLM-L6-v2".into(),
            title: None,
            tickers: vec![],
            tags: vec![],
            event_time: t,
        }),
        Event::DocumentStatus(DocumentStatus {
            id: "doc-1/EMBEDDED".into(),
            document_id: "doc-1".into(),
            stage: DocumentStage::Embedded,
            filename: "10-K.pdf".into(),
            media_type: "application/pdf".into(),
            size_bytes: 123_456,
            title: Some("Annual report".into()),
            author: Some("A. Analyst".into()),
            tickers: vec!["AAPL".into()],
            tags: vec!["filing".into()],
            page_count: 12,
            little_text_pages: vec![7],
            chunk_count: 40,
            error_code: None,
            error: None,
            submitted_by: "key-1".into(),
            submitted_time: t,
            event_time: t,
        }),
        Event::DeadLetter(DeadLetter {
            id: "dl1".into(),
            processor: "indicators".into(),
            source_topic: "market.trades.v1".into(),
            source_partition: 2,
            source_offset: 77,
            key: Some(b"AAPL".to_vec()),
            payload: vec![0xde, 0xad, 0x00, 0xff],
            error_kind: ErrorKind::Decode,
            error: "magic byte".into(),
            event_time: t,
        }),
        Event::ProcessorCheckpoint(ProcessorCheckpoint {
            id: "finstream.indicators/market.trades.v1/2/1".into(),
            group: "finstream.indicators".into(),
            source_topic: "market.trades.v1".into(),
            source_partition: 2,
            source_offset: 77,
            sequence: 5,
            format: "indicators/1".into(),
            state: vec![0, 1, 2, 0xff],
            event_time: t,
        }),
    ]
}

fn record_fields(value: &Value) -> Vec<String> {
    match value {
        Value::Record(fields) => fields.iter().map(|(n, _)| n.clone()).collect(),
        other => panic!("expected a record, got {other:?}"),
    }
}

fn schema_fields(kind: EventKind) -> Vec<String> {
    match &embedded().current(kind).schema {
        apache_avro::Schema::Record(r) => r.fields.iter().map(|f| f.name.clone()).collect(),
        other => panic!("{kind:?} schema is not a record: {other:?}"),
    }
}

fn to_value(event: &Event) -> Value {
    let v = match event {
        Event::Trade(e) => apache_avro::to_value(e),
        Event::Quote(e) => apache_avro::to_value(e),
        Event::Bar(e) => apache_avro::to_value(e),
        Event::OptionQuote(e) => apache_avro::to_value(e),
        Event::IndicatorUpdate(e) => apache_avro::to_value(e),
        Event::GreeksUpdate(e) => apache_avro::to_value(e),
        Event::ChatMessage(e) => apache_avro::to_value(e),
        Event::DocumentIngest(e) => apache_avro::to_value(e),
        Event::DocumentChunk(e) => apache_avro::to_value(e),
        Event::DocumentStatus(e) => apache_avro::to_value(e),
        Event::DeadLetter(e) => apache_avro::to_value(e),
        Event::MarketEvent(e) => apache_avro::to_value(e),
        Event::ProcessorCheckpoint(e) => apache_avro::to_value(e),
    };
    v.expect("serializes to an Avro value")
}

#[test]
fn every_kind_has_a_sample() {
    let kinds: Vec<EventKind> = samples().iter().map(Event::kind).collect();
    assert_eq!(kinds, EventKind::ALL.to_vec());
}

#[test]
fn rust_types_and_schema_files_have_the_same_fields_in_the_same_order() {
    for event in samples() {
        let kind = event.kind();
        assert_eq!(
            record_fields(&to_value(&event)),
            schema_fields(kind),
            "{kind:?}: struct and .avsc differ"
        );
    }
}

#[test]
fn every_sample_validates_against_its_schema_and_round_trips() {
    let codec = Codec::embedded();
    for event in samples() {
        let kind = event.kind();
        let schema = &embedded().current(kind).schema;
        let resolved = to_value(&event).resolve(schema);
        assert!(
            resolved.is_ok(),
            "{kind:?} does not fit its schema: {resolved:?}"
        );
        let bytes = codec.encode_event(&event).expect("encodes");
        let back = codec.decode_event(kind, &bytes).expect("decodes");
        assert_eq!(back, event, "{kind:?} does not round-trip");
    }
}

#[test]
fn every_field_is_documented_and_times_use_logical_types() {
    for kind in EventKind::ALL {
        let json: serde_json::Value =
            serde_json::from_str(kind.schema_text()).expect("schema is JSON");
        assert!(
            json["namespace"]
                .as_str()
                .is_some_and(|n| n.starts_with("io.finstream.")),
            "{kind:?} namespace"
        );
        assert!(
            json["doc"].as_str().is_some_and(|d| !d.is_empty()),
            "{kind:?} has no doc"
        );
        for field in json["fields"].as_array().expect("fields") {
            let name = field["name"].as_str().unwrap_or("?");
            assert!(
                field["doc"].as_str().is_some_and(|d| !d.is_empty()),
                "{kind:?}.{name} has no doc"
            );
            if name.ends_with("_time") || name == "bar_start" {
                assert_eq!(
                    field["type"]["logicalType"], "timestamp-nanos",
                    "{kind:?}.{name}"
                );
            }
        }
    }
}

#[test]
fn strikes_encode_as_exact_decimals() {
    for thousandths in [0, 1, 127, 128, 155_000, -1, -128, -129, 999_999_999_999] {
        let codec = Codec::embedded();
        let mut q = match &samples()[3] {
            Event::OptionQuote(q) => q.clone(),
            _ => unreachable!(),
        };
        q.strike = Strike { thousandths };
        let back: OptionQuote = codec
            .decode(&codec.encode(&q).expect("encodes"))
            .expect("decodes");
        assert_eq!(back.strike.thousandths, thousandths);
    }
    assert_eq!(Strike::from_f64(155.0).thousandths, 155_000);
    assert_eq!(Strike::from_f64(2.5).as_f64(), 2.5);
}

#[test]
fn an_old_writer_is_read_through_schema_resolution() {
    // A producer still on a first version of the trade schema, without the later fields.
    let old = r#"{"type":"record","name":"Trade","namespace":"io.finstream.market","fields":[
        {"name":"id","type":"string"},{"name":"symbol","type":"string"},
        {"name":"price","type":"double"},{"name":"size","type":"double"},
        {"name":"event_time","type":{"type":"long","logicalType":"timestamp-nanos"}}]}"#;
    compat::check_backward("trade", old, EventKind::Trade.schema_text())
        .expect("current reads old");
    let schema = apache_avro::Schema::parse_str(old).expect("parses");
    let value = Value::Record(vec![
        ("id".into(), Value::String("x".into())),
        ("symbol".into(), Value::String("AMD".into())),
        ("price".into(), Value::Double(99.5)),
        ("size".into(), Value::Double(10.0)),
        ("event_time".into(), Value::TimestampNanos(5)),
    ]);
    let datum = apache_avro::writer::datum::GenericDatumWriter::builder(&schema)
        .build()
        .expect("writer")
        .write_value_to_vec(value)
        .expect("writes");
    let codec = Codec::embedded();
    codec
        .learn_writer_schema(99, EventKind::Trade, old)
        .expect("learns");
    let mut framed = vec![0, 0, 0, 0, 99];
    framed.extend(datum);
    let trade: Trade = codec.decode(&framed).expect("resolves");
    assert_eq!(
        (trade.symbol.as_str(), trade.price, trade.source.as_str()),
        ("AMD", 99.5, "external")
    );
    assert_eq!(trade.conditions, Vec::<String>::new());
}

/// Every committed version of every schema file, oldest first, then the working copy:
/// each must be BACKWARD compatible with the one before it.
#[test]
fn every_schema_change_stays_backward_compatible() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let probe = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--git-dir"])
        .output();
    let git_ok = probe.as_ref().is_ok_and(|o| o.status.success());
    assert!(
        git_ok,
        "this check reads the schema files' history from git; run it in a git checkout ({:?})",
        probe.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
    );
    let mut checked_pairs = 0;
    for kind in EventKind::ALL {
        let rel = format!("avro/{}.avsc", kind.file_stem());
        let log = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["log", "--format=%H", "--reverse", "--", &rel])
            .output()
            .expect("git log runs");
        let mut versions: Vec<String> = String::from_utf8_lossy(&log.stdout)
            .lines()
            .filter_map(|commit| {
                let out = Command::new("git")
                    .arg("-C")
                    .arg(dir)
                    .args(["show", &format!("{commit}:schemas/{rel}")])
                    .output()
                    .ok()?;
                out.status
                    .success()
                    .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
            })
            .collect();
        versions.push(kind.schema_text().to_string());
        versions.dedup();
        for pair in versions.windows(2) {
            compat::check_backward(kind.file_stem(), &pair[0], &pair[1])
                .unwrap_or_else(|e| panic!("{e}"));
            checked_pairs += 1;
        }
    }
    println!("checked {checked_pairs} schema transitions");
}
