//! The topic catalog: every topic finstream reads or writes, with its event kind,
//! key, partition count and retention. Topics are `<domain>.<entity>.v<N>`.

use crate::kind::EventKind;

/// What a topic's record key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyField {
    Symbol,
    Underlying,
    Room,
    DocumentId,
    /// The dead-letter topic keeps the original record's key.
    OriginalKey,
    /// Checkpoints: the processor's group, input topic, partition and slot.
    CheckpointSlot,
}

/// One topic and how it is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicSpec {
    pub name: &'static str,
    pub kind: EventKind,
    pub key: KeyField,
    pub partitions: i32,
    /// Retention in milliseconds; `None` keeps everything.
    pub retention_ms: Option<i64>,
    /// Compacted (`cleanup.policy=compact`): only the newest record per key is kept.
    pub compacted: bool,
    /// The largest record the topic takes (`max.message.bytes`), when above the cluster's
    /// default of about 1 MB.
    pub max_record_bytes: Option<i32>,
    pub description: &'static str,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

pub const TRADES: &str = "market.trades.v1";
pub const QUOTES: &str = "market.quotes.v1";
pub const BARS: &str = "market.bars.v1";
pub const OPTION_QUOTES: &str = "options.quotes.v1";
pub const INDICATORS: &str = "analytics.indicators.v1";
pub const GREEKS: &str = "analytics.greeks.v1";
pub const EVENTS: &str = "analytics.events.v1";
pub const CHAT_MESSAGES: &str = "chat.messages.v1";
pub const DOCS_INGEST: &str = "docs.ingest.v1";
pub const DOCS_CHUNKS: &str = "docs.chunks.v1";
pub const DOCS_STATUS: &str = "docs.status.v1";
pub const DEAD_LETTERS: &str = "system.deadletters.v1";
pub const CHECKPOINTS: &str = "system.checkpoints.v1";

/// The largest processor checkpoint a record may hold: the state of every symbol and
/// timeframe of one input partition.
pub const CHECKPOINT_MAX_BYTES: i32 = 64 * 1024 * 1024;

/// Market topics share a partition count so that a symbol's trades, quotes and option
/// quotes land on the same partition number (co-partitioning by symbol).
pub const MARKET_PARTITIONS: i32 = 6;

pub const CATALOG: [TopicSpec; 13] = [
    TopicSpec {
        name: TRADES,
        kind: EventKind::Trade,
        key: KeyField::Symbol,
        partitions: MARKET_PARTITIONS,
        retention_ms: Some(7 * DAY_MS),
        compacted: false,
        max_record_bytes: None,
        description: "Executed trades from every source",
    },
    TopicSpec {
        name: QUOTES,
        kind: EventKind::Quote,
        key: KeyField::Symbol,
        partitions: MARKET_PARTITIONS,
        retention_ms: Some(3 * DAY_MS),
        compacted: false,
        max_record_bytes: None,
        description: "Top-of-book quotes",
    },
    TopicSpec {
        name: BARS,
        kind: EventKind::Bar,
        key: KeyField::Symbol,
        partitions: MARKET_PARTITIONS,
        retention_ms: Some(30 * DAY_MS),
        compacted: false,
        max_record_bytes: None,
        description: "OHLCV bars in event time, with revisions",
    },
    TopicSpec {
        name: OPTION_QUOTES,
        kind: EventKind::OptionQuote,
        key: KeyField::Underlying,
        partitions: MARKET_PARTITIONS,
        retention_ms: Some(3 * DAY_MS),
        compacted: false,
        max_record_bytes: None,
        description: "Option contract quotes, keyed by underlying",
    },
    TopicSpec {
        name: INDICATORS,
        kind: EventKind::IndicatorUpdate,
        key: KeyField::Symbol,
        partitions: MARKET_PARTITIONS,
        retention_ms: Some(7 * DAY_MS),
        compacted: false,
        max_record_bytes: None,
        description: "Technical indicator values per bar",
    },
    TopicSpec {
        name: GREEKS,
        kind: EventKind::GreeksUpdate,
        key: KeyField::Underlying,
        partitions: MARKET_PARTITIONS,
        retention_ms: Some(3 * DAY_MS),
        compacted: false,
        max_record_bytes: None,
        description: "Implied volatility and Greeks per option quote",
    },
    TopicSpec {
        name: EVENTS,
        kind: EventKind::MarketEvent,
        key: KeyField::Symbol,
        partitions: MARKET_PARTITIONS,
        retention_ms: Some(7 * DAY_MS),
        compacted: false,
        max_record_bytes: None,
        description: "Candlestick patterns and price/volume movements per bar",
    },
    TopicSpec {
        name: CHAT_MESSAGES,
        kind: EventKind::ChatMessage,
        key: KeyField::Room,
        partitions: 3,
        retention_ms: None,
        compacted: false,
        max_record_bytes: None,
        description: "Chat posts, edits, deletions and reactions, keyed by room",
    },
    TopicSpec {
        name: DOCS_INGEST,
        kind: EventKind::DocumentIngest,
        key: KeyField::DocumentId,
        partitions: 3,
        retention_ms: Some(30 * DAY_MS),
        compacted: false,
        max_record_bytes: None,
        description: "Document ingest requests (bytes live in the object store)",
    },
    TopicSpec {
        name: DOCS_CHUNKS,
        kind: EventKind::DocumentChunk,
        key: KeyField::DocumentId,
        partitions: 3,
        retention_ms: None,
        compacted: false,
        max_record_bytes: None,
        description: "Cleaned, chunked and embedded document text",
    },
    TopicSpec {
        name: DOCS_STATUS,
        kind: EventKind::DocumentStatus,
        key: KeyField::DocumentId,
        partitions: 3,
        retention_ms: None,
        compacted: true,
        max_record_bytes: None,
        description: "Each document's latest pipeline stage (queued, extracted, embedded, failed)",
    },
    TopicSpec {
        name: DEAD_LETTERS,
        kind: EventKind::DeadLetter,
        key: KeyField::OriginalKey,
        partitions: 1,
        retention_ms: Some(30 * DAY_MS),
        compacted: false,
        max_record_bytes: None,
        description: "Events a processor could not handle, with the reason and origin",
    },
    TopicSpec {
        name: CHECKPOINTS,
        kind: EventKind::ProcessorCheckpoint,
        key: KeyField::CheckpointSlot,
        partitions: 3,
        retention_ms: None,
        compacted: true,
        max_record_bytes: Some(CHECKPOINT_MAX_BYTES),
        description: "Processor state per input partition, referenced by committed offsets",
    },
];

/// The spec of a topic by its catalog name (without any deployment prefix).
pub fn topic(name: &str) -> Option<&'static TopicSpec> {
    CATALOG.iter().find(|t| t.name == name)
}

/// The catalog's topic for an event kind.
pub fn topic_for(kind: EventKind) -> &'static TopicSpec {
    // Every kind has exactly one topic; the catalog test checks it.
    CATALOG
        .iter()
        .find(|t| t.kind == kind)
        .unwrap_or(&CATALOG[CATALOG.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_exactly_one_topic_and_names_follow_the_convention() {
        for kind in EventKind::ALL {
            let n = CATALOG.iter().filter(|t| t.kind == kind).count();
            assert_eq!(n, 1, "{kind:?} has {n} topics");
            assert_eq!(topic_for(kind).kind, kind);
        }
        for t in CATALOG {
            let parts: Vec<&str> = t.name.split('.').collect();
            assert_eq!(parts.len(), 3, "{} is not <domain>.<entity>.v<N>", t.name);
            assert!(
                parts[2].starts_with('v') && parts[2][1..].parse::<u32>().is_ok(),
                "{}",
                t.name
            );
            assert!(t.partitions >= 1);
            // Only checkpoints and document statuses (latest per key) are compacted, and
            // they are kept until replaced.
            assert_eq!(
                t.compacted,
                matches!(
                    t.kind,
                    EventKind::ProcessorCheckpoint | EventKind::DocumentStatus
                ),
                "{}",
                t.name
            );
            assert!(!t.compacted || t.retention_ms.is_none(), "{}", t.name);
            assert_eq!(topic(t.name), Some(&t));
        }
    }

    #[test]
    fn market_topics_are_co_partitioned() {
        for name in [TRADES, QUOTES, OPTION_QUOTES, BARS, INDICATORS, EVENTS] {
            assert_eq!(topic(name).map(|t| t.partitions), Some(MARKET_PARTITIONS));
        }
    }
}
