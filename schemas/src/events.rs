//! The Rust side of the event contract: one struct per `.avsc` file, field for field.
//!
//! Field names and order follow the schema files exactly; `tests/contract.rs` checks
//! that every struct and its schema agree, so a change to one without the other fails.

use serde::{Deserialize, Serialize};

/// Nanoseconds since the Unix epoch, UTC (Avro `timestamp-nanos`).
pub type TimestampNanos = i64;

/// Days since 1970-01-01 (Avro `date`).
pub type DateDays = i32;

/// One executed trade. Topic `market.trades.v1`, keyed by symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trade {
    pub id: String,
    pub symbol: String,
    pub price: f64,
    pub size: f64,
    pub event_time: TimestampNanos,
    pub trade_id: Option<i64>,
    pub exchange: Option<String>,
    pub conditions: Vec<String>,
    pub tape: Option<String>,
    pub source: String,
}

/// Top-of-book quote. Topic `market.quotes.v1`, keyed by symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub id: String,
    pub symbol: String,
    pub bid_price: f64,
    pub bid_size: f64,
    pub ask_price: f64,
    pub ask_size: f64,
    pub event_time: TimestampNanos,
    pub bid_exchange: Option<String>,
    pub ask_exchange: Option<String>,
    pub conditions: Vec<String>,
    pub tape: Option<String>,
    pub source: String,
}

/// OHLCV bar over one bucket, in event time. Topic `market.bars.v1`, keyed by symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub id: String,
    pub symbol: String,
    pub timeframe: String,
    pub start_time: TimestampNanos,
    pub end_time: TimestampNanos,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub trade_count: i64,
    pub vwap: f64,
    pub revision: i32,
    pub event_time: TimestampNanos,
}

/// Call or put.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OptionRight {
    Call,
    Put,
}

/// A quote of one option contract. Topic `options.quotes.v1`, keyed by underlying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionQuote {
    pub id: String,
    pub contract: String,
    pub underlying: String,
    pub expiration: DateDays,
    pub strike: Strike,
    pub right: OptionRight,
    pub bid_price: f64,
    pub bid_size: f64,
    pub ask_price: f64,
    pub ask_size: f64,
    pub last_price: Option<f64>,
    pub volume: i64,
    pub open_interest: i64,
    pub event_time: TimestampNanos,
    pub source: String,
}

/// One indicator's value after a bar. Topic `analytics.indicators.v1`, keyed by symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorUpdate {
    pub id: String,
    pub symbol: String,
    pub timeframe: String,
    pub indicator: String,
    pub bar_start: TimestampNanos,
    pub values: std::collections::BTreeMap<String, f64>,
    pub bar_revision: i32,
    pub event_time: TimestampNanos,
}

/// Implied volatility and Greeks of one contract. Topic `analytics.greeks.v1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GreeksUpdate {
    pub id: String,
    pub contract: String,
    pub underlying: String,
    pub expiration: DateDays,
    pub strike: Strike,
    pub right: OptionRight,
    pub spot: f64,
    pub option_price: f64,
    pub rate: f64,
    pub dividend_yield: f64,
    pub time_to_expiry: f64,
    pub implied_volatility: Option<f64>,
    pub delta: Option<f64>,
    pub gamma: Option<f64>,
    pub theta: Option<f64>,
    pub vega: Option<f64>,
    pub rho: Option<f64>,
    pub vanna: Option<f64>,
    pub charm: Option<f64>,
    pub vomma: Option<f64>,
    pub event_time: TimestampNanos,
}

/// What a [`MarketEvent`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MarketEventCategory {
    /// A TA-Lib candlestick pattern.
    Pattern,
    /// A gap, breakout, new high or low, or volume spike.
    Movement,
}

/// Which way a [`MarketEvent`] points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MarketEventDirection {
    Bullish,
    Bearish,
    Neutral,
}

/// A candlestick pattern or a movement found on one bar. Topic `analytics.events.v1`,
/// keyed by symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketEvent {
    pub id: String,
    pub symbol: String,
    pub timeframe: String,
    pub bar_start: TimestampNanos,
    pub category: MarketEventCategory,
    pub name: String,
    pub direction: MarketEventDirection,
    pub pattern_value: Option<i32>,
    pub values: std::collections::BTreeMap<String, f64>,
    pub bar_revision: i32,
    pub retracted: bool,
    pub event_time: TimestampNanos,
}

/// A processor's state for one input partition. Topic `system.checkpoints.v1`
/// (compacted), keyed by id (group, topic, partition and slot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessorCheckpoint {
    pub id: String,
    pub group: String,
    pub source_topic: String,
    pub source_partition: i32,
    pub source_offset: i64,
    pub sequence: i64,
    pub format: String,
    #[serde(with = "bytes_field")]
    pub state: Vec<u8>,
    pub event_time: TimestampNanos,
}

/// What a chat event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ChatAction {
    Post,
    Edit,
    Delete,
    React,
}

/// One action in a chat room. Topic `chat.messages.v1`, keyed by room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: String,
    pub room: String,
    pub user: String,
    pub action: ChatAction,
    pub role: String,
    pub content: String,
    pub context_json: String,
    pub target_id: Option<String>,
    pub thread_parent: Option<String>,
    pub event_time: TimestampNanos,
}

/// A request to ingest one document. Topic `docs.ingest.v1`, keyed by document id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentIngest {
    pub id: String,
    pub content_sha256: String,
    pub location: String,
    pub filename: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub title: Option<String>,
    pub tickers: Vec<String>,
    pub tags: Vec<String>,
    pub submitted_by: String,
    pub event_time: TimestampNanos,
}

/// One embedded chunk of a document. Topic `docs.chunks.v1`, keyed by document id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentChunk {
    pub id: String,
    pub document_id: String,
    pub chunk_index: i32,
    pub text: String,
    pub page: Option<i32>,
    pub start_offset: i64,
    pub end_offset: i64,
    pub embedding: Vec<f32>,
    pub model: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub tickers: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub event_time: TimestampNanos,
}

/// The pipeline stage a document reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DocumentStage {
    /// Accepted by the gateway, waiting for the embeddings processor.
    Queued,
    /// Text extracted and cleaned; chunks being embedded.
    Extracted,
    /// Every chunk is on `docs.chunks.v1`.
    Embedded,
    /// The processor could not take the document; the status says why.
    Failed,
}

impl DocumentStage {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStage::Queued => "queued",
            DocumentStage::Extracted => "extracted",
            DocumentStage::Embedded => "embedded",
            DocumentStage::Failed => "failed",
        }
    }
}

/// Where a document is in the pipeline, with what is known of it so far. Topic
/// `docs.status.v1` (compacted), keyed by document id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentStatus {
    pub id: String,
    pub document_id: String,
    pub stage: DocumentStage,
    pub filename: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub title: Option<String>,
    pub author: Option<String>,
    pub tickers: Vec<String>,
    pub tags: Vec<String>,
    pub page_count: i32,
    pub little_text_pages: Vec<i32>,
    pub chunk_count: i32,
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub submitted_by: String,
    pub submitted_time: TimestampNanos,
    pub event_time: TimestampNanos,
}

impl DocumentStatus {
    /// The status of the document `doc` asks to ingest, at `stage` and `event_time`, with
    /// what the request says of it; the processor fills in what it finds.
    pub fn of_ingest(
        doc: &DocumentIngest,
        stage: DocumentStage,
        event_time: TimestampNanos,
    ) -> Self {
        Self {
            id: format!("{}/{}", doc.id, stage.as_str()),
            document_id: doc.id.clone(),
            stage,
            filename: doc.filename.clone(),
            media_type: doc.media_type.clone(),
            size_bytes: doc.size_bytes,
            title: doc.title.clone(),
            author: None,
            tickers: doc.tickers.clone(),
            tags: doc.tags.clone(),
            page_count: 0,
            little_text_pages: Vec::new(),
            chunk_count: 0,
            error_code: None,
            error: None,
            submitted_by: doc.submitted_by.clone(),
            submitted_time: doc.event_time,
            event_time,
        }
    }
}

/// Class of a dead-lettered event's failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ErrorKind {
    /// Not a valid framed Avro event of the topic.
    Decode,
    /// Decoded, but violates the event's rules.
    Invalid,
    /// The processor failed on it.
    Processing,
}

/// An input event a processor could not handle. Topic `system.deadletters.v1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub id: String,
    pub processor: String,
    pub source_topic: String,
    pub source_partition: i32,
    pub source_offset: i64,
    #[serde(with = "optional_bytes")]
    pub key: Option<Vec<u8>>,
    #[serde(with = "bytes_field")]
    pub payload: Vec<u8>,
    pub error_kind: ErrorKind,
    pub error: String,
    pub event_time: TimestampNanos,
}

/// An exact price with three decimals (Avro `decimal(18,3)`), held as thousandths.
///
/// OCC strikes are quoted to 1/1000 of a dollar, so `f64` would not round-trip them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Strike {
    /// The price times 1000.
    pub thousandths: i64,
}

impl Strike {
    pub fn from_f64(price: f64) -> Self {
        Self {
            thousandths: (price * 1000.0).round() as i64,
        }
    }

    pub fn as_f64(self) -> f64 {
        self.thousandths as f64 / 1000.0
    }
}

impl Serialize for Strike {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Avro decimals are the unscaled value as big-endian two's complement. Always 8
        // bytes: apache-avro's schema resolution refuses a bytes decimal shorter than its
        // precision needs (18 digits need 8 bytes), and 8 is what Java's encoders may emit.
        serializer.serialize_bytes(&self.thousandths.to_be_bytes())
    }
}

impl<'de> Deserialize<'de> for Strike {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes: Vec<u8> = bytes_field::deserialize(deserializer)?;
        if bytes.is_empty() || bytes.len() > 8 {
            return Err(serde::de::Error::custom(format!(
                "a decimal(18,3) needs 1 to 8 bytes, got {}",
                bytes.len()
            )));
        }
        let pad = if bytes[0] & 0x80 != 0 { 0xff } else { 0x00 };
        let mut full = [pad; 8];
        full[8 - bytes.len()..].copy_from_slice(&bytes);
        Ok(Self {
            thousandths: i64::from_be_bytes(full),
        })
    }
}

/// Avro `bytes` through serde: serialize as bytes, accept bytes or a sequence of u8.
mod bytes_field {
    use serde::de::{SeqAccess, Visitor};
    use std::fmt;

    pub fn serialize<S: serde::Serializer>(value: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(value)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_bytes(BytesVisitor)
    }

    pub(super) struct BytesVisitor;

    impl<'de> Visitor<'de> for BytesVisitor {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("bytes")
        }

        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::new();
            while let Some(b) = seq.next_element::<u8>()? {
                out.push(b);
            }
            Ok(out)
        }
    }
}

/// Avro `["null","bytes"]` through serde.
mod optional_bytes {
    use serde::de::Visitor;
    use std::fmt;

    struct AsBytes<'a>(&'a [u8]);

    impl serde::Serialize for AsBytes<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(self.0)
        }
    }

    pub fn serialize<S: serde::Serializer>(
        value: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => serializer.serialize_some(&AsBytes(v)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        deserializer.deserialize_option(OptionVisitor)
    }

    struct OptionVisitor;

    impl<'de> Visitor<'de> for OptionVisitor {
        type Value = Option<Vec<u8>>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("null or bytes")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            super::bytes_field::deserialize(d).map(Some)
        }

        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            Ok(Some(v.to_vec()))
        }

        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
    }
}
