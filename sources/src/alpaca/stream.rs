//! Alpaca's real-time stream: connect, authenticate, subscribe, read; reconnect with
//! jittered backoff when the socket fails or goes silent, and backfill the trades missed
//! while disconnected from REST, so downstream sees no gap and no duplicate.

use super::rest::RestClient;
use super::{AlpacaConfig, AlpacaError, Backoff, Credentials};
use finstream_schemas::alpaca::{
    self, Channels, ClientAction, Encoding, StreamMessage, StreamQuote, StreamTrade,
};
use finstream_schemas::occ::OccSymbol;
use finstream_schemas::{OptionQuote, Quote, Trade, now_nanos};
use futures::{SinkExt, StreamExt};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;

/// What a stream run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StreamStats {
    pub connections: u64,
    pub messages: u64,
    pub backfilled_trades: u64,
    pub duplicates_dropped: u64,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Streams until `shutdown` or a fatal error, sending every data message to `out`.
pub async fn run(
    config: &AlpacaConfig,
    out: mpsc::Sender<StreamMessage>,
    shutdown: CancellationToken,
) -> Result<StreamStats, AlpacaError> {
    let credentials = config.credentials()?;
    let rest = if config.backfill {
        Some(RestClient::new(config)?)
    } else {
        None
    };
    let mut state = Session {
        stats: StreamStats::default(),
        last_trade: HashMap::new(),
        backfilled: HashSet::new(),
    };
    let mut backoff = Backoff::new(
        Duration::from_millis(config.reconnect_min_ms),
        Duration::from_millis(config.reconnect_max_ms),
    );
    loop {
        let started = Instant::now();
        let result = tokio::select! {
            _ = shutdown.cancelled() => return Ok(state.stats),
            r = state.connection(config, &credentials, rest.as_ref(), &out) => r,
        };
        match result {
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => tracing::warn!(error = %e, "alpaca stream lost; reconnecting"),
            Ok(()) => return Ok(state.stats),
        }
        if started.elapsed() > Duration::from_secs(60) {
            backoff.reset();
        }
        let wait = backoff.next_delay();
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(state.stats),
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

struct Session {
    stats: StreamStats,
    /// Event time of the newest trade seen per symbol: where a backfill starts.
    last_trade: HashMap<String, i64>,
    /// Trades delivered by the latest backfill, so the live stream does not repeat them.
    backfilled: HashSet<(String, i64, Option<i64>)>,
}

fn encoding(config: &AlpacaConfig) -> Encoding {
    if config.msgpack {
        Encoding::MsgPack
    } else {
        Encoding::Json
    }
}

fn frame(config: &AlpacaConfig, bytes: Vec<u8>) -> Message {
    match encoding(config) {
        Encoding::MsgPack => Message::binary(bytes),
        Encoding::Json => Message::text(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// The next protocol frame (skipping pings), decoded.
async fn next_messages(
    socket: &mut Socket,
    enc: Encoding,
    within: Duration,
) -> Result<Vec<StreamMessage>, AlpacaError> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let msg = tokio::time::timeout_at(deadline, socket.next())
            .await
            .map_err(|_| AlpacaError::Transient(format!("no answer within {within:?}")))?
            .ok_or_else(|| AlpacaError::Transient("the server closed the stream".into()))?
            .map_err(|e| AlpacaError::Transient(format!("stream read: {e}")))?;
        let bytes = match msg {
            Message::Text(t) => t.as_bytes().to_vec(),
            Message::Binary(b) => b.to_vec(),
            Message::Close(c) => {
                return Err(AlpacaError::Transient(format!(
                    "the server closed the stream: {c:?}"
                )));
            }
            _ => continue,
        };
        return alpaca::decode_frame(&bytes, enc)
            .map_err(|e| AlpacaError::Transient(format!("undecodable frame: {e}")));
    }
}

/// Maps a stream error code to what to do about it.
fn error_of(code: i64, msg: &str) -> AlpacaError {
    match code {
        402 => AlpacaError::Fatal(format!(
            "stream authentication failed (402 {msg}): check APCA_API_KEY_ID and APCA_API_SECRET_KEY"
        )),
        409 => AlpacaError::Fatal(format!(
            "no subscription for this feed (409 {msg}): use feed iex or upgrade the plan"
        )),
        405 => AlpacaError::Fatal(format!("too many symbols for this plan (405 {msg})")),
        410 => AlpacaError::Fatal(format!(
            "this subscription is not valid on this feed (410 {msg})"
        )),
        411 => AlpacaError::Fatal(format!("this feed is not valid (411 {msg})")),
        412 => AlpacaError::Fatal(format!(
            "the options feed needs msgpack (412 {msg}): set alpaca.msgpack = true"
        )),
        413 => AlpacaError::Fatal(format!("* is not allowed for option quotes (413 {msg})")),
        400 | 401 | 403 => AlpacaError::Fatal(format!(
            "protocol error {code} {msg}: this is a bug in finstream's connector"
        )),
        // 404 auth timeout, 406 connection limit, 407 slow client, 500 internal: try again.
        _ => AlpacaError::Transient(format!("stream error {code}: {msg}")),
    }
}

impl Session {
    async fn connection(
        &mut self,
        config: &AlpacaConfig,
        credentials: &Credentials,
        rest: Option<&RestClient>,
        out: &mpsc::Sender<StreamMessage>,
    ) -> Result<(), AlpacaError> {
        let enc = encoding(config);
        let url = format!(
            "{}/{}/{}",
            config.stream_url.trim_end_matches('/'),
            config.stream_version,
            config.feed
        );
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| AlpacaError::Fatal(format!("stream URL {url}: {e}")))?;
        if enc == Encoding::MsgPack {
            request.headers_mut().insert(
                "Content-Type",
                reqwest::header::HeaderValue::from_static("application/msgpack"),
            );
        }
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| AlpacaError::Transient(format!("connecting to {url}: {e}")))?;
        self.stats.connections += 1;
        let handshake = Duration::from_secs(10);

        match next_messages(&mut socket, enc, handshake).await?.first() {
            Some(StreamMessage::Success { msg }) if msg == "connected" => {}
            Some(StreamMessage::Error { code, msg }) => return Err(error_of(*code, msg)),
            other => {
                return Err(AlpacaError::Transient(format!(
                    "expected connected, got {other:?}"
                )));
            }
        }
        let auth = ClientAction::Auth {
            key: credentials.key_id.clone(),
            secret: credentials.secret_key.clone(),
        };
        send(
            &mut socket,
            frame(config, alpaca::encode_action(&auth, enc)),
        )
        .await?;
        match next_messages(&mut socket, enc, handshake).await?.first() {
            Some(StreamMessage::Success { msg }) if msg == "authenticated" => {}
            Some(StreamMessage::Error { code, msg }) => return Err(error_of(*code, msg)),
            other => {
                return Err(AlpacaError::Transient(format!(
                    "expected authenticated, got {other:?}"
                )));
            }
        }
        let wanted = Channels {
            trades: config.symbols.clone(),
            quotes: if config.quotes {
                config.symbols.clone()
            } else {
                Vec::new()
            },
            ..Channels::default()
        };
        send(
            &mut socket,
            frame(
                config,
                alpaca::encode_action(&ClientAction::Subscribe(wanted), enc),
            ),
        )
        .await?;
        match next_messages(&mut socket, enc, handshake).await?.first() {
            Some(StreamMessage::Subscription(got)) => {
                tracing::info!(trades = ?got.trades, quotes = ?got.quotes, url = %url, "alpaca stream subscribed")
            }
            Some(StreamMessage::Error { code, msg }) => return Err(error_of(*code, msg)),
            other => {
                return Err(AlpacaError::Transient(format!(
                    "expected the subscription, got {other:?}"
                )));
            }
        }

        // Live messages are read only after the backfill, so that they follow it in order;
        // the server buffers them meanwhile.
        if let Some(rest) = rest {
            self.backfill(config, rest, out).await?;
        }
        self.read(config, &mut socket, out).await
    }

    async fn backfill(
        &mut self,
        config: &AlpacaConfig,
        rest: &RestClient,
        out: &mpsc::Sender<StreamMessage>,
    ) -> Result<(), AlpacaError> {
        self.backfilled.clear();
        let until = now_nanos();
        let since: Vec<(String, i64)> = self
            .last_trade
            .iter()
            .map(|(s, t)| (s.clone(), *t))
            .collect();
        for (symbol, last) in since {
            let missed = rest.trades(&symbol, last + 1, until, &config.feed).await?;
            if !missed.is_empty() {
                tracing::info!(symbol = %symbol, trades = missed.len(), "backfilled trades missed while disconnected");
            }
            for t in missed {
                self.backfilled.insert((t.symbol.clone(), t.time, t.id));
                self.deliver(StreamMessage::Trade(t), out).await?;
                self.stats.backfilled_trades += 1;
            }
        }
        Ok(())
    }

    async fn deliver(
        &mut self,
        message: StreamMessage,
        out: &mpsc::Sender<StreamMessage>,
    ) -> Result<(), AlpacaError> {
        if let StreamMessage::Trade(t) = &message {
            let last = self.last_trade.entry(t.symbol.clone()).or_insert(t.time);
            *last = (*last).max(t.time);
        }
        out.send(message)
            .await
            .map_err(|_| AlpacaError::Fatal("the consumer of the stream stopped".into()))
    }

    async fn read(
        &mut self,
        config: &AlpacaConfig,
        socket: &mut Socket,
        out: &mpsc::Sender<StreamMessage>,
    ) -> Result<(), AlpacaError> {
        let enc = encoding(config);
        let silence = config.silence_timeout();
        let mut ping = tokio::time::interval(silence / 3);
        ping.tick().await;
        let mut last_frame = Instant::now();
        loop {
            let msg = tokio::select! {
                m = socket.next() => m,
                _ = ping.tick() => {
                    if last_frame.elapsed() > silence {
                        return Err(AlpacaError::Transient(format!("no frame for {silence:?}; the socket is presumed dead")));
                    }
                    send(socket, Message::Ping(Default::default())).await?;
                    continue;
                }
            };
            let msg = msg
                .ok_or_else(|| AlpacaError::Transient("the server closed the stream".into()))?
                .map_err(|e| AlpacaError::Transient(format!("stream read: {e}")))?;
            last_frame = Instant::now();
            let bytes = match msg {
                Message::Text(t) => t.as_bytes().to_vec(),
                Message::Binary(b) => b.to_vec(),
                Message::Close(c) => {
                    return Err(AlpacaError::Transient(format!(
                        "the server closed the stream: {c:?}"
                    )));
                }
                _ => continue,
            };
            let messages = match alpaca::decode_frame(&bytes, enc) {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %e, "skipping an undecodable alpaca frame");
                    continue;
                }
            };
            for m in messages {
                match m {
                    StreamMessage::Error { code, msg } => return Err(error_of(code, &msg)),
                    StreamMessage::Trade(t)
                        if self.backfilled.contains(&(t.symbol.clone(), t.time, t.id)) =>
                    {
                        self.stats.duplicates_dropped += 1;
                    }
                    StreamMessage::Trade(_)
                    | StreamMessage::Quote(_)
                    | StreamMessage::Bar { .. }
                    | StreamMessage::Status(_) => {
                        self.stats.messages += 1;
                        self.deliver(m, out).await?;
                    }
                    _ => {}
                }
            }
        }
    }
}

async fn send(socket: &mut Socket, msg: Message) -> Result<(), AlpacaError> {
    socket
        .send(msg)
        .await
        .map_err(|e| AlpacaError::Transient(format!("stream write: {e}")))
}

/// An Alpaca trade as a finstream event; the id is stable, so a re-delivered trade is
/// recognised downstream.
pub fn trade_event(feed: &str, t: &StreamTrade) -> Trade {
    Trade {
        id: format!(
            "alpaca:{feed}:{}:{}:{}",
            t.symbol,
            t.time,
            t.id.map_or_else(|| "-".to_string(), |i| i.to_string())
        ),
        symbol: t.symbol.clone(),
        price: t.price,
        size: t.size,
        event_time: t.time,
        trade_id: t.id,
        exchange: t.exchange.clone(),
        conditions: t.conditions.clone(),
        tape: t.tape.clone(),
        source: "alpaca".into(),
    }
}

/// An option quote from Alpaca's options feed as a finstream event, if its symbol is an
/// OCC option symbol.
pub fn option_quote_event(feed: &str, q: &StreamQuote) -> Result<OptionQuote, String> {
    let occ = OccSymbol::parse(&q.symbol)?;
    Ok(OptionQuote {
        id: format!("alpaca:{feed}:{}:{}:q", q.symbol, q.time),
        contract: q.symbol.clone(),
        underlying: occ.root,
        expiration: occ.expiration,
        strike: occ.strike,
        right: occ.right,
        bid_price: q.bid_price,
        bid_size: q.bid_size,
        ask_price: q.ask_price,
        ask_size: q.ask_size,
        last_price: None,
        volume: 0,
        open_interest: 0,
        event_time: q.time,
        source: "alpaca".into(),
    })
}

/// An Alpaca quote as a finstream event.
pub fn quote_event(feed: &str, q: &StreamQuote) -> Quote {
    Quote {
        id: format!("alpaca:{feed}:{}:{}:q", q.symbol, q.time),
        symbol: q.symbol.clone(),
        bid_price: q.bid_price,
        bid_size: q.bid_size,
        ask_price: q.ask_price,
        ask_size: q.ask_size,
        event_time: q.time,
        bid_exchange: q.bid_exchange.clone(),
        ask_exchange: q.ask_exchange.clone(),
        conditions: q.conditions.clone(),
        tape: q.tape.clone(),
        source: "alpaca".into(),
    }
}
