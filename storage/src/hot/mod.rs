//! The hot store: what the gateway serves in milliseconds.
//!
//! [`HotStore`] is one type with two backends, chosen by configuration: ScyllaDB
//! ([`scylla`]) for clusters and redb ([`embedded`]) for `finstream run`. Both store the
//! same [`rows`]: a space (table), a partition key sized for real markets (symbol and
//! day for ticks, symbol, timeframe and a bucket of at most 3,600 bars for bars), a
//! clustering key, a version and the event's Avro bytes. The typed queries below are
//! written once over the backends' two primitives, `put` and `scan`.

pub mod embedded;
pub mod keys;
pub mod rows;
pub mod scylla;

pub use embedded::EmbeddedStore;
pub use rows::{Cluster, Space};
pub use scylla::{ScyllaConfig, ScyllaStore};

use crate::StorageError;
use finstream_schemas::{
    AvroEvent, Bar, ChatMessage, Codec, DocumentChunk, DocumentIngest, DocumentStatus, Event,
    GreeksUpdate, IndicatorUpdate, MarketEvent, OptionQuote, Quote, TimestampNanos, Trade,
};
use rows::{NANOS_PER_DAY, day_of, rows_of, symbol_day};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// A bound on clustering keys, in their encoded form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    Unbounded,
    Included(Vec<u8>),
    Excluded(Vec<u8>),
}

/// A row to write: space, partition, encoded clustering key, version, Avro payload.
pub type WriteRow = (Space, Vec<u8>, Vec<u8>, i64, Vec<u8>);

/// A row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    pub cluster: Vec<u8>,
    pub version: i64,
    pub payload: Vec<u8>,
}

/// Where a page of chat history starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatCursor {
    /// The newest messages.
    Latest,
    /// The oldest messages still kept (an export's first page).
    Earliest,
    /// Messages older than this id, newest first.
    Before(String),
    /// Messages newer than this id, oldest first.
    After(String),
}

/// Time-to-live of hot rows, per kind of data; `None` keeps rows until deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub ticks_days: Option<u32>,
    pub bars_days: Option<u32>,
    pub chat_days: Option<u32>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            ticks_days: Some(7),
            bars_days: Some(365),
            chat_days: None,
        }
    }
}

impl Retention {
    /// The retention of a space in seconds, if it expires.
    pub fn ttl_seconds(&self, space: Space) -> Option<i64> {
        let days = match space {
            Space::Trades | Space::Quotes => self.ticks_days,
            Space::Bars | Space::Events => self.bars_days,
            Space::Chat => self.chat_days,
            _ => None,
        }?;
        Some(i64::from(days) * 86_400)
    }
}

/// The hot store of a process.
#[derive(Debug, Clone)]
pub enum HotStore {
    Embedded(EmbeddedStore, Codec),
    Scylla(ScyllaStore, Codec),
}

/// Encodes a clustering key so that bytes sort like the key.
pub fn encode_cluster(c: &Cluster) -> Vec<u8> {
    fn time(t: i64) -> [u8; 8] {
        // Flip the sign bit: big-endian bytes of negative times then sort first.
        ((t as u64) ^ (1 << 63)).to_be_bytes()
    }
    match c {
        Cluster::None => Vec::new(),
        Cluster::TimeId(t, id) => {
            let mut v = time(*t).to_vec();
            v.extend_from_slice(id.as_bytes());
            v
        }
        Cluster::Time(t) => time(*t).to_vec(),
        Cluster::Name(n) => n.as_bytes().to_vec(),
        Cluster::Index(i) => time(*i).to_vec(),
    }
}

/// The length of a bar timeframe (`1s`, `5m`, `1h`, `1d`, also Alpaca's `1Min`,
/// `1Hour`, `1Day`) in nanoseconds.
pub fn timeframe_nanos(tf: &str) -> Option<i64> {
    let split = tf.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = tf.split_at(split);
    let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
    let unit_ns: i64 = match unit {
        "s" | "S" | "Sec" => 1_000_000_000,
        "m" | "Min" | "T" => 60_000_000_000,
        "h" | "H" | "Hour" => 3_600_000_000_000,
        "d" | "D" | "Day" => NANOS_PER_DAY,
        _ => return None,
    };
    n.checked_mul(unit_ns)
}

/// The span of one bars partition: 3,600 bars of the timeframe.
fn bar_bucket_nanos(tf: &str) -> i64 {
    timeframe_nanos(tf).unwrap_or(60_000_000_000) * 3_600
}

/// The partition of a bar: its symbol, timeframe and bucket number.
pub fn bar_partition(symbol: &str, timeframe: &str, start: TimestampNanos) -> String {
    format!(
        "{symbol}/{timeframe}/{}",
        start.div_euclid(bar_bucket_nanos(timeframe))
    )
}

impl HotStore {
    fn codec(&self) -> &Codec {
        match self {
            HotStore::Embedded(_, c) | HotStore::Scylla(_, c) => c,
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            HotStore::Embedded(..) => "embedded",
            HotStore::Scylla(..) => "scylla",
        }
    }

    /// Writes events idempotently: writing the same events again, in any order, leaves
    /// the same state.
    pub async fn write(&self, events: &[Event]) -> Result<(), StorageError> {
        // Rows keyed by where they go. A versioned row keeps only the newest version seen
        // in the batch (ties: the first), so a thousand trades of one symbol update its
        // latest trade once; every other row is written as is.
        let mut kept: Vec<(rows::Row, usize)> = Vec::with_capacity(events.len() * 2);
        let mut newest: HashMap<(Space, String, Cluster), usize> = HashMap::new();
        for (i, e) in events.iter().enumerate() {
            for r in rows_of(e) {
                if !r.space.versioned() {
                    kept.push((r, i));
                    continue;
                }
                match newest.entry((r.space, r.partition.clone(), r.cluster.clone())) {
                    Entry::Vacant(slot) => {
                        slot.insert(kept.len());
                        kept.push((r, i));
                    }
                    Entry::Occupied(slot) => {
                        let at = *slot.get();
                        if r.version > kept[at].0.version {
                            kept[at] = (r, i);
                        }
                    }
                }
            }
        }
        if kept.is_empty() {
            return Ok(());
        }
        // Each event is encoded once, however many rows it fills.
        let mut payloads: Vec<Option<Vec<u8>>> = vec![None; events.len()];
        let mut rows: Vec<WriteRow> = Vec::with_capacity(kept.len());
        for (r, i) in kept {
            let payload = match &payloads[i] {
                Some(p) => p.clone(),
                None => {
                    let p = self.codec().encode_event(&events[i]).map_err(|err| {
                        StorageError::Internal {
                            message: format!(
                                "encoding a {:?} for the store: {err}",
                                events[i].kind()
                            ),
                        }
                    })?;
                    payloads[i] = Some(p.clone());
                    p
                }
            };
            rows.push((
                r.space,
                r.partition.into_bytes(),
                encode_cluster(&r.cluster),
                r.version,
                payload,
            ));
        }
        match self {
            HotStore::Embedded(s, _) => s.put(rows).await,
            HotStore::Scylla(s, _) => s.put(rows).await,
        }
    }

    async fn scan(
        &self,
        space: Space,
        partition: String,
        lower: Bound,
        upper: Bound,
        reverse: bool,
        limit: usize,
    ) -> Result<Vec<StoredRow>, StorageError> {
        match self {
            HotStore::Embedded(s, _) => {
                s.scan(space, partition, lower, upper, reverse, limit).await
            }
            HotStore::Scylla(s, _) => s.scan(space, partition, lower, upper, reverse, limit).await,
        }
    }

    fn decode<T: AvroEvent>(&self, rows: Vec<StoredRow>) -> Result<Vec<T>, StorageError> {
        rows.into_iter()
            .map(|r| {
                self.codec()
                    .decode::<T>(&r.payload)
                    .map_err(|err| StorageError::Internal {
                        message: format!("decoding a stored {:?}: {err}", T::KIND),
                    })
            })
            .collect()
    }

    /// Every row of one partition, decoded, in clustering order.
    async fn partition<T: AvroEvent>(
        &self,
        space: Space,
        partition: String,
    ) -> Result<Vec<T>, StorageError> {
        let rows = self
            .scan(
                space,
                partition,
                Bound::Unbounded,
                Bound::Unbounded,
                false,
                usize::MAX,
            )
            .await?;
        self.decode(rows)
    }

    /// The one row of a single-row partition (latest trade, a document).
    async fn single<T: AvroEvent>(
        &self,
        space: Space,
        partition: &str,
    ) -> Result<Option<T>, StorageError> {
        let rows = self
            .scan(
                space,
                partition.to_string(),
                Bound::Unbounded,
                Bound::Unbounded,
                false,
                1,
            )
            .await?;
        Ok(self.decode(rows)?.into_iter().next())
    }

    pub async fn latest_trade(&self, symbol: &str) -> Result<Option<Trade>, StorageError> {
        self.single(Space::LatestTrade, symbol).await
    }

    pub async fn latest_quote(&self, symbol: &str) -> Result<Option<Quote>, StorageError> {
        self.single(Space::LatestQuote, symbol).await
    }

    /// Rows of a (symbol, day)-partitioned space in `[from, to)`, oldest first, at most
    /// `limit`, starting after `after` (time, id) when paging.
    async fn ticks<T: AvroEvent>(
        &self,
        space: Space,
        symbol: &str,
        from: TimestampNanos,
        to: TimestampNanos,
        after: Option<(TimestampNanos, String)>,
        limit: usize,
    ) -> Result<Vec<T>, StorageError> {
        let mut out = Vec::new();
        let start = after.as_ref().map_or(from, |(t, _)| *t.max(&from));
        for day in day_of(start)..=day_of(to.saturating_sub(1)) {
            if out.len() >= limit {
                break;
            }
            let lower = match &after {
                Some((t, id)) if day == day_of(*t) => {
                    Bound::Excluded(encode_cluster(&Cluster::TimeId(*t, id.clone())))
                }
                _ => Bound::Included(encode_cluster(&Cluster::TimeId(from, String::new()))),
            };
            let upper = Bound::Excluded(encode_cluster(&Cluster::TimeId(to, String::new())));
            let rows = self
                .scan(
                    space,
                    symbol_day(symbol, day),
                    lower,
                    upper,
                    false,
                    limit - out.len(),
                )
                .await?;
            out.extend(rows);
        }
        self.decode(out)
    }

    /// Trades of a symbol in `[from, to)`, oldest first; `after` continues a page.
    pub async fn trades(
        &self,
        symbol: &str,
        from: TimestampNanos,
        to: TimestampNanos,
        after: Option<(TimestampNanos, String)>,
        limit: usize,
    ) -> Result<Vec<Trade>, StorageError> {
        self.ticks(Space::Trades, symbol, from, to, after, limit)
            .await
    }

    /// Quotes of a symbol in `[from, to)`, oldest first; `after` continues a page.
    pub async fn quotes(
        &self,
        symbol: &str,
        from: TimestampNanos,
        to: TimestampNanos,
        after: Option<(TimestampNanos, String)>,
        limit: usize,
    ) -> Result<Vec<Quote>, StorageError> {
        self.ticks(Space::Quotes, symbol, from, to, after, limit)
            .await
    }

    /// Bars of a symbol and timeframe starting in `[from, to)`, oldest first, newest
    /// revision of each, at most `limit` (the latest ones when `newest` is set).
    pub async fn bars(
        &self,
        symbol: &str,
        timeframe: &str,
        from: TimestampNanos,
        to: TimestampNanos,
        limit: usize,
        newest: bool,
    ) -> Result<Vec<Bar>, StorageError> {
        let bucket = bar_bucket_nanos(timeframe);
        let (first, last) = (
            from.div_euclid(bucket),
            to.saturating_sub(1).div_euclid(bucket),
        );
        let lower = Bound::Included(encode_cluster(&Cluster::Time(from)));
        let upper = Bound::Excluded(encode_cluster(&Cluster::Time(to)));
        let mut rows = Vec::new();
        // Boxed as Send: callers hold the iterator across awaits in Send futures (axum).
        let buckets: Box<dyn Iterator<Item = i64> + Send> = if newest {
            Box::new((first..=last).rev())
        } else {
            Box::new(first..=last)
        };
        for b in buckets {
            if rows.len() >= limit {
                break;
            }
            let partition = format!("{symbol}/{timeframe}/{b}");
            let mut page = self
                .scan(
                    Space::Bars,
                    partition,
                    lower.clone(),
                    upper.clone(),
                    newest,
                    limit - rows.len(),
                )
                .await?;
            rows.append(&mut page);
        }
        if newest {
            rows.reverse();
        }
        self.decode(rows)
    }

    /// Patterns and movements of a symbol on bars starting in `[from, to)`, oldest first,
    /// every timeframe, the newest revision of each (retractions left out); `after`
    /// (bar start, `timeframe/name`) continues a page.
    pub async fn market_events(
        &self,
        symbol: &str,
        from: TimestampNanos,
        to: TimestampNanos,
        after: Option<(TimestampNanos, String)>,
        limit: usize,
    ) -> Result<Vec<MarketEvent>, StorageError> {
        let events: Vec<MarketEvent> = self
            .ticks(Space::Events, symbol, from, to, after, limit)
            .await?;
        Ok(events.into_iter().filter(|e| !e.retracted).collect())
    }

    /// The latest update of every indicator of a symbol and timeframe.
    pub async fn indicators(
        &self,
        symbol: &str,
        timeframe: &str,
    ) -> Result<Vec<IndicatorUpdate>, StorageError> {
        self.partition(Space::Indicators, format!("{symbol}/{timeframe}"))
            .await
    }

    /// The latest quote of every option contract of an underlying.
    pub async fn option_quotes(&self, underlying: &str) -> Result<Vec<OptionQuote>, StorageError> {
        self.partition(Space::OptionQuotes, underlying.to_string())
            .await
    }

    /// The latest Greeks of every option contract of an underlying.
    pub async fn greeks(&self, underlying: &str) -> Result<Vec<GreeksUpdate>, StorageError> {
        self.partition(Space::Greeks, underlying.to_string()).await
    }

    /// A page of a room's history, oldest first within the page.
    pub async fn chat(
        &self,
        room: &str,
        cursor: ChatCursor,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, StorageError> {
        let name = |id: String| encode_cluster(&Cluster::Name(id));
        let (lower, upper, reverse) = match cursor {
            ChatCursor::Latest => (Bound::Unbounded, Bound::Unbounded, true),
            ChatCursor::Earliest => (Bound::Unbounded, Bound::Unbounded, false),
            ChatCursor::Before(id) => (Bound::Unbounded, Bound::Excluded(name(id)), true),
            ChatCursor::After(id) => (Bound::Excluded(name(id)), Bound::Unbounded, false),
        };
        let mut rows = self
            .scan(Space::Chat, room.to_string(), lower, upper, reverse, limit)
            .await?;
        if reverse {
            rows.reverse();
        }
        self.decode(rows)
    }

    /// Deletes a room's events with ids before `before_id` (a retention cut: ids start
    /// with their time, so an id made of a time alone cuts everything older).
    pub async fn delete_chat_before(
        &self,
        room: &str,
        before_id: &str,
    ) -> Result<(), StorageError> {
        let before = encode_cluster(&Cluster::Name(before_id.to_string()));
        match self {
            HotStore::Embedded(s, _) => s
                .delete_before(Space::Chat, room.to_string(), before)
                .await
                .map(|_| ()),
            HotStore::Scylla(s, _) => s.delete_before(Space::Chat, room.to_string(), before).await,
        }
    }

    pub async fn document(&self, id: &str) -> Result<Option<DocumentIngest>, StorageError> {
        self.single(Space::Documents, id).await
    }

    pub async fn chunks(&self, document_id: &str) -> Result<Vec<DocumentChunk>, StorageError> {
        self.partition(Space::Chunks, document_id.to_string()).await
    }

    /// The latest status of every document, by document id.
    pub async fn document_statuses(&self) -> Result<Vec<DocumentStatus>, StorageError> {
        self.partition(
            Space::DocumentStatus,
            rows::DOCUMENT_STATUS_PARTITION.to_string(),
        )
        .await
    }

    /// The latest status of one document.
    pub async fn document_status(&self, id: &str) -> Result<Option<DocumentStatus>, StorageError> {
        let key = encode_cluster(&Cluster::Name(id.to_string()));
        let rows = self
            .scan(
                Space::DocumentStatus,
                rows::DOCUMENT_STATUS_PARTITION.to_string(),
                Bound::Included(key.clone()),
                Bound::Included(key),
                false,
                1,
            )
            .await?;
        Ok(self.decode(rows)?.into_iter().next())
    }

    /// Whether the backend answers (readiness).
    pub async fn ping(&self) -> Result<(), StorageError> {
        match self {
            HotStore::Embedded(s, _) => s.count(Space::Documents).await.map(|_| ()),
            HotStore::Scylla(s, _) => s.ping().await,
        }
    }
}
