//! Fan-out of market data and analytics updates to WebSocket subscribers.
//!
//! One consumer per gateway process reads the output topics from their end. Each update
//! is checked against the newest one already delivered for its series (symbol, timeframe,
//! indicator): a processor that restarted and re-published an identical event is dropped
//! here, so subscribers see each bar once. The JSON is built once per update, only when
//! some subscriber wants it, and shared by every subscriber's [`Outbox`]. A subscriber
//! whose queue is full is conflated: from then on it keeps only the newest update per
//! series until its writer catches up, so a slow client gets the latest values, never
//! stale ones out of order, and never slows the others; one that stays behind is
//! closed with a reason (`stream.rs`).
//!
//! The hub also knows, per topic partition, the offset through which it has dispatched
//! ([`Hub::subscribe`] returns that snapshot): a subscription gets everything after it
//! live, so a client that reconnects with the offsets it had seen is replayed exactly the
//! records between those and the snapshot from the log, while its live updates wait in
//! its outbox ([`Outbox::hold`]); `stream.rs` does the replay.

use axum::extract::ws::Utf8Bytes;
use finstream_bus::{Bus, BusError, Record, StartFrom};
use finstream_schemas::{Codec, Event, catalog};
use parking_lot::RwLock;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Channels a connection can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Trades as they arrive (`market.trades.v1`).
    Trades,
    /// Quotes as they arrive (`market.quotes.v1`).
    Quotes,
    Bars,
    Indicators,
    /// IV and Greeks of the options whose underlying is the symbol (`analytics.greeks.v1`).
    Greeks,
    /// Candlestick patterns and movements (`analytics.events.v1`).
    Events,
    /// A chat room's messages (`chat.messages.v1`) and signals (presence, typing, read
    /// markers, the assistant's pieces), for `/v1/chat` connections only: not one of
    /// [`Channel::ALL`], so `/v1/stream` cannot ask for it.
    Chat,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::Trades,
        Channel::Quotes,
        Channel::Bars,
        Channel::Indicators,
        Channel::Greeks,
        Channel::Events,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Channel::Trades => "trades",
            Channel::Quotes => "quotes",
            Channel::Bars => "bars",
            Channel::Indicators => "indicators",
            Channel::Greeks => "greeks",
            Channel::Events => "events",
            Channel::Chat => "chat",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The topics the fan-out reads, one per channel.
pub const FANOUT_TOPICS: [&str; 7] = [
    catalog::TRADES,
    catalog::QUOTES,
    catalog::BARS,
    catalog::INDICATORS,
    catalog::GREEKS,
    catalog::EVENTS,
    catalog::CHAT_MESSAGES,
];

/// The hub key of a chat room's members: rooms and symbols share the hub's map, and a
/// symbol never contains `#`.
pub fn room_key(room: &str) -> String {
    format!("#{room}")
}

/// A set of channels, as a bitmask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Channels(u8);

impl Channels {
    pub fn all() -> Self {
        Self(Channel::ALL.iter().fold(0, |m, c| m | c.bit()))
    }

    /// What a subscription without `channels` gets: the analytics (bars, indicators,
    /// events), not the raw trade and quote feeds nor the option chains, which can be
    /// orders of magnitude busier.
    pub fn default_set() -> Self {
        Self::default()
            .with(Channel::Bars)
            .with(Channel::Indicators)
            .with(Channel::Events)
    }

    pub fn with(self, c: Channel) -> Self {
        Self(self.0 | c.bit())
    }

    pub fn contains(self, c: Channel) -> bool {
        self.0 & c.bit() != 0
    }
}

/// A topic partition, as clients name it in offsets: `market.bars.v1/0`.
pub fn partition_key(topic: &str, partition: i32) -> String {
    format!("{topic}/{partition}")
}

/// Offsets by [`partition_key`].
pub type Positions = std::collections::BTreeMap<String, i64>;

/// One frame for a connection, with the event time of the update it carries (0 for
/// replies and control frames), so the writer can measure fan-out latency.
///
/// Built once per update and shared by every subscriber's queue: a queue slot is one
/// pointer, so an idle connection's first queue block (32 slots) is 256 bytes, not 1.3 KB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame(Arc<FrameData>);

#[derive(Debug, PartialEq, Eq)]
pub struct FrameData {
    /// The text of a text frame; the reason of a close frame.
    pub text: Utf8Bytes,
    /// Nanoseconds since the Unix epoch; 0: not an update.
    pub event_nanos: i64,
    pub kind: FrameKind,
}

/// What a queued frame is: control frames travel the same queue as the updates, so a
/// connection's writer waits on that queue alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    Text,
    Ping,
    /// A close frame with this code (the reason is the text); the writer stops after it.
    Close(u16),
}

impl Frame {
    pub fn update(text: Utf8Bytes, event_nanos: i64) -> Self {
        Self(Arc::new(FrameData {
            text,
            event_nanos,
            kind: FrameKind::Text,
        }))
    }

    pub fn ping() -> Self {
        Self(Arc::new(FrameData {
            text: Utf8Bytes::from_static(""),
            event_nanos: 0,
            kind: FrameKind::Ping,
        }))
    }

    pub fn close(code: u16, reason: &'static str) -> Self {
        Self(Arc::new(FrameData {
            text: Utf8Bytes::from_static(reason),
            event_nanos: 0,
            kind: FrameKind::Close(code),
        }))
    }
}

impl std::ops::Deref for Frame {
    type Target = FrameData;
    fn deref(&self) -> &FrameData {
        &self.0
    }
}

impl From<Utf8Bytes> for Frame {
    fn from(text: Utf8Bytes) -> Self {
        Self::update(text, 0)
    }
}

/// A live update held back while the connection's replay runs.
#[derive(Debug)]
struct HeldUpdate {
    partition: String,
    offset: i64,
    series: String,
    update: Frame,
}

/// Live updates held back during a replay; past the cap they are counted, not kept.
#[derive(Debug, Default)]
struct Held {
    updates: Vec<HeldUpdate>,
    overflow: usize,
}

/// Live updates one connection may hold back during its replay.
const HOLD_CAP: usize = 200_000;

/// What waits to be written to one connection: a bounded queue, and when that is full,
/// the newest update per series.
#[derive(Debug)]
pub struct Outbox {
    queue: mpsc::Sender<Frame>,
    /// While a replay runs, live updates wait here (see [`Outbox::hold`]).
    held: parking_lot::Mutex<Option<Held>>,
    /// Whether `held` is in use: read first, so the fan-out takes no extra lock per
    /// subscriber when nothing is held.
    holding: std::sync::atomic::AtomicBool,
    /// Series to its newest update, in first-conflated order; non-empty means behind.
    /// Only a full queue starts it, so the writer, which drains the queue before it looks
    /// here, needs no wake-up of its own for it.
    conflated: parking_lot::Mutex<Conflated>,
    /// Set by the writer after each write, cleared by [`Outbox::ping_if_idle`].
    written: std::sync::atomic::AtomicBool,
}

#[derive(Debug, Default)]
struct Conflated {
    order: Vec<String>,
    latest: HashMap<String, Frame>,
    since: Option<std::time::Instant>,
}

/// What became of an update offered to an outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    Queued,
    /// Kept as the newest of its series (replacing an older one if any).
    Conflated,
    Closed,
}

impl Outbox {
    pub fn new(capacity: usize) -> (Arc<Self>, mpsc::Receiver<Frame>) {
        let (queue, rx) = mpsc::channel(capacity.max(1));
        let outbox = Outbox {
            queue,
            held: parking_lot::Mutex::new(None),
            holding: std::sync::atomic::AtomicBool::new(false),
            conflated: parking_lot::Mutex::default(),
            written: std::sync::atomic::AtomicBool::new(false),
        };
        (Arc::new(outbox), rx)
    }

    /// Queues an update, or conflates it when the connection is behind. Once behind,
    /// every update is conflated until the writer has taken them all, so that nothing
    /// older overtakes anything newer.
    pub fn offer(&self, series: &str, update: Frame) -> Offer {
        let mut c = self.conflated.lock();
        let update = if c.latest.is_empty() {
            match self.queue.try_send(update) {
                Ok(()) => return Offer::Queued,
                Err(mpsc::error::TrySendError::Closed(_)) => return Offer::Closed,
                Err(mpsc::error::TrySendError::Full(u)) => u,
            }
        } else {
            update
        };
        if c.latest.insert(series.to_string(), update).is_none() {
            c.order.push(series.to_string());
        }
        c.since.get_or_insert_with(std::time::Instant::now);
        Offer::Conflated
    }

    /// A live update from `partition` at `offset`: held while a replay runs, offered
    /// otherwise.
    fn offer_live(&self, partition: &str, offset: i64, series: &str, update: Frame) -> Offer {
        if !self.holding.load(Ordering::Acquire) {
            return self.offer(series, update);
        }
        let mut held = self.held.lock();
        if let Some(h) = held.as_mut() {
            if h.updates.len() < HOLD_CAP {
                h.updates.push(HeldUpdate {
                    partition: partition.to_string(),
                    offset,
                    series: series.to_string(),
                    update,
                });
            } else {
                h.overflow += 1;
            }
            return Offer::Queued;
        }
        drop(held);
        self.offer(series, update)
    }

    /// Holds live updates back from now on, until [`Outbox::release`]: what a replay
    /// sends goes first.
    pub fn hold(&self) {
        self.held.lock().get_or_insert_with(Held::default);
        self.holding.store(true, Ordering::Release);
    }

    /// Ends a hold: the held updates are offered in the order they came, except those at
    /// or before `replayed_through` of their partition (the replay sent them). Returns
    /// how many live updates did not fit in the hold and were lost (0 normally).
    pub fn release(&self, replayed_through: &Positions) -> usize {
        let mut held = self.held.lock();
        let Some(h) = held.take() else { return 0 };
        for u in h.updates {
            if replayed_through
                .get(&u.partition)
                .is_some_and(|&end| u.offset <= end)
            {
                continue;
            }
            // Under the hold's lock, so no newer live update overtakes these.
            self.offer(&u.series, u.update);
        }
        // Only now: an update that finds the flag clear must come after the held ones.
        self.holding.store(false, Ordering::Release);
        h.overflow
    }

    /// Sends an update that must not be conflated (replies to the client's own
    /// messages), waiting for room.
    pub async fn send(&self, update: Frame) -> bool {
        self.queue.send(update).await.is_ok()
    }

    /// Notes that the writer wrote something.
    pub fn wrote(&self) {
        self.written.store(true, Ordering::Relaxed);
    }

    /// Queues a ping unless something was written since the last call: a heartbeat for a
    /// quiet connection, which also finds out whether the peer is gone.
    pub fn ping_if_idle(&self) {
        if !self.written.swap(false, Ordering::Relaxed) {
            let _ = self.queue.try_send(Frame::ping());
        }
    }

    /// Takes every conflated update, oldest series first; the connection is no longer
    /// behind.
    pub fn take_conflated(&self) -> Vec<Frame> {
        let mut c = self.conflated.lock();
        let mut latest = std::mem::take(&mut c.latest);
        let order = std::mem::take(&mut c.order);
        c.since = None;
        order
            .into_iter()
            .filter_map(|k| latest.remove(&k))
            .collect()
    }

    /// How long the connection has been behind, and over how many series.
    pub fn behind(&self) -> Option<(std::time::Duration, usize)> {
        let c = self.conflated.lock();
        c.since.map(|t| (t.elapsed(), c.latest.len()))
    }
}

/// A subscriber's side of the fan-out.
#[derive(Debug)]
struct Subscriber {
    channels: Channels,
    outbox: Arc<Outbox>,
}

/// Counters the hub keeps (also exported as metrics).
#[derive(Debug, Default)]
pub struct HubStats {
    pub delivered: AtomicU64,
    pub dropped_full: AtomicU64,
    /// Updates kept as the newest of their series for a connection that was behind.
    pub conflated: AtomicU64,
    pub duplicates: AtomicU64,
    pub assigned_partitions: AtomicUsize,
    /// Set once the fan-out consumer holds partitions of every topic it reads, positioned:
    /// from then on nothing produced is missed.
    pub ready: std::sync::atomic::AtomicBool,
}

/// The fan-out hub of one gateway process.
#[derive(Debug, Default)]
pub struct Hub {
    /// Symbol to subscribers by connection id.
    subscribers: RwLock<HashMap<String, HashMap<u64, Subscriber>>>,
    /// Newest (start, revision) delivered per series.
    delivered: parking_lot::Mutex<HashMap<String, (i64, i32)>>,
    /// Per topic partition, the offset through which records have been dispatched (or,
    /// before the first, the offset before where the fan-out started reading). Written
    /// under the read lock of `subscribers`, read under its write lock.
    positions: parking_lot::Mutex<Positions>,
    /// The newest chat frames per room key (at most [`RECENT_PER_ROOM`]), written while
    /// dispatching like `positions`: what a fresh join gets (see [`Hub::subscribe_recent`]).
    recent: parking_lot::Mutex<HashMap<String, std::collections::VecDeque<Utf8Bytes>>>,
    next_id: AtomicU64,
    pub stats: HubStats,
}

/// Chat frames kept per room for fresh joins.
pub const RECENT_PER_ROOM: usize = 100;
/// Rooms whose recent frames are kept; past it, new rooms are not cached.
const RECENT_ROOMS: usize = 10_000;

#[derive(Serialize)]
struct ChatEnvelope<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    room: &'a str,
    topic: &'a str,
    partition: i32,
    offset: i64,
    data: crate::chat::MessageOut,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    symbol: &'a str,
    topic: &'a str,
    partition: i32,
    offset: i64,
    data: &'a T,
}

impl Hub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn connection_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Registers `conn` for `symbols`; returns the offsets through which records have
    /// been dispatched: everything after them reaches this subscription live.
    pub fn subscribe(
        &self,
        conn: u64,
        symbols: &[String],
        channels: Channels,
        outbox: &Arc<Outbox>,
    ) -> Positions {
        let mut subs = self.subscribers.write();
        let positions = self.positions.lock().clone();
        for s in symbols {
            subs.entry(s.clone()).or_default().insert(
                conn,
                Subscriber {
                    channels,
                    outbox: Arc::clone(outbox),
                },
            );
        }
        positions
    }

    /// [`subscribe`](Self::subscribe) to one room key, also returning the room's newest
    /// frames dispatched before the subscription, oldest first: a fresh join sends them
    /// after `joined`, so nothing falls between a history page (from the store, which
    /// persist fills a moment later) and live delivery. No frame is both in them and live.
    pub fn subscribe_recent(
        &self,
        conn: u64,
        key: &str,
        channels: Channels,
        outbox: &Arc<Outbox>,
    ) -> (Positions, Vec<Utf8Bytes>) {
        let mut subs = self.subscribers.write();
        let positions = self.positions.lock().clone();
        let recent = self
            .recent
            .lock()
            .get(key)
            .map(|q| q.iter().cloned().collect())
            .unwrap_or_default();
        subs.entry(key.to_string()).or_default().insert(
            conn,
            Subscriber {
                channels,
                outbox: Arc::clone(outbox),
            },
        );
        (positions, recent)
    }

    fn remember(&self, key: &str, frame: &Utf8Bytes) {
        let mut recent = self.recent.lock();
        if !recent.contains_key(key) && recent.len() >= RECENT_ROOMS {
            return;
        }
        let q = recent.entry(key.to_string()).or_default();
        if q.len() >= RECENT_PER_ROOM {
            q.pop_front();
        }
        q.push_back(frame.clone());
    }

    /// Where the fan-out starts reading a partition (the log's end then), unless records
    /// of it were dispatched already.
    pub fn seed_position(&self, topic: &str, partition: i32, next_offset: i64) {
        let _subs = self.subscribers.read();
        self.positions
            .lock()
            .entry(partition_key(topic, partition))
            .or_insert(next_offset - 1);
    }

    pub fn unsubscribe(&self, conn: u64, symbols: &[String]) {
        let mut subs = self.subscribers.write();
        for s in symbols {
            if let Some(m) = subs.get_mut(s) {
                m.remove(&conn);
                if m.is_empty() {
                    subs.remove(s);
                }
            }
        }
    }

    /// Offers a frame that is not on the log (a chat signal: presence, typing, read
    /// marker, a piece of the assistant's answer) to the local members of a room. Signals
    /// of one `series` conflate for a slow member.
    pub fn broadcast(&self, key: &str, series: &str, frame: &Utf8Bytes) -> usize {
        let subs = self.subscribers.read();
        let Some(targets) = subs.get(key) else {
            return 0;
        };
        let mut sent = 0;
        for sub in targets.values() {
            if sub.channels.contains(Channel::Chat)
                && sub.outbox.offer(series, Frame::from(frame.clone())) != Offer::Closed
            {
                sent += 1;
            }
        }
        sent
    }

    pub fn subscriber_count(&self) -> usize {
        self.subscribers.read().values().map(HashMap::len).sum()
    }

    /// Delivers one record from an output topic to the subscribers of its symbol.
    pub fn dispatch(&self, codec: &Codec, record: &Record) {
        let subs = self.subscribers.read();
        let key = partition_key(&record.topic, record.partition);
        self.deliver(codec, record, &key, &subs);
        let mut positions = self.positions.lock();
        let through = positions.entry(key).or_insert(record.offset);
        *through = (*through).max(record.offset);
    }

    fn deliver(
        &self,
        codec: &Codec,
        record: &Record,
        partition: &str,
        subs: &HashMap<String, HashMap<u64, Subscriber>>,
    ) {
        let Some(update) = classify(codec, record) else {
            return;
        };
        if let Some(order) = update.order {
            let mut delivered = self.delivered.lock();
            match delivered.get(&update.series) {
                Some(prev) if *prev >= order => {
                    self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                _ => {
                    delivered.insert(update.series.clone(), order);
                }
            }
        }
        // Rendered once, and only if someone wants it: most raw trades and quotes of a
        // busy market have no subscriber on a given gateway. Chat is always rendered: the
        // room's recent frames are kept for fresh joins.
        let mut frame: Option<Frame> = None;
        let mut conflation_key = None;
        let render = |update: &Update| {
            update
                .render(record)
                .map(|json| Frame::update(json, update.event.event_time()))
        };
        if update.channel == Channel::Chat {
            frame = render(&update);
            conflation_key = Some(update.conflation_key());
            if let Some(f) = &frame {
                self.remember(&update.symbol, &f.text);
            }
        }
        let Some(targets) = subs.get(&update.symbol) else {
            return;
        };
        for sub in targets.values() {
            if !sub.channels.contains(update.channel) {
                continue;
            }
            if frame.is_none() {
                frame = render(&update);
                conflation_key = Some(update.conflation_key());
            }
            let (Some(frame), Some(conflation_key)) = (&frame, &conflation_key) else {
                return;
            };
            match sub
                .outbox
                .offer_live(partition, record.offset, conflation_key, frame.clone())
            {
                Offer::Queued => {
                    self.stats.delivered.fetch_add(1, Ordering::Relaxed);
                }
                Offer::Conflated => {
                    self.stats.conflated.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("finstream_gateway_conflated_total").increment(1);
                }
                Offer::Closed => {}
            }
        }
    }
}

/// One record of an output topic as the stream sends it.
#[derive(Debug)]
pub struct Update {
    pub channel: Channel,
    pub symbol: String,
    /// Symbol, timeframe and name: what a newer update of the same thing replaces.
    series: String,
    /// (bar start, revision): orders updates of one series, so that a re-published bar
    /// is dropped; None for raw feeds, where an older event time is not a duplicate.
    order: Option<(i64, i32)>,
    /// The frame's `type`.
    kind: &'static str,
    event: Event,
}

impl Update {
    /// The frame: `{"type","symbol","topic","partition","offset","data"}`.
    pub fn render(&self, record: &Record) -> Option<Utf8Bytes> {
        let (kind, symbol) = (self.kind, self.symbol.as_str());
        match &self.event {
            Event::Trade(t) => render(kind, symbol, record, t),
            Event::Quote(q) => render(kind, symbol, record, q),
            Event::Bar(b) => render(kind, symbol, record, b),
            Event::IndicatorUpdate(i) => render(kind, symbol, record, i),
            Event::GreeksUpdate(g) => {
                // The strike is an Avro decimal (bytes) in the event; clients get a number.
                let mut value = serde_json::to_value(g).ok()?;
                value["strike"] = serde_json::json!(g.strike.as_f64());
                render(kind, symbol, record, &value)
            }
            Event::MarketEvent(e) => render(kind, symbol, record, e),
            Event::ChatMessage(m) => {
                let env = ChatEnvelope {
                    kind,
                    room: &m.room,
                    topic: &record.topic,
                    partition: record.partition,
                    offset: record.offset,
                    data: crate::chat::MessageOut::from(m),
                };
                serde_json::to_string(&env).ok().map(Utf8Bytes::from)
            }
            _ => None,
        }
    }

    /// A slow client keeps the newest bar per symbol and timeframe and the newest value
    /// per indicator, but every distinct event (they are rare and each one matters).
    fn conflation_key(&self) -> String {
        match self.channel {
            Channel::Events => format!("{}:{}", self.series, self.order.map_or(0, |o| o.0)),
            _ => self.series.clone(),
        }
    }
}

/// Decodes and renders one record of the fan-out's topics; None for anything else (or
/// what does not decode, which is logged).
pub fn classify(codec: &Codec, record: &Record) -> Option<Update> {
    let spec = catalog::topic(&record.topic)?;
    let event = match codec.decode_event(spec.kind, &record.payload) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(topic = %record.topic, partition = record.partition, offset = record.offset, error = %e, "skipping an update that does not decode");
            return None;
        }
    };
    if let Event::ChatMessage(m) = &event {
        // Every chat event is its own series: a slow member is owed all of them.
        let (symbol, series) = (room_key(&m.room), format!("chat:{}", m.id));
        return Some(Update {
            channel: Channel::Chat,
            symbol,
            series,
            order: None,
            kind: "chat",
            event,
        });
    }
    let (channel, symbol, series, order, kind) = match &event {
        Event::Trade(t) => (
            Channel::Trades,
            &t.symbol,
            format!("trade:{}", t.symbol),
            None,
            "trade",
        ),
        Event::Quote(q) => (
            Channel::Quotes,
            &q.symbol,
            format!("quote:{}", q.symbol),
            None,
            "quote",
        ),
        Event::Bar(b) => (
            Channel::Bars,
            &b.symbol,
            format!("bar:{}:{}", b.symbol, b.timeframe),
            Some((b.start_time, b.revision)),
            "bar",
        ),
        Event::IndicatorUpdate(i) => (
            Channel::Indicators,
            &i.symbol,
            format!("ind:{}:{}:{}", i.symbol, i.timeframe, i.indicator),
            Some((i.bar_start, i.bar_revision)),
            "indicator",
        ),
        Event::GreeksUpdate(g) => (
            Channel::Greeks,
            &g.underlying,
            format!("greeks:{}", g.contract),
            None,
            "greeks",
        ),
        Event::MarketEvent(e) => (
            Channel::Events,
            &e.symbol,
            format!("evt:{}:{}:{}", e.symbol, e.timeframe, e.name),
            Some((e.bar_start, e.bar_revision)),
            "event",
        ),
        _ => return None,
    };
    let symbol = symbol.clone();
    Some(Update {
        channel,
        symbol,
        series,
        order,
        kind,
        event,
    })
}

fn render<T: Serialize>(kind: &str, symbol: &str, record: &Record, data: &T) -> Option<Utf8Bytes> {
    let env = Envelope {
        kind,
        symbol,
        topic: &record.topic,
        partition: record.partition,
        offset: record.offset,
        data,
    };
    serde_json::to_string(&env).ok().map(Utf8Bytes::from)
}

/// Reads the output topics and dispatches until `shutdown`.
pub async fn run(
    hub: Arc<Hub>,
    bus: Bus,
    codec: Codec,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    // A group-less reader of every partition: each gateway process sees every update, and
    // needs no group coordinator to start.
    let Some(mut consumer) = bus
        .reader_when_ready(&FANOUT_TOPICS, StartFrom::Latest, "fan-out", &shutdown)
        .await
    else {
        return Ok(());
    };
    // Start each partition exactly at the log's end as the hub records it, so that the
    // positions subscribers are given hold from the first record on.
    for (topic, partition) in consumer.assignment()? {
        let (_, end) = consumer.watermarks(&topic, partition)?;
        consumer.seek(&topic, partition, end)?;
        hub.seed_position(&topic, partition, end);
    }
    while !shutdown.is_cancelled() {
        let batch = tokio::select! {
            _ = shutdown.cancelled() => break,
            b = consumer.poll_batch(1_000, Duration::from_millis(100)) => b,
        };
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "fan-out consumer failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        consumer.take_rebalances()?;
        let assigned = consumer.assignment()?;
        let covers_all = FANOUT_TOPICS
            .iter()
            .all(|t| assigned.iter().any(|(topic, _)| topic == t));
        hub.stats
            .assigned_partitions
            .store(assigned.len(), Ordering::Relaxed);
        let positioned = covers_all && consumer.positioned()?;
        hub.stats.ready.store(positioned, Ordering::Relaxed);
        for record in &batch {
            hub.dispatch(&codec, record);
        }
        // Consumer lag in time: how old the newest record of the batch was when read.
        if let Some(newest) = batch.iter().map(|r| r.timestamp_ms).max() {
            let now_ms = finstream_schemas::now_nanos() / 1_000_000;
            metrics::gauge!("finstream_gateway_consumer_lag_seconds")
                .set((now_ms - newest).max(0) as f64 / 1e3);
        }
        metrics::counter!("finstream_gateway_updates_in_total").increment(batch.len() as u64);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use finstream_schemas::{MarketEvent, MarketEventCategory, MarketEventDirection};
    use std::collections::BTreeMap;

    fn gap(revision: i32, retracted: bool) -> MarketEvent {
        MarketEvent {
            id: format!("AAPL:1m:gap_up:60:r{revision}"),
            symbol: "AAPL".into(),
            timeframe: "1m".into(),
            bar_start: 60,
            category: MarketEventCategory::Movement,
            name: "gap_up".into(),
            direction: MarketEventDirection::Bullish,
            pattern_value: None,
            values: BTreeMap::new(),
            bar_revision: revision,
            retracted,
            event_time: 61,
        }
    }

    fn record(codec: &Codec, event: &MarketEvent, offset: i64) -> Record {
        Record {
            topic: catalog::EVENTS.into(),
            partition: 0,
            offset,
            key: None,
            payload: codec.encode(event).expect("encodes").into(),
            timestamp_ms: 0,
        }
    }

    #[tokio::test]
    async fn events_reach_their_channel_only_and_revisions_supersede() {
        let hub = Hub::new();
        let codec = Codec::embedded();
        let (all_tx, mut all) = Outbox::new(16);
        hub.subscribe(1, &["AAPL".into()], Channels::all(), &all_tx);
        let (bars_tx, mut bars) = Outbox::new(16);
        hub.subscribe(
            2,
            &["AAPL".into()],
            Channels::default().with(Channel::Bars),
            &bars_tx,
        );

        hub.dispatch(&codec, &record(&codec, &gap(0, false), 0));
        hub.dispatch(&codec, &record(&codec, &gap(0, false), 1)); // republished after a crash
        hub.dispatch(&codec, &record(&codec, &gap(1, true), 2));

        let first: serde_json::Value =
            serde_json::from_str(all.try_recv().expect("the event").text.as_str()).expect("JSON");
        assert_eq!(first["type"], "event");
        assert_eq!(first["data"]["name"], "gap_up");
        assert_eq!(first["data"]["retracted"], false);
        let second: serde_json::Value =
            serde_json::from_str(all.try_recv().expect("the retraction").text.as_str())
                .expect("JSON");
        assert_eq!(second["data"]["bar_revision"], 1);
        assert_eq!(second["data"]["retracted"], true);
        assert!(all.try_recv().is_err(), "the duplicate was delivered");
        assert!(
            bars.try_recv().is_err(),
            "a bars-only subscriber got an event"
        );
        assert_eq!(hub.stats.duplicates.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_full_outbox_keeps_the_newest_per_series_in_order() {
        let (outbox, mut rx) = Outbox::new(2);
        let u = |s: &str| Frame::from(Utf8Bytes::from(s.to_string()));
        assert_eq!(outbox.offer("a", u("a1")), Offer::Queued);
        assert_eq!(outbox.offer("b", u("b1")), Offer::Queued);
        assert_eq!(outbox.offer("a", u("a2")), Offer::Conflated);
        assert_eq!(outbox.offer("c", u("c1")), Offer::Conflated);
        assert_eq!(outbox.offer("a", u("a3")), Offer::Conflated);
        assert!(outbox.behind().is_some_and(|(_, series)| series == 2));
        // Room in the queue does not let a newer update overtake the conflated ones.
        assert_eq!(
            rx.recv().await.as_ref().map(|f| f.text.as_str()),
            Some("a1")
        );
        assert_eq!(outbox.offer("b", u("b2")), Offer::Conflated);
        assert_eq!(
            rx.recv().await.as_ref().map(|f| f.text.as_str()),
            Some("b1")
        );
        let taken: Vec<String> = outbox
            .take_conflated()
            .iter()
            .map(|m| m.text.as_str().to_string())
            .collect();
        assert_eq!(taken, ["a3", "c1", "b2"]);
        assert!(outbox.behind().is_none());
        assert_eq!(outbox.offer("a", u("a4")), Offer::Queued);
    }
}
