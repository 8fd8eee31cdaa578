//! `/v1/stream`: finstream's own WebSocket stream, JSON text frames.
//!
//! Client to server:
//! ```json
//! {"action":"subscribe","symbols":["AAPL","MSFT"],"channels":["bars","indicators","events"]}
//! {"action":"subscribe","symbols":["SPY"],"channels":["trades","quotes","greeks"]}
//! {"action":"unsubscribe","symbols":["MSFT"]}
//! {"action":"ping"}
//! ```
//! `channels` is optional: without it, bars, indicators and events (the raw trades and
//! quotes and the option Greeks, by underlying, are asked for by name). Server to client: `{"type":"subscribed",
//! "symbols":[...],"channels":[...],"positions":{"market.bars.v1/0":41,...}}` after each
//! change (the whole current set; `positions` are the offsets per topic partition
//! through which this subscription is not owed anything: everything after them reaches it
//! live), updates
//! `{"type":"trade"|"quote"|"bar"|"indicator"|"greeks"|"event","symbol","topic","partition","offset","data":{...}}`
//! (`data` is the topic's event as JSON: a trade, a quote, a `market.bars.v1` bar, an
//! `analytics.indicators.v1` update, the IV and Greeks of one contract of the underlying
//! `symbol`, an `analytics.events.v1` pattern or movement),
//! `{"type":"pong"}`, and `{"type":"error","code":400,"message":"..."}` for a bad message,
//! after which the connection goes on.
//!
//! Resume: a client keeps, per topic partition, the newest of the `positions` it was given
//! and the `offset`s of the updates it got. Reconnecting (to any gateway process), it
//! subscribes with those as `"resume":{"market.bars.v1/0":57,...}` and is sent, before
//! anything live, every update of its symbols and channels after them, read back from the
//! log; live updates wait meanwhile and those the replay covered are dropped, so nothing
//! is missed and nothing comes twice. Then `{"type":"resumed","replayed":N,"complete":
//! true}`; when the log no longer holds some of what was asked (retention), `complete` is
//! false and `problems` says which partitions and from where the replay started instead.

use crate::auth::Role;
use crate::hub::{
    Channel, Channels, FANOUT_TOPICS, Frame, FrameKind, Hub, Outbox, Positions, classify,
    partition_key,
};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use finstream_bus::{Bus, StartFrom};
use finstream_schemas::Codec;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Limits of one connection.
#[derive(Debug, Clone, Copy)]
pub struct StreamLimits {
    /// Updates queued per connection before new ones are dropped.
    pub queue: usize,
    /// Symbols one connection may subscribe to.
    pub max_symbols: usize,
    /// Interval of server pings.
    pub heartbeat: Duration,
    /// A connection conflated (or unable to write) for this long is closed with a reason.
    pub slow_close: Duration,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase", deny_unknown_fields)]
enum ClientMessage {
    Subscribe {
        symbols: Vec<String>,
        #[serde(default)]
        channels: Option<Vec<String>>,
        /// Offsets seen per topic partition (`topic/partition`), to replay from.
        #[serde(default)]
        resume: Option<Positions>,
    },
    Unsubscribe {
        symbols: Vec<String>,
    },
    Ping,
}

pub(crate) fn error_frame(message: &str) -> Utf8Bytes {
    Utf8Bytes::from(
        serde_json::json!({"type": "error", "code": 400, "message": message}).to_string(),
    )
}

fn normalise_symbols(raw: &[String]) -> Result<Vec<String>, String> {
    raw.iter()
        .map(|s| {
            let s = s.trim().to_uppercase();
            let ok = !s.is_empty()
                && s.len() <= 21
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-/".contains(c));
            if ok {
                Ok(s)
            } else {
                Err(format!(
                    "{s:?} is not a symbol: use letters, digits, '.', '-' or '/' (at most 21)"
                ))
            }
        })
        .collect()
}

/// The role a channel needs: the analytics are for every viewer; the raw trade and quote
/// feeds and the option Greeks, for traders and above.
pub fn channel_role(c: Channel) -> Role {
    match c {
        Channel::Bars | Channel::Indicators | Channel::Events => Role::Viewer,
        Channel::Trades | Channel::Quotes | Channel::Greeks | Channel::Chat => Role::Trader,
    }
}

/// Channels of `wanted` the role may not have, as the error to send.
fn refused_channels(wanted: Channels, role: Role) -> Option<String> {
    let refused: Vec<String> = Channel::ALL
        .iter()
        .filter(|c| wanted.contains(**c) && role < channel_role(**c))
        .map(|c| format!("{} (needs {})", c.name(), channel_role(*c).name()))
        .collect();
    (!refused.is_empty()).then(|| {
        format!(
            "role {} may not subscribe to {}: ask for bars, indicators or events, or use a key with the role",
            role.name(),
            refused.join(", ")
        )
    })
}

/// Serves one connection until the client leaves or the gateway shuts down.
pub async fn serve(
    socket: WebSocket,
    hub: Arc<Hub>,
    log: Log,
    limits: StreamLimits,
    role: Role,
    shutdown: CancellationToken,
) {
    let conn = hub.connection_id();
    let (sink, mut source) = socket.split();
    let (outbox, rx) = Outbox::new(limits.queue);
    metrics::gauge!("finstream_gateway_connections").increment(1.0);

    let mut writer = spawn_writer(sink, rx, Arc::clone(&outbox), limits, conn);

    let mut shutting_down = false;
    let mut symbols: BTreeSet<String> = BTreeSet::new();
    let mut channels = Channels::default_set();
    loop {
        let msg = tokio::select! {
            _ = shutdown.cancelled() => {
                shutting_down = true;
                break;
            }
            _ = writer.beat() => continue,
            m = source.next() => m,
        };
        let text = match msg {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Binary(_))) => {
                let _ = outbox
                    .send(
                        error_frame(
                            "binary frames are not supported on /v1/stream: send JSON text",
                        )
                        .into(),
                    )
                    .await;
                continue;
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => continue,
        };
        metrics::counter!("finstream_gateway_messages_in_total").increment(1);
        let reply = match serde_json::from_str::<ClientMessage>(text.as_str()) {
            Err(e) => error_frame(&format!(
                "could not read the message ({e}); send {{\"action\":\"subscribe\",\"symbols\":[\"AAPL\"]}}"
            )),
            Ok(ClientMessage::Ping) => Utf8Bytes::from_static("{\"type\":\"pong\"}"),
            Ok(ClientMessage::Subscribe {
                symbols: raw,
                channels: wanted,
                resume,
            }) => {
                match (
                    normalise_symbols(&raw),
                    parse_channels(wanted.as_deref()),
                    parse_resume(resume),
                ) {
                    (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => error_frame(&e),
                    (Ok(_), Ok(ch), Ok(_))
                        if refused_channels(ch.unwrap_or(channels), role).is_some() =>
                    {
                        let why = refused_channels(ch.unwrap_or(channels), role);
                        error_frame(why.as_deref().unwrap_or("channel refused"))
                    }
                    (Ok(new), Ok(ch), Ok(resume)) => {
                        let total: BTreeSet<String> =
                            symbols.iter().cloned().chain(new.iter().cloned()).collect();
                        if total.len() > limits.max_symbols {
                            error_frame(&format!(
                                "at most {} symbols per connection",
                                limits.max_symbols
                            ))
                        } else {
                            if let Some(ch) = ch {
                                channels = ch;
                            }
                            symbols = total;
                            // Re-register every symbol so a channel change applies to all.
                            let all: Vec<String> = symbols.iter().cloned().collect();
                            if resume.is_some() {
                                outbox.hold();
                            }
                            let positions = hub.subscribe(conn, &all, channels, &outbox);
                            let frame = subscribed_frame(&symbols, channels, &positions);
                            match resume {
                                None => frame,
                                Some(from) => {
                                    if !outbox.send(frame.into()).await {
                                        break;
                                    }
                                    // Boxed: the replay's state (a log reader,
                                    // its batches) would otherwise be part of every
                                    // connection's task, idle ones included.
                                    let done = Box::pin(
                                        log.replay(&from, &positions, &symbols, channels, &outbox),
                                    )
                                    .await;
                                    let lost = outbox.release(&positions);
                                    done.frame(lost)
                                }
                            }
                        }
                    }
                }
            }
            Ok(ClientMessage::Unsubscribe { symbols: raw }) => match normalise_symbols(&raw) {
                Err(e) => error_frame(&e),
                Ok(gone) => {
                    hub.unsubscribe(conn, &gone);
                    for s in &gone {
                        symbols.remove(s);
                    }
                    subscribed_frame(&symbols, channels, &Positions::new())
                }
            },
        };
        if !outbox.send(reply.into()).await {
            break;
        }
    }
    let all: Vec<String> = symbols.into_iter().collect();
    hub.unsubscribe(conn, &all);
    writer.finish(&mut source, shutting_down).await;
    metrics::gauge!("finstream_gateway_connections").decrement(1.0);
}

pub(crate) type Sink = futures::stream::SplitSink<WebSocket, Message>;
pub(crate) type Source = futures::stream::SplitStream<WebSocket>;

/// Frames written with one flush at most. A connection that fell behind catches up in a
/// few large writes instead of one system call per frame: the per-write cost (on
/// loopback, most of the fan-out's CPU) is spread over the batch exactly when the
/// gateway is busiest.
const WRITE_BATCH: usize = 64;

/// The writer's metric handles, looked up once per connection rather than per frame.
struct WriterMetrics {
    out: metrics::Counter,
    fanout: metrics::Histogram,
}

/// A connection's writer task and its heartbeat, driven by the connection's reader loop.
///
/// The writer waits on the connection's queue alone: pings and the shutdown's close frame
/// are queued like updates. A delivery then costs one wake-up of one task, with no timers
/// or other wakers to re-arm, which at 100,000 deliveries a second is most of the
/// gateway's own (user-space) CPU.
pub(crate) struct Writer {
    /// Aborted when dropped: a reader loop that ends any way takes its writer with it
    /// (the writer holds the outbox too, so its queue never closes by itself).
    task: tokio_util::task::AbortOnDropHandle<()>,
    outbox: Arc<Outbox>,
    heartbeat: tokio::time::Interval,
}

impl Writer {
    /// Resolves at each heartbeat, having queued a ping if nothing was written since the
    /// last one. A branch of the reader loop's `select!`.
    pub(crate) async fn beat(&mut self) {
        self.heartbeat.tick().await;
        self.outbox.ping_if_idle();
    }

    /// Ends the connection. When the gateway is shutting down, the client is sent a close
    /// frame that says so after what was queued, and its own close is waited for (a
    /// little: two seconds at each step), so that it reads the reason before the
    /// connection goes. Otherwise the client has left: the writer is stopped.
    pub(crate) async fn finish(mut self, source: &mut Source, shutting_down: bool) {
        let grace = Duration::from_secs(2);
        if shutting_down
            && tokio::time::timeout(
                grace,
                self.outbox
                    .send(Frame::close(1001, "gateway shutting down")),
            )
            .await
            .is_ok_and(|queued| queued)
            && tokio::time::timeout(grace, &mut self.task).await.is_ok()
        {
            let _ = tokio::time::timeout(grace, async {
                while let Some(Ok(message)) = source.next().await {
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
            return;
        }
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Starts the writer of a connection: it writes queued frames first, then what was
/// conflated, and closes a client behind for longer than `slow_close` with the reason.
/// Shared by `/v1/stream` and `/v1/chat`.
pub(crate) fn spawn_writer(
    mut sink: Sink,
    mut rx: mpsc::Receiver<Frame>,
    outbox: Arc<Outbox>,
    limits: StreamLimits,
    conn: u64,
) -> Writer {
    let mut heartbeat = tokio::time::interval(limits.heartbeat);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate: skip it.
    heartbeat.reset();
    let task_outbox = Arc::clone(&outbox);
    let task = tokio::spawn(async move {
        let outbox = task_outbox;
        let metrics = WriterMetrics {
            out: metrics::counter!("finstream_gateway_messages_out_total"),
            fanout: metrics::histogram!("finstream_gateway_fanout_seconds"),
        };
        let mut batch: Vec<Frame> = Vec::new();
        loop {
            // Queued updates are older than conflated ones: they go first.
            let mut closed = false;
            while batch.len() < WRITE_BATCH {
                match rx.try_recv() {
                    Ok(frame) => batch.push(frame),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => {
                        closed = true;
                        break;
                    }
                }
            }
            if batch.is_empty() {
                if closed {
                    break;
                }
                batch = outbox.take_conflated();
            }
            if batch.is_empty() {
                match rx.recv().await {
                    Some(frame) => batch.push(frame),
                    None => break,
                }
                continue;
            }
            if let Some((behind, series)) = outbox.behind()
                && behind > limits.slow_close
            {
                tracing::info!(connection = conn, series, "closing a slow WebSocket client");
                let reason = format!(
                    "too slow: behind for over {} s (latest values only for {series} series); reconnect",
                    limits.slow_close.as_secs()
                );
                close_slow(&mut sink, reason).await;
                break;
            }
            let Some(texts) = write_batch(&mut sink, &mut batch, limits.slow_close, &metrics).await
            else {
                break;
            };
            // A heartbeat's own ping does not count: the next beat must ping again.
            if texts > 0 {
                outbox.wrote();
            }
        }
    });
    Writer {
        task: tokio_util::task::AbortOnDropHandle::new(task),
        outbox,
        heartbeat,
    }
}

/// Writes `batch` with one flush and empties it; returns how many text frames it wrote, or
/// None when the connection is done (it failed, was closed, or is too slow). A client that takes longer than `limit` to
/// accept the batch has stopped reading: it is told why (if it reads again within
/// seconds) and dropped.
async fn write_batch(
    sink: &mut Sink,
    batch: &mut Vec<Frame>,
    limit: Duration,
    metrics: &WriterMetrics,
) -> Option<u64> {
    // Almost always the socket takes the batch at once: the timer that bounds a write is
    // only set up for one that has to wait.
    let outcome = {
        let frames: &[Frame] = batch;
        let mut written = std::pin::pin!(async {
            for frame in frames {
                let message = match frame.kind {
                    FrameKind::Text => Message::Text(frame.text.clone()),
                    FrameKind::Ping => Message::Ping(Default::default()),
                    FrameKind::Close(code) => Message::Close(Some(CloseFrame {
                        code,
                        reason: frame.text.clone(),
                    })),
                };
                sink.feed(message).await?;
                if matches!(frame.kind, FrameKind::Close(_)) {
                    break;
                }
            }
            sink.flush().await
        });
        match futures::poll!(written.as_mut()) {
            std::task::Poll::Ready(done) => Ok(done),
            std::task::Poll::Pending => tokio::time::timeout(limit, written).await,
        }
    };
    match outcome {
        Ok(Ok(())) => {
            let now = finstream_schemas::now_nanos();
            let (mut texts, mut closed) = (0, false);
            for frame in batch.drain(..) {
                match frame.kind {
                    FrameKind::Text => texts += 1,
                    FrameKind::Ping => {}
                    FrameKind::Close(_) => {
                        // The last frame written: what followed it was not sent.
                        closed = true;
                        break;
                    }
                }
                if frame.event_nanos > 0 {
                    let seconds = (now - frame.event_nanos) as f64 / 1e9;
                    metrics.fanout.record(seconds.max(0.0));
                }
            }
            metrics.out.increment(texts);
            (!closed).then_some(texts)
        }
        Ok(Err(_)) => None,
        Err(_) => {
            close_slow(
                sink,
                format!(
                    "too slow: took no data for {} s; reconnect",
                    limit.as_secs()
                ),
            )
            .await;
            None
        }
    }
}

/// Closes a slow connection with its reason, waiting a little for the client to read it.
async fn close_slow(sink: &mut Sink, reason: String) {
    metrics::counter!("finstream_gateway_slow_closes_total").increment(1);
    let frame = Message::Close(Some(CloseFrame {
        code: 1008,
        reason: reason.into(),
    }));
    let _ = tokio::time::timeout(Duration::from_secs(5), sink.send(frame)).await;
}

fn parse_channels(wanted: Option<&[String]>) -> Result<Option<Channels>, String> {
    let Some(list) = wanted else { return Ok(None) };
    let mut set = Channels::default();
    for name in list {
        let c = Channel::parse(name).ok_or_else(|| {
            format!(
                "unknown channel {name:?}: use trades, quotes, bars, indicators, greeks or events"
            )
        })?;
        set = set.with(c);
    }
    Ok(Some(set))
}

fn subscribed_frame(
    symbols: &BTreeSet<String>,
    channels: Channels,
    positions: &Positions,
) -> Utf8Bytes {
    let names: Vec<&str> = Channel::ALL
        .iter()
        .filter(|c| channels.contains(**c))
        .map(|c| c.name())
        .collect();
    Utf8Bytes::from(
        serde_json::json!({"type": "subscribed", "symbols": symbols, "channels": names, "positions": positions})
            .to_string(),
    )
}

/// Checks `resume`: keys `topic/partition` of the stream's topics, offsets from -1.
fn parse_resume(resume: Option<Positions>) -> Result<Option<Positions>, String> {
    let Some(from) = resume else { return Ok(None) };
    for (key, offset) in &from {
        let ok = key
            .rsplit_once('/')
            .is_some_and(|(topic, p)| FANOUT_TOPICS.contains(&topic) && p.parse::<u16>().is_ok());
        if !ok {
            return Err(format!(
                "resume key {key:?} is not a topic partition of this stream: use the \"topic\" and \"partition\" of the updates, as \"{}/0\"",
                FANOUT_TOPICS[0]
            ));
        }
        if *offset < -1 {
            return Err(format!(
                "resume offset {offset} of {key} is not an offset: use the last one you saw"
            ));
        }
    }
    Ok(Some(from))
}

/// The log the stream's topics are read back from when a client resumes.
#[derive(Debug, Clone)]
pub struct Log {
    pub bus: Bus,
    pub codec: Codec,
    /// How long one replay may take before it gives up on the rest.
    pub replay_limit: Duration,
}

/// What a replay did.
#[derive(Debug, Default)]
pub(crate) struct Replayed {
    sent: usize,
    problems: Vec<String>,
}

impl Replayed {
    pub(crate) fn frame(mut self, lost: usize) -> Utf8Bytes {
        if lost > 0 {
            self.problems.push(format!(
                "{lost} live updates arrived faster than the replay could send and were dropped; resume again from your last offsets"
            ));
        }
        Utf8Bytes::from(
            serde_json::json!({
                "type": "resumed",
                "replayed": self.sent,
                "complete": self.problems.is_empty(),
                "problems": self.problems,
            })
            .to_string(),
        )
    }
}

impl Log {
    /// Sends the updates of `symbols` and `channels` after `from` through `through` (the
    /// subscription's positions), partition by partition in offset order.
    pub(crate) async fn replay(
        &self,
        from: &Positions,
        through: &Positions,
        symbols: &BTreeSet<String>,
        channels: Channels,
        outbox: &Outbox,
    ) -> Replayed {
        let mut done = Replayed::default();
        // Partition key to the last offset still owed.
        let mut pending: HashMap<String, i64> = HashMap::new();
        let mut starts: Vec<(String, i32, i64)> = Vec::new();
        for (key, &seen) in from {
            let Some(&end) = through.get(key) else {
                continue; // nothing of it was ever dispatched here: all of it comes live
            };
            if seen >= end {
                continue;
            }
            let Some((topic, p)) = key
                .rsplit_once('/')
                .and_then(|(t, p)| Some((t.to_string(), p.parse::<i32>().ok()?)))
            else {
                continue;
            };
            pending.insert(key.clone(), end);
            starts.push((topic, p, seen + 1));
        }
        if pending.is_empty() {
            return done;
        }
        let topics: BTreeSet<&str> = starts.iter().map(|(t, _, _)| t.as_str()).collect();
        let topics: Vec<&str> = topics.into_iter().collect();
        let mut reader = match self.bus.reader(&topics, StartFrom::Latest).await {
            Ok(r) => r,
            Err(e) => {
                done.problems
                    .push(format!("the log cannot be read now ({e}); try again"));
                return done;
            }
        };
        for (topic, p, start) in &starts {
            let key = partition_key(topic, *p);
            let start = match reader.watermarks(topic, *p) {
                Ok((low, _)) if *start < low => {
                    done.problems.push(format!(
                        "{key}: the log no longer holds offsets {start} to {}; replayed from {low}",
                        low - 1
                    ));
                    low
                }
                Ok(_) => *start,
                Err(e) => {
                    done.problems.push(format!("{key}: {e}"));
                    pending.remove(&key);
                    continue;
                }
            };
            if let Err(e) = reader.seek(topic, *p, start) {
                done.problems.push(format!("{key}: {e}"));
                pending.remove(&key);
            }
        }
        let deadline = tokio::time::Instant::now() + self.replay_limit;
        let mut idle = 0u32;
        while !pending.is_empty() {
            if tokio::time::Instant::now() >= deadline {
                let mut left: Vec<&String> = pending.keys().collect();
                left.sort();
                done.problems.push(format!(
                    "the replay took longer than {} s and stopped before the end of {left:?}; resume again from your last offsets",
                    self.replay_limit.as_secs()
                ));
                break;
            }
            let batch = match reader.poll_batch(5_000, Duration::from_millis(200)).await {
                Ok(b) => b,
                Err(e) => {
                    done.problems.push(format!("reading the log failed: {e}"));
                    break;
                }
            };
            if batch.is_empty() {
                // What is owed was in the log before the replay began, so a log that
                // stays quiet holds no more of it (the last owed offset can be a
                // transaction marker, which no reader sees).
                idle += 1;
                if idle >= 10 {
                    break;
                }
                continue;
            }
            idle = 0;
            for record in &batch {
                let key = partition_key(&record.topic, record.partition);
                let Some(&end) = pending.get(&key) else {
                    continue;
                };
                if record.offset > end {
                    pending.remove(&key);
                    continue;
                }
                if record.offset == end {
                    pending.remove(&key);
                }
                let Some(update) = classify(&self.codec, record) else {
                    continue;
                };
                if !channels.contains(update.channel) || !symbols.contains(&update.symbol) {
                    continue;
                }
                let Some(json) = update.render(record) else {
                    continue;
                };
                // Replayed, not live: not counted in the fan-out latency.
                if !outbox.send(json.into()).await {
                    return done;
                }
                done.sent += 1;
            }
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_normalised_and_bad_ones_explained() {
        assert_eq!(
            normalise_symbols(&[" aapl ".into(), "BRK.B".into()]),
            Ok(vec!["AAPL".into(), "BRK.B".into()])
        );
        let e = normalise_symbols(&["".into()]).expect_err("empty");
        assert!(e.contains("not a symbol"));
        assert!(normalise_symbols(&["A B".into()]).is_err());
        assert!(normalise_symbols(&["X".repeat(22)]).is_err());
    }

    #[test]
    fn client_messages_parse_strictly() {
        assert!(matches!(
            serde_json::from_str::<ClientMessage>(r#"{"action":"ping"}"#),
            Ok(ClientMessage::Ping)
        ));
        assert!(serde_json::from_str::<ClientMessage>(r#"{"action":"subscribe"}"#).is_err());
        assert!(
            serde_json::from_str::<ClientMessage>(
                r#"{"action":"subscribe","symbols":["A"],"x":1}"#
            )
            .is_err()
        );
        assert!(parse_channels(Some(&["ticks".to_string()])).is_err());
        let ch = parse_channels(Some(&["bars".to_string()]))
            .expect("ok")
            .expect("some");
        assert!(ch.contains(Channel::Bars) && !ch.contains(Channel::Indicators));
        let ch = parse_channels(Some(&["events".to_string()]))
            .expect("ok")
            .expect("some");
        assert!(ch.contains(Channel::Events) && !ch.contains(Channel::Bars));
    }
}
