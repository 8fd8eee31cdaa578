//! Fan-out of analytics updates to WebSocket subscribers.
//!
//! One consumer per gateway process reads the output topics from their end. Each update
//! is checked against the newest one already delivered for its series (symbol, timeframe,
//! indicator): a processor that restarted and re-published an identical event is dropped
//! here, so subscribers see each bar once. The JSON is built once per update and shared
//! by every subscriber's queue; a queue that is full loses the update (counted), and never
//! slows the others.

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
    Bars,
    Indicators,
    /// Candlestick patterns and movements (`analytics.events.v1`).
    Events,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Bars, Channel::Indicators, Channel::Events];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "bars" => Some(Channel::Bars),
            "indicators" => Some(Channel::Indicators),
            "events" => Some(Channel::Events),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Channel::Bars => "bars",
            Channel::Indicators => "indicators",
            Channel::Events => "events",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Channel::Bars => 1,
            Channel::Indicators => 2,
            Channel::Events => 4,
        }
    }
}

/// The topics the fan-out reads, one per channel.
pub const FANOUT_TOPICS: [&str; 3] = [catalog::BARS, catalog::INDICATORS, catalog::EVENTS];

/// A set of channels, as a bitmask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Channels(u8);

impl Channels {
    pub fn all() -> Self {
        Self(Channel::ALL.iter().fold(0, |m, c| m | c.bit()))
    }

    pub fn with(self, c: Channel) -> Self {
        Self(self.0 | c.bit())
    }

    pub fn contains(self, c: Channel) -> bool {
        self.0 & c.bit() != 0
    }
}

/// A subscriber's side of the fan-out.
#[derive(Debug)]
struct Subscriber {
    channels: Channels,
    queue: mpsc::Sender<Utf8Bytes>,
}

/// Counters the hub keeps (also exported as metrics).
#[derive(Debug, Default)]
pub struct HubStats {
    pub delivered: AtomicU64,
    pub dropped_full: AtomicU64,
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
    next_id: AtomicU64,
    pub stats: HubStats,
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

    pub fn subscribe(
        &self,
        conn: u64,
        symbols: &[String],
        channels: Channels,
        queue: &mpsc::Sender<Utf8Bytes>,
    ) {
        let mut subs = self.subscribers.write();
        for s in symbols {
            subs.entry(s.clone()).or_default().insert(
                conn,
                Subscriber {
                    channels,
                    queue: queue.clone(),
                },
            );
        }
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

    pub fn subscriber_count(&self) -> usize {
        self.subscribers.read().values().map(HashMap::len).sum()
    }

    /// Delivers one record from an output topic to the subscribers of its symbol.
    pub fn dispatch(&self, codec: &Codec, record: &Record) {
        let Some(spec) = catalog::topic(&record.topic) else {
            return;
        };
        let event = match codec.decode_event(spec.kind, &record.payload) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(topic = %record.topic, partition = record.partition, offset = record.offset, error = %e, "skipping an update that does not decode");
                return;
            }
        };
        let (channel, symbol, series, order, json) = match &event {
            Event::Bar(b) => (
                Channel::Bars,
                b.symbol.as_str(),
                format!("bar:{}:{}", b.symbol, b.timeframe),
                (b.start_time, b.revision),
                self.render("bar", &b.symbol, record, b),
            ),
            Event::IndicatorUpdate(i) => (
                Channel::Indicators,
                i.symbol.as_str(),
                format!("ind:{}:{}:{}", i.symbol, i.timeframe, i.indicator),
                (i.bar_start, i.bar_revision),
                self.render("indicator", &i.symbol, record, i),
            ),
            Event::MarketEvent(e) => (
                Channel::Events,
                e.symbol.as_str(),
                format!("evt:{}:{}:{}", e.symbol, e.timeframe, e.name),
                (e.bar_start, e.bar_revision),
                self.render("event", &e.symbol, record, e),
            ),
            _ => return,
        };
        {
            let mut delivered = self.delivered.lock();
            match delivered.get(&series) {
                Some(prev) if *prev >= order => {
                    self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                _ => {
                    delivered.insert(series, order);
                }
            }
        }
        let Some(json) = json else { return };
        let subs = self.subscribers.read();
        let Some(targets) = subs.get(symbol) else {
            return;
        };
        for sub in targets.values() {
            if !sub.channels.contains(channel) {
                continue;
            }
            match sub.queue.try_send(json.clone()) {
                Ok(()) => {
                    self.stats.delivered.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    self.stats.dropped_full.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("finstream_gateway_dropped_total", "reason" => "queue_full")
                        .increment(1);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    fn render<T: Serialize>(
        &self,
        kind: &str,
        symbol: &str,
        record: &Record,
        data: &T,
    ) -> Option<Utf8Bytes> {
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
    let mut consumer = loop {
        match bus.reader(&FANOUT_TOPICS, StartFrom::Latest).await {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!(error = %e, "fan-out cannot read its topics yet; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => return Ok(()),
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    };
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
        let (all_tx, mut all) = mpsc::channel(16);
        hub.subscribe(1, &["AAPL".into()], Channels::all(), &all_tx);
        let (bars_tx, mut bars) = mpsc::channel(16);
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
            serde_json::from_str(all.try_recv().expect("the event").as_str()).expect("JSON");
        assert_eq!(first["type"], "event");
        assert_eq!(first["data"]["name"], "gap_up");
        assert_eq!(first["data"]["retracted"], false);
        let second: serde_json::Value =
            serde_json::from_str(all.try_recv().expect("the retraction").as_str()).expect("JSON");
        assert_eq!(second["data"]["bar_revision"], 1);
        assert_eq!(second["data"]["retracted"], true);
        assert!(all.try_recv().is_err(), "the duplicate was delivered");
        assert!(
            bars.try_recv().is_err(),
            "a bars-only subscriber got an event"
        );
        assert_eq!(hub.stats.duplicates.load(Ordering::Relaxed), 1);
    }
}
