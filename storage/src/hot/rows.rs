//! How events become rows of the hot store, the same for both backends.
//!
//! Every row has a [`Space`] (a CQL table, or a redb table), a partition key, a
//! clustering key, a version and the event's Avro bytes. Writes are idempotent: a row is
//! identified by its keys, and where a newer event replaces an older one (the latest
//! trade of a symbol, a bar's revision, a contract's Greeks) the version, the event
//! time, decides, so a replay that delivers old events late never overwrites new ones.
//! ScyllaDB does this with `USING TIMESTAMP`; the embedded store compares versions.

use finstream_schemas::{Event, TimestampNanos};

pub const NANOS_PER_DAY: i64 = 86_400_000_000_000;

/// The one partition of [`Space::DocumentStatus`]: document lists are read whole.
pub const DOCUMENT_STATUS_PARTITION: &str = "documents";

/// The tables of the hot store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Space {
    /// Every trade, partitioned by (symbol, day), clustered by time and id.
    Trades,
    /// Every quote, partitioned by (symbol, day), clustered by time and id.
    Quotes,
    /// The latest trade per symbol.
    LatestTrade,
    /// The latest quote per symbol.
    LatestQuote,
    /// Bars, partitioned by (symbol, timeframe, bucket of 3,600 bars), clustered by
    /// start; the newest revision wins.
    Bars,
    /// The latest update per (symbol, timeframe) and indicator.
    Indicators,
    /// The latest quote per option contract, partitioned by underlying.
    OptionQuotes,
    /// The latest Greeks per option contract, partitioned by underlying.
    Greeks,
    /// Chat events per room, clustered by id (ids are time-ordered).
    Chat,
    /// Ingested documents by id.
    Documents,
    /// Chunks per document, clustered by index.
    Chunks,
    /// Patterns and movements, partitioned by (symbol, day of the bar), clustered by bar
    /// start and `timeframe/name`; the bar's newest revision wins.
    Events,
    /// API keys (id, hashed secret, role), one partition, clustered by id.
    ApiKeys,
    /// Each document's latest pipeline status, one partition, clustered by document id.
    DocumentStatus,
}

impl Space {
    /// In migration order: a new space goes last.
    pub const ALL: [Space; 14] = [
        Space::Trades,
        Space::Quotes,
        Space::LatestTrade,
        Space::LatestQuote,
        Space::Bars,
        Space::Indicators,
        Space::OptionQuotes,
        Space::Greeks,
        Space::Chat,
        Space::Documents,
        Space::Chunks,
        Space::Events,
        Space::ApiKeys,
        Space::DocumentStatus,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Space::Trades => "trades",
            Space::Quotes => "quotes",
            Space::LatestTrade => "latest_trades",
            Space::LatestQuote => "latest_quotes",
            Space::Bars => "bars",
            Space::Indicators => "indicators",
            Space::OptionQuotes => "option_quotes",
            Space::Greeks => "greeks",
            Space::Chat => "chat_messages",
            Space::Documents => "documents",
            Space::Chunks => "document_chunks",
            Space::Events => "market_events",
            Space::ApiKeys => "api_keys",
            Space::DocumentStatus => "document_status",
        }
    }

    /// Whether a newer version replaces the row (rather than the row never changing).
    pub fn versioned(self) -> bool {
        !matches!(self, Space::Trades | Space::Quotes)
    }
}

/// One row to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub space: Space,
    /// The partition: symbol, "symbol/day", room, document id ...
    pub partition: String,
    /// The clustering key inside the partition, ordered as stored (may be empty).
    pub cluster: Cluster,
    /// Newer replaces older; the event time in nanoseconds.
    pub version: TimestampNanos,
}

/// A clustering key: what orders rows inside a partition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cluster {
    None,
    /// Time then id (trades, quotes).
    TimeId(TimestampNanos, String),
    /// A time (bar start).
    Time(TimestampNanos),
    /// A name (indicator, contract, message id).
    Name(String),
    /// An index (chunk number).
    Index(i64),
}

/// The day number of a time, for day-sized partitions.
pub fn day_of(t: TimestampNanos) -> i64 {
    t.div_euclid(NANOS_PER_DAY)
}

/// The partition key of a (symbol, day) partition.
pub fn symbol_day(symbol: &str, day: i64) -> String {
    format!("{symbol}/{day}")
}

/// The rows an event becomes.
pub fn rows_of(event: &Event) -> Vec<Row> {
    let row = |space, partition: String, cluster, version| Row {
        space,
        partition,
        cluster,
        version,
    };
    match event {
        Event::Trade(t) => vec![
            row(
                Space::Trades,
                symbol_day(&t.symbol, day_of(t.event_time)),
                Cluster::TimeId(t.event_time, t.id.clone()),
                t.event_time,
            ),
            row(
                Space::LatestTrade,
                t.symbol.clone(),
                Cluster::None,
                t.event_time,
            ),
        ],
        Event::Quote(q) => vec![
            row(
                Space::Quotes,
                symbol_day(&q.symbol, day_of(q.event_time)),
                Cluster::TimeId(q.event_time, q.id.clone()),
                q.event_time,
            ),
            row(
                Space::LatestQuote,
                q.symbol.clone(),
                Cluster::None,
                q.event_time,
            ),
        ],
        Event::Bar(b) => vec![row(
            Space::Bars,
            super::bar_partition(&b.symbol, &b.timeframe, b.start_time),
            Cluster::Time(b.start_time),
            // A bar's revisions are numbered: the highest is the truth.
            i64::from(b.revision),
        )],
        Event::IndicatorUpdate(u) => vec![row(
            Space::Indicators,
            format!("{}/{}", u.symbol, u.timeframe),
            Cluster::Name(u.indicator.clone()),
            u.event_time,
        )],
        Event::OptionQuote(q) => vec![row(
            Space::OptionQuotes,
            q.underlying.clone(),
            Cluster::Name(q.contract.clone()),
            q.event_time,
        )],
        Event::GreeksUpdate(g) => vec![row(
            Space::Greeks,
            g.underlying.clone(),
            Cluster::Name(g.contract.clone()),
            g.event_time,
        )],
        Event::ChatMessage(m) => vec![row(
            Space::Chat,
            m.room.clone(),
            Cluster::Name(m.id.clone()),
            m.event_time,
        )],
        Event::DocumentIngest(d) => vec![row(
            Space::Documents,
            d.id.clone(),
            Cluster::None,
            d.event_time,
        )],
        Event::DocumentChunk(c) => vec![row(
            Space::Chunks,
            c.document_id.clone(),
            Cluster::Index(i64::from(c.chunk_index)),
            c.event_time,
        )],
        Event::MarketEvent(e) => vec![row(
            Space::Events,
            symbol_day(&e.symbol, day_of(e.bar_start)),
            Cluster::TimeId(e.bar_start, format!("{}/{}", e.timeframe, e.name)),
            i64::from(e.bar_revision),
        )],
        Event::DocumentStatus(s) => vec![row(
            Space::DocumentStatus,
            DOCUMENT_STATUS_PARTITION.to_string(),
            Cluster::Name(s.document_id.clone()),
            s.event_time,
        )],
        Event::DeadLetter(_) | Event::ProcessorCheckpoint(_) => Vec::new(),
    }
}
