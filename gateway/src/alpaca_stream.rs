//! Alpaca's market-data stream, served from finstream's own topics at `/v2/{feed}` (and
//! the stock feeds under `/v1beta1/`), so that Alpaca's SDKs connect unchanged.
//!
//! The protocol follows `../shared/alpaca-protocol.md`: `[{"T":"success","msg":"connected"}]`
//! on connect; auth by message (within 10 s) or by the `APCA-API-KEY-ID` and
//! `APCA-API-SECRET-KEY` handshake headers; incremental subscribe and unsubscribe answered
//! with the whole subscription (trades bring corrections and cancelErrors); `*` for every
//! symbol; JSON text frames, or msgpack binary frames when the handshake says
//! `Content-Type: application/msgpack` (timestamps as the msgpack timestamp extension, `T`
//! first). Errors are Alpaca's codes: 400 invalid syntax, 401 not authenticated, 402 auth
//! failed, 403 already authenticated, 404 auth timeout, 405 symbol limit exceeded, 407
//! slow client (then the connection closes), and 429 when a client sends more messages or
//! subscribe actions than `gateway.limits` allow.
//!
//! Data: `market.trades.v1` as `t`, `market.quotes.v1` as `q`, closed 1-minute bars as `b`
//! (bars), their revisions by late trades as `u` (updatedBars), daily bars as `d`
//! (dailyBars). Each update is encoded once per encoding, whatever the number of
//! subscribers, and a connection's writer packs what is queued into one frame.

use crate::auth::Auth;
use crate::hub::HubStats;
use crate::stream::StreamLimits;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use bytes::{BufMut, Bytes, BytesMut};
use finstream_bus::{Bus, BusError, Record, StartFrom};
use finstream_schemas::alpaca::{
    BarKind, CHANNEL_NAMES, Channels, ClientAction, Encoding, StreamBar, StreamMessage,
    StreamQuote, StreamTrade, decode_action, encode_frame,
};
use finstream_schemas::{Codec, Event, catalog};
use parking_lot::RwLock;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The topics this stream reads.
pub const TOPICS: [&str; 3] = [catalog::TRADES, catalog::QUOTES, catalog::BARS];

/// The channels that carry data, as indexes into the routing table.
const DATA_CHANNELS: [&str; 5] = ["trades", "quotes", "bars", "updatedBars", "dailyBars"];

/// Stock feeds Alpaca names; finstream serves its one feed under each.
pub const STOCK_FEEDS: [(&str, &str); 6] = [
    ("v2", "iex"),
    ("v2", "sip"),
    ("v2", "delayed_sip"),
    ("v2", "test"),
    ("v1beta1", "boats"),
    ("v1beta1", "overnight"),
];

/// Wait for the auth message this long after connecting.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct Conn {
    encoding: Encoding,
    queue: mpsc::Sender<Bytes>,
    dropped: Arc<AtomicU64>,
}

/// Subscribers of the Alpaca-compatible stream of one gateway process.
#[derive(Debug, Default)]
pub struct AlpacaHub {
    /// Per data channel: symbol (or `*`) to connection ids.
    routes: RwLock<[HashMap<String, HashSet<u64>>; 5]>,
    conns: RwLock<HashMap<u64, Conn>>,
    next_id: AtomicU64,
    pub stats: HubStats,
}

impl AlpacaHub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn register(&self, encoding: Encoding, queue: mpsc::Sender<Bytes>) -> (u64, Arc<AtomicU64>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let dropped = Arc::new(AtomicU64::new(0));
        self.conns.write().insert(
            id,
            Conn {
                encoding,
                queue,
                dropped: Arc::clone(&dropped),
            },
        );
        (id, dropped)
    }

    /// Replaces what connection `id` receives with `channels`.
    fn route(&self, id: u64, old: &Channels, new: &Channels) {
        let mut routes = self.routes.write();
        for (i, name) in DATA_CHANNELS.iter().enumerate() {
            let (before, after) = (list(old, name), list(new, name));
            for s in before.iter().filter(|s| !after.contains(s)) {
                if let Some(set) = routes[i].get_mut(s) {
                    set.remove(&id);
                    if set.is_empty() {
                        routes[i].remove(s);
                    }
                }
            }
            for s in after.iter().filter(|s| !before.contains(s)) {
                routes[i].entry(s.clone()).or_default().insert(id);
            }
        }
    }

    fn leave(&self, id: u64, channels: &Channels) {
        self.route(id, channels, &Channels::default());
        self.conns.write().remove(&id);
    }

    pub fn connections(&self) -> usize {
        self.conns.read().len()
    }

    /// Sends one record to the connections subscribed to its symbol (or to `*`).
    pub fn dispatch(&self, codec: &Codec, record: &Record) {
        let Some(spec) = catalog::topic(&record.topic) else {
            return;
        };
        let Ok(event) = codec.decode_event(spec.kind, &record.payload) else {
            tracing::warn!(topic = %record.topic, partition = record.partition, offset = record.offset, "skipping an update that does not decode");
            return;
        };
        let Some((channel, message)) = to_alpaca(event) else {
            return;
        };
        let symbol = match &message {
            StreamMessage::Trade(t) => t.symbol.as_str(),
            StreamMessage::Quote(q) => q.symbol.as_str(),
            StreamMessage::Bar { bar, .. } => bar.symbol.as_str(),
            _ => return,
        };
        let targets: Vec<u64> = {
            let routes = self.routes.read();
            let named = routes[channel].get(symbol);
            let star = routes[channel].get("*");
            match (named, star) {
                (None, None) => return,
                (Some(a), None) | (None, Some(a)) => a.iter().copied().collect(),
                (Some(a), Some(b)) => a.union(b).copied().collect(),
            }
        };
        let mut encoded: [Option<Bytes>; 2] = [None, None];
        let conns = self.conns.read();
        for id in targets {
            let Some(conn) = conns.get(&id) else { continue };
            let slot = usize::from(conn.encoding == Encoding::MsgPack);
            let item = encoded[slot]
                .get_or_insert_with(|| encode_item(&message, conn.encoding))
                .clone();
            match conn.queue.try_send(item) {
                Ok(()) => {
                    self.stats.delivered.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    conn.dropped.fetch_add(1, Ordering::Relaxed);
                    self.stats.dropped_full.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("finstream_gateway_dropped_total", "reason" => "alpaca_queue_full")
                        .increment(1);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }
}

fn list<'a>(c: &'a Channels, name: &str) -> &'a [String] {
    c.get(name).map_or(&[], Vec::as_slice)
}

/// An event as Alpaca's message, with the index of its data channel.
fn to_alpaca(event: Event) -> Option<(usize, StreamMessage)> {
    Some(match event {
        Event::Trade(t) => (
            0,
            StreamMessage::Trade(StreamTrade {
                symbol: t.symbol,
                id: t.trade_id,
                exchange: t.exchange,
                price: t.price,
                size: t.size,
                conditions: t.conditions,
                time: t.event_time,
                tape: t.tape,
            }),
        ),
        Event::Quote(q) => (
            1,
            StreamMessage::Quote(StreamQuote {
                symbol: q.symbol,
                bid_exchange: q.bid_exchange,
                bid_price: q.bid_price,
                bid_size: q.bid_size,
                ask_exchange: q.ask_exchange,
                ask_price: q.ask_price,
                ask_size: q.ask_size,
                conditions: q.conditions,
                time: q.event_time,
                tape: q.tape,
            }),
        ),
        Event::Bar(b) => {
            let (channel, kind) = match (b.timeframe.as_str(), b.revision) {
                ("1m", 0) => (2, BarKind::Minute),
                ("1m", _) => (3, BarKind::Updated),
                ("1d", _) => (4, BarKind::Daily),
                _ => return None,
            };
            (
                channel,
                StreamMessage::Bar {
                    kind,
                    bar: StreamBar {
                        symbol: b.symbol,
                        open: b.open,
                        high: b.high,
                        low: b.low,
                        close: b.close,
                        volume: b.volume,
                        trade_count: Some(b.trade_count),
                        vwap: Some(b.vwap),
                        time: b.start_time,
                    },
                },
            )
        }
        _ => return None,
    })
}

/// One message encoded as an element of a frame's array (the frame's brackets or array
/// header are added by the writer, around everything it sends at once).
fn encode_item(message: &StreamMessage, encoding: Encoding) -> Bytes {
    let frame = encode_frame(std::slice::from_ref(message), encoding);
    // A one-element array: JSON `[...]`, msgpack 0x91 then the element.
    let inner = match encoding {
        Encoding::Json => frame.get(1..frame.len().saturating_sub(1)),
        Encoding::MsgPack => frame.get(1..),
    };
    Bytes::copy_from_slice(inner.unwrap_or_default())
}

/// Packs items into one frame.
fn pack_frame(items: &[Bytes], encoding: Encoding) -> Message {
    let size: usize = items.iter().map(Bytes::len).sum::<usize>() + items.len() + 5;
    let mut out = BytesMut::with_capacity(size);
    match encoding {
        Encoding::Json => {
            out.put_u8(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.put_u8(b',');
                }
                out.put_slice(item);
            }
            out.put_u8(b']');
            match String::from_utf8(out.to_vec()) {
                Ok(text) => Message::Text(text.into()),
                Err(_) => Message::Binary(out.freeze()),
            }
        }
        Encoding::MsgPack => {
            let n = items.len();
            if n < 16 {
                out.put_u8(0x90 | n as u8);
            } else if n <= usize::from(u16::MAX) {
                out.put_u8(0xdc);
                out.put_u16(n as u16);
            } else {
                out.put_u8(0xdd);
                out.put_u32(n as u32);
            }
            for item in items {
                out.put_slice(item);
            }
            Message::Binary(out.freeze())
        }
    }
}

fn control(messages: &[StreamMessage], encoding: Encoding) -> Message {
    let frame = encode_frame(messages, encoding);
    match encoding {
        Encoding::Json => match String::from_utf8(frame) {
            Ok(text) => Message::Text(text.into()),
            Err(e) => Message::Binary(e.into_bytes().into()),
        },
        Encoding::MsgPack => Message::Binary(frame.into()),
    }
}

fn error(code: i64, msg: &str, encoding: Encoding) -> Message {
    control(
        &[StreamMessage::Error {
            code,
            msg: msg.into(),
        }],
        encoding,
    )
}

/// What the handshake said: the encoding, credentials if both headers were sent, and
/// the client's address.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub encoding: Option<Encoding>,
    pub key: Option<String>,
    pub secret: Option<String>,
    pub peer: IpAddr,
}

/// Checks a key and secret: against the stored keys; without required auth, any
/// non-empty pair also passes (as an anonymous viewer), as Alpaca clients must send one.
async fn authenticate(auth: &Auth, key: &str, secret: &str, peer: IpAddr) -> Option<String> {
    match auth.verify_key(key, secret).await {
        Ok(identity) => Some(identity.subject),
        Err(e) => {
            if !auth.required() && !key.trim().is_empty() && !secret.trim().is_empty() {
                return Some(format!("ip:{peer}"));
            }
            crate::auth::audit("auth_failed", peer, Some(key), &e.to_string());
            None
        }
    }
}

/// Applies a subscribe or unsubscribe to `current`; trades bring corrections and
/// cancelErrors along, as Alpaca's do.
fn apply(current: &mut Channels, change: &Channels, add: bool) {
    for name in CHANNEL_NAMES {
        let (Some(target), Some(delta)) = (current.get_mut(name), change.get(name)) else {
            continue;
        };
        for s in delta {
            let s = if s == "*" {
                s.clone()
            } else {
                s.trim().to_ascii_uppercase()
            };
            if add {
                if !target.contains(&s) {
                    target.push(s);
                }
            } else {
                target.retain(|x| *x != s);
            }
        }
    }
    current.corrections = current.trades.clone();
    current.cancel_errors = current.trades.clone();
}

fn distinct_symbols(c: &Channels) -> usize {
    CHANNEL_NAMES
        .iter()
        .flat_map(|n| list(c, n))
        .filter(|s| *s != "*")
        .collect::<HashSet<_>>()
        .len()
}

/// Serves one connection of the Alpaca-compatible stream.
pub async fn serve(
    mut socket: WebSocket,
    hub: Arc<AlpacaHub>,
    auth: Arc<Auth>,
    limits: StreamLimits,
    handshake: Handshake,
    shutdown: CancellationToken,
) {
    let encoding = handshake.encoding.unwrap_or(Encoding::Json);
    let (tx, mut rx) = mpsc::channel::<Bytes>(limits.queue.max(1));
    let (id, dropped) = hub.register(encoding, tx);
    metrics::gauge!("finstream_gateway_connections", "stream" => "alpaca").increment(1.0);
    let connected = control(
        &[StreamMessage::Success {
            msg: "connected".into(),
        }],
        encoding,
    );
    let mut authenticated = false;
    // Who the connection's limits are counted for: its key once authenticated.
    let mut subject = format!("ip:{}", handshake.peer);
    let mut channels = Channels::default();
    let mut open = socket.send(connected).await.is_ok();
    if open && let (Some(key), Some(secret)) = (&handshake.key, &handshake.secret) {
        let reply = if let Some(who) = authenticate(&auth, key, secret, handshake.peer).await {
            authenticated = true;
            subject = who;
            control(
                &[StreamMessage::Success {
                    msg: "authenticated".into(),
                }],
                encoding,
            )
        } else {
            error(402, "auth failed", encoding)
        };
        open = socket.send(reply).await.is_ok();
    }
    let auth_deadline = tokio::time::sleep(AUTH_TIMEOUT);
    tokio::pin!(auth_deadline);
    let mut heartbeat = tokio::time::interval(limits.heartbeat);
    heartbeat.tick().await;
    let mut batch: Vec<Bytes> = Vec::new();
    let close = |code: u16, reason: &'static str| {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    };
    while open {
        tokio::select! {
            _ = shutdown.cancelled() => {
                let _ = socket.send(close(1001, "gateway shutting down")).await;
                open = false;
            }
            _ = &mut auth_deadline, if !authenticated => {
                let _ = socket.send(error(404, "auth timeout", encoding)).await;
                let _ = socket.send(close(1008, "auth timeout")).await;
                break;
            }
            item = rx.recv() => {
                let Some(item) = item else { break };
                batch.push(item);
                while batch.len() < 1024 {
                    match rx.try_recv() {
                        Ok(more) => batch.push(more),
                        Err(_) => break,
                    }
                }
                let n = batch.len() as u64;
                // A client that reads nothing blocks the send; it is cut off like one
                // whose queue overflowed.
                match tokio::time::timeout(limits.slow_close, socket.send(pack_frame(&batch, encoding))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break,
                    Err(_) => {
                        tracing::info!(connection = id, "closing an Alpaca-stream client that stopped reading");
                        break;
                    }
                }
                batch.clear();
                metrics::counter!("finstream_gateway_messages_out_total", "stream" => "alpaca").increment(n);
                if dropped.load(Ordering::Relaxed) >= limits.queue as u64 {
                    tracing::info!(connection = id, "closing a slow Alpaca-stream client");
                    let _ = socket.send(error(407, "slow client", encoding)).await;
                    let _ = socket.send(close(1008, "slow client")).await;
                    break;
                }
            }
            _ = heartbeat.tick() => {
                if socket.send(Message::Ping(Bytes::new())).await.is_err() {
                    break;
                }
            }
            msg = socket.recv() => {
                let bytes = match msg {
                    Some(Ok(Message::Text(t))) => Bytes::from(t),
                    Some(Ok(Message::Binary(b))) => b,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                metrics::counter!("finstream_gateway_messages_in_total", "stream" => "alpaca").increment(1);
                // Clients may send either encoding whatever the frames they receive.
                let action = decode_action(&bytes, encoding)
                    .or_else(|_| decode_action(&bytes, other(encoding)));
                // Every message counts against the sender's limit; subscribe actions
                // against theirs too.
                let limits_ok = auth
                    .limiter()
                    .hit(&format!("wsmsg:{subject}"), auth.limits().ws_messages_per_key)
                    .await
                    .allowed
                    && (!matches!(action, Ok(ClientAction::Subscribe(_))) || !authenticated || auth
                        .limiter()
                        .hit(&format!("subs:{subject}"), auth.limits().subscriptions_per_key)
                        .await
                        .allowed);
                let reply = match action {
                    Err(_) => error(400, "invalid syntax", encoding),
                    Ok(_) if !limits_ok => {
                        crate::auth::audit("rate_limited", handshake.peer, Some(&subject), "websocket messages or subscriptions");
                        error(429, "too many messages or subscribe actions: slow down", encoding)
                    }
                    Ok(ClientAction::Auth { key, secret }) => {
                        if authenticated {
                            error(403, "already authenticated", encoding)
                        } else if let Some(who) = authenticate(&auth, &key, &secret, handshake.peer).await {
                            authenticated = true;
                            subject = who;
                            control(&[StreamMessage::Success { msg: "authenticated".into() }], encoding)
                        } else {
                            error(402, "auth failed", encoding)
                        }
                    }
                    Ok(_) if !authenticated => error(401, "not authenticated", encoding),
                    Ok(ClientAction::Subscribe(change)) => {
                        resubscribe(&hub, id, &mut channels, &change, true, limits.max_symbols, encoding)
                    }
                    Ok(ClientAction::Unsubscribe(change)) => {
                        resubscribe(&hub, id, &mut channels, &change, false, limits.max_symbols, encoding)
                    }
                };
                if socket.send(reply).await.is_err() {
                    break;
                }
            }
        }
    }
    hub.leave(id, &channels);
    metrics::gauge!("finstream_gateway_connections", "stream" => "alpaca").decrement(1.0);
}

/// Applies a change to a connection's subscription and answers with the whole of it, or
/// with 405 when it would exceed the symbol limit (the subscription stays as it was).
fn resubscribe(
    hub: &AlpacaHub,
    id: u64,
    channels: &mut Channels,
    change: &Channels,
    add: bool,
    max_symbols: usize,
    encoding: Encoding,
) -> Message {
    let mut next = channels.clone();
    apply(&mut next, change, add);
    if distinct_symbols(&next) > max_symbols {
        return error(405, "symbol limit exceeded", encoding);
    }
    hub.route(id, channels, &next);
    *channels = next;
    control(&[StreamMessage::Subscription(channels.clone())], encoding)
}

fn other(e: Encoding) -> Encoding {
    match e {
        Encoding::Json => Encoding::MsgPack,
        Encoding::MsgPack => Encoding::Json,
    }
}

/// Reads trades, quotes and bars and dispatches them until `shutdown`.
pub async fn run(
    hub: Arc<AlpacaHub>,
    bus: Bus,
    codec: Codec,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    let Some(mut consumer) = bus
        .reader_when_ready(&TOPICS, StartFrom::Latest, "the Alpaca stream", &shutdown)
        .await
    else {
        return Ok(());
    };
    while !shutdown.is_cancelled() {
        let batch = tokio::select! {
            _ = shutdown.cancelled() => break,
            b = consumer.poll_batch(5_000, Duration::from_millis(50)) => b,
        };
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "the Alpaca stream's consumer failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        consumer.take_rebalances()?;
        let assigned = consumer.assignment()?;
        let ready = TOPICS
            .iter()
            .all(|t| assigned.iter().any(|(topic, _)| topic == t))
            && consumer.positioned()?;
        hub.stats.ready.store(ready, Ordering::Relaxed);
        for record in &batch {
            hub.dispatch(&codec, record);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_pack_into_one_frame_in_either_encoding() {
        let quote = StreamMessage::Quote(StreamQuote {
            symbol: "AAPL".into(),
            bid_exchange: Some("Q".into()),
            bid_price: 1.0,
            bid_size: 2.0,
            ask_exchange: None,
            ask_price: 1.5,
            ask_size: 3.0,
            conditions: vec![],
            time: 1_700_000_000_000_000_001,
            tape: None,
        });
        for encoding in [Encoding::Json, Encoding::MsgPack] {
            let items: Vec<Bytes> = (0..20).map(|_| encode_item(&quote, encoding)).collect();
            let bytes = match pack_frame(&items, encoding) {
                Message::Text(t) => Bytes::from(t),
                Message::Binary(b) => b,
                other => panic!("unexpected {other:?}"),
            };
            let decoded =
                finstream_schemas::alpaca::decode_frame(&bytes, encoding).expect("decodes");
            assert_eq!(decoded.len(), 20);
            assert!(decoded.iter().all(|m| *m == quote), "{encoding:?}");
        }
    }

    #[test]
    fn trades_bring_corrections_and_star_is_kept() {
        let mut c = Channels::default();
        let change = Channels {
            trades: vec!["aapl".into(), "*".into()],
            bars: vec!["MSFT".into()],
            ..Channels::default()
        };
        apply(&mut c, &change, true);
        assert_eq!(c.trades, ["AAPL", "*"]);
        assert_eq!(c.corrections, c.trades);
        assert_eq!(c.cancel_errors, c.trades);
        assert_eq!(distinct_symbols(&c), 2);
        apply(
            &mut c,
            &Channels {
                trades: vec!["*".into()],
                ..Channels::default()
            },
            false,
        );
        assert_eq!(c.trades, ["AAPL"]);
        assert_eq!(c.bars, ["MSFT"]);
    }
}
