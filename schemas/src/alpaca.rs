//! Alpaca's market-data stream protocol (v2 stocks, v1beta1 options), both directions and
//! both encodings: JSON text frames, and msgpack binary frames whose timestamps are the
//! msgpack timestamp extension (type -1) and whose maps carry `T` first, as Alpaca's SDKs
//! require. The connector in `finstream-sources` decodes what Alpaca sends with it; the
//! gateway's Alpaca-compatible stream and the fake server in tests encode with it.
//!
//! Decoding is loose on purpose (any key order, missing optional fields, null channel
//! lists, a condition given as one string on the options feed); encoding is exact.

use std::fmt;

/// How frames are encoded on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JSON text frames (the default).
    Json,
    /// msgpack binary frames (`Content-Type: application/msgpack`; the options feed).
    MsgPack,
}

/// A message from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamMessage {
    /// `{"T":"success","msg":"connected"|"authenticated"}`.
    Success {
        msg: String,
    },
    /// `{"T":"error","code":N,"msg":"..."}`.
    Error {
        code: i64,
        msg: String,
    },
    /// The whole current subscription, after each subscribe or unsubscribe.
    Subscription(Channels),
    Trade(StreamTrade),
    Quote(StreamQuote),
    Bar {
        kind: BarKind,
        bar: StreamBar,
    },
    Status(StreamStatus),
    /// A message type this version does not know; skipped, not an error.
    Unknown {
        kind: String,
    },
}

/// Symbols per channel, as in subscribe requests and subscription replies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channels {
    pub trades: Vec<String>,
    pub quotes: Vec<String>,
    pub bars: Vec<String>,
    pub updated_bars: Vec<String>,
    pub daily_bars: Vec<String>,
    pub statuses: Vec<String>,
    pub lulds: Vec<String>,
    pub corrections: Vec<String>,
    pub cancel_errors: Vec<String>,
}

/// Channel names on the wire, in the order Alpaca's replies list them.
pub const CHANNEL_NAMES: [&str; 9] = [
    "trades",
    "quotes",
    "bars",
    "updatedBars",
    "dailyBars",
    "statuses",
    "lulds",
    "corrections",
    "cancelErrors",
];

impl Channels {
    pub fn get(&self, name: &str) -> Option<&Vec<String>> {
        Some(match name {
            "trades" => &self.trades,
            "quotes" => &self.quotes,
            "bars" => &self.bars,
            "updatedBars" => &self.updated_bars,
            "dailyBars" => &self.daily_bars,
            "statuses" => &self.statuses,
            "lulds" => &self.lulds,
            "corrections" => &self.corrections,
            "cancelErrors" => &self.cancel_errors,
            _ => return None,
        })
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Vec<String>> {
        Some(match name {
            "trades" => &mut self.trades,
            "quotes" => &mut self.quotes,
            "bars" => &mut self.bars,
            "updatedBars" => &mut self.updated_bars,
            "dailyBars" => &mut self.daily_bars,
            "statuses" => &mut self.statuses,
            "lulds" => &mut self.lulds,
            "corrections" => &mut self.corrections,
            "cancelErrors" => &mut self.cancel_errors,
            _ => return None,
        })
    }

    pub fn is_empty(&self) -> bool {
        CHANNEL_NAMES
            .iter()
            .all(|n| self.get(n).is_none_or(Vec::is_empty))
    }
}

/// A trade (`T: "t"`).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamTrade {
    pub symbol: String,
    pub id: Option<i64>,
    pub exchange: Option<String>,
    pub price: f64,
    pub size: f64,
    pub conditions: Vec<String>,
    /// Nanoseconds since the Unix epoch, UTC.
    pub time: i64,
    pub tape: Option<String>,
}

/// A quote (`T: "q"`).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamQuote {
    pub symbol: String,
    pub bid_exchange: Option<String>,
    pub bid_price: f64,
    pub bid_size: f64,
    pub ask_exchange: Option<String>,
    pub ask_price: f64,
    pub ask_size: f64,
    pub conditions: Vec<String>,
    pub time: i64,
    pub tape: Option<String>,
}

/// Which bar channel a bar came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarKind {
    /// `T: "b"`, minute bars.
    Minute,
    /// `T: "u"`, a minute bar corrected by late trades.
    Updated,
    /// `T: "d"`, the day's bar so far.
    Daily,
}

impl BarKind {
    fn code(self) -> &'static str {
        match self {
            BarKind::Minute => "b",
            BarKind::Updated => "u",
            BarKind::Daily => "d",
        }
    }
}

/// A bar (`T: "b" | "u" | "d"`).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamBar {
    pub symbol: String,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub trade_count: Option<i64>,
    pub vwap: Option<f64>,
    /// Start of the bar, nanoseconds since the Unix epoch, UTC.
    pub time: i64,
}

/// A trading status (`T: "s"`).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamStatus {
    pub symbol: String,
    pub status_code: String,
    pub status_message: String,
    pub reason_code: String,
    pub reason_message: String,
    pub time: i64,
    pub tape: Option<String>,
}

/// A message from the client.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientAction {
    Auth { key: String, secret: String },
    Subscribe(Channels),
    Unsubscribe(Channels),
}

/// A frame that is not what the protocol allows; the message says what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

fn err<T>(msg: impl Into<String>) -> Result<T, WireError> {
    Err(WireError(msg.into()))
}

// ---------------------------------------------------------------------------------------
// Time

/// Parses RFC 3339 (`2024-04-25T20:00:00.259610112Z`, any offset) to nanoseconds.
pub fn parse_rfc3339(s: &str) -> Result<i64, WireError> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| WireError(format!("timestamp {s:?} is not RFC 3339: {e}")))?;
    i64::try_from(t.unix_timestamp_nanos())
        .map_err(|_| WireError(format!("timestamp {s:?} is out of range")))
}

/// Formats nanoseconds as RFC 3339 in UTC with nine fractional digits, as Alpaca does.
pub fn format_rfc3339(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{frac:09}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => "1970-01-01T00:00:00.000000000Z".to_string(),
    }
}

/// The msgpack timestamp extension (type -1) body for nanoseconds since the epoch.
pub fn msgpack_timestamp(nanos: i64) -> Vec<u8> {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000) as u64;
    if (0..1 << 34).contains(&secs) {
        ((frac << 34) | secs as u64).to_be_bytes().to_vec()
    } else {
        let mut out = (frac as u32).to_be_bytes().to_vec();
        out.extend_from_slice(&secs.to_be_bytes());
        out
    }
}

fn parse_msgpack_timestamp(body: &[u8]) -> Result<i64, WireError> {
    let (secs, nanos): (i64, i64) = match body.len() {
        4 => (
            i64::from(u32::from_be_bytes([body[0], body[1], body[2], body[3]])),
            0,
        ),
        8 => {
            let v = u64::from_be_bytes([
                body[0], body[1], body[2], body[3], body[4], body[5], body[6], body[7],
            ]);
            ((v & ((1 << 34) - 1)) as i64, (v >> 34) as i64)
        }
        12 => {
            let n = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
            let s = i64::from_be_bytes([
                body[4], body[5], body[6], body[7], body[8], body[9], body[10], body[11],
            ]);
            (s, i64::from(n))
        }
        n => return err(format!("a msgpack timestamp has 4, 8 or 12 bytes, not {n}")),
    };
    secs.checked_mul(1_000_000_000)
        .and_then(|s| s.checked_add(nanos))
        .ok_or_else(|| WireError("msgpack timestamp out of range".into()))
}

// ---------------------------------------------------------------------------------------
// A read-only view over JSON or msgpack values, so one decoder serves both encodings.

#[derive(Clone, Copy)]
enum Node<'a> {
    Json(&'a serde_json::Value),
    Pack(&'a rmpv::Value),
}

impl<'a> Node<'a> {
    fn get(self, key: &str) -> Option<Node<'a>> {
        match self {
            Node::Json(v) => v.get(key).filter(|v| !v.is_null()).map(Node::Json),
            Node::Pack(rmpv::Value::Map(pairs)) => pairs
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v)
                .filter(|v| !v.is_nil())
                .map(Node::Pack),
            Node::Pack(_) => None,
        }
    }

    fn is_map(self) -> bool {
        match self {
            Node::Json(v) => v.is_object(),
            Node::Pack(v) => v.is_map(),
        }
    }

    fn str(self) -> Option<&'a str> {
        match self {
            Node::Json(v) => v.as_str(),
            Node::Pack(v) => v.as_str(),
        }
    }

    fn f64(self) -> Option<f64> {
        match self {
            Node::Json(v) => v.as_f64(),
            Node::Pack(v) => v
                .as_f64()
                .or_else(|| v.as_i64().map(|i| i as f64))
                .or_else(|| v.as_u64().map(|u| u as f64)),
        }
    }

    fn i64(self) -> Option<i64> {
        match self {
            Node::Json(v) => v.as_i64(),
            Node::Pack(v) => v.as_i64(),
        }
    }

    fn strings(self) -> Vec<String> {
        match self {
            Node::Json(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Node::Pack(rmpv::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            // The options feed sends one condition as a plain string.
            other => other.str().map(|s| vec![s.to_string()]).unwrap_or_default(),
        }
    }

    fn time(self) -> Result<i64, WireError> {
        match self {
            Node::Json(v) => match v.as_str() {
                Some(s) => parse_rfc3339(s),
                None => err("a timestamp must be an RFC 3339 string"),
            },
            Node::Pack(rmpv::Value::Ext(-1, body)) => parse_msgpack_timestamp(body),
            Node::Pack(rmpv::Value::String(s)) => parse_rfc3339(s.as_str().unwrap_or("")),
            Node::Pack(_) => err("a msgpack timestamp must be the timestamp extension (type -1)"),
        }
    }

    fn items(self) -> Vec<Node<'a>> {
        match self {
            Node::Json(serde_json::Value::Array(a)) => a.iter().map(Node::Json).collect(),
            Node::Pack(rmpv::Value::Array(a)) => a.iter().map(Node::Pack).collect(),
            other if other.is_map() => vec![other],
            _ => Vec::new(),
        }
    }
}

fn need_f64(node: Node<'_>, key: &str, kind: &str) -> Result<f64, WireError> {
    node.get(key)
        .and_then(Node::f64)
        .ok_or_else(|| WireError(format!("{kind} message without numeric {key:?}")))
}

fn need_str(node: Node<'_>, key: &str, kind: &str) -> Result<String, WireError> {
    node.get(key)
        .and_then(Node::str)
        .map(str::to_string)
        .ok_or_else(|| WireError(format!("{kind} message without {key:?}")))
}

fn opt_str(node: Node<'_>, key: &str) -> Option<String> {
    node.get(key).and_then(Node::str).map(str::to_string)
}

fn need_time(node: Node<'_>, kind: &str) -> Result<i64, WireError> {
    node.get("t")
        .ok_or_else(|| WireError(format!("{kind} message without \"t\"")))?
        .time()
}

fn channels_of(node: Node<'_>) -> Channels {
    let mut c = Channels::default();
    for name in CHANNEL_NAMES {
        if let (Some(list), Some(slot)) = (node.get(name), c.get_mut(name)) {
            *slot = list.strings();
        }
    }
    c
}

fn symbol_of(node: Node<'_>, given: Option<&str>, kind: &str) -> Result<String, WireError> {
    match given {
        Some(s) => Ok(s.to_string()),
        None => need_str(node, "S", kind),
    }
}

fn trade_of(node: Node<'_>, symbol: Option<&str>) -> Result<StreamTrade, WireError> {
    Ok(StreamTrade {
        symbol: symbol_of(node, symbol, "trade")?,
        id: node.get("i").and_then(Node::i64),
        exchange: opt_str(node, "x"),
        price: need_f64(node, "p", "trade")?,
        size: need_f64(node, "s", "trade")?,
        conditions: node.get("c").map(Node::strings).unwrap_or_default(),
        time: need_time(node, "trade")?,
        tape: opt_str(node, "z"),
    })
}

fn quote_of(node: Node<'_>, symbol: Option<&str>) -> Result<StreamQuote, WireError> {
    Ok(StreamQuote {
        symbol: symbol_of(node, symbol, "quote")?,
        bid_exchange: opt_str(node, "bx"),
        bid_price: need_f64(node, "bp", "quote")?,
        bid_size: need_f64(node, "bs", "quote")?,
        ask_exchange: opt_str(node, "ax"),
        ask_price: need_f64(node, "ap", "quote")?,
        ask_size: need_f64(node, "as", "quote")?,
        conditions: node.get("c").map(Node::strings).unwrap_or_default(),
        time: need_time(node, "quote")?,
        tape: opt_str(node, "z"),
    })
}

fn bar_of(node: Node<'_>, symbol: Option<&str>) -> Result<StreamBar, WireError> {
    Ok(StreamBar {
        symbol: symbol_of(node, symbol, "bar")?,
        open: need_f64(node, "o", "bar")?,
        high: need_f64(node, "h", "bar")?,
        low: need_f64(node, "l", "bar")?,
        close: need_f64(node, "c", "bar")?,
        volume: need_f64(node, "v", "bar")?,
        trade_count: node.get("n").and_then(Node::i64),
        vwap: node.get("vw").and_then(Node::f64),
        time: need_time(node, "bar")?,
    })
}

/// A trade as the REST API lists it (`{"t","x","p","s","c","i","z"}`, symbol given apart).
pub fn rest_trade(item: &serde_json::Value, symbol: &str) -> Result<StreamTrade, WireError> {
    trade_of(Node::Json(item), Some(symbol))
}

/// A quote as the REST API lists it.
pub fn rest_quote(item: &serde_json::Value, symbol: &str) -> Result<StreamQuote, WireError> {
    quote_of(Node::Json(item), Some(symbol))
}

/// A bar as the REST API lists it (`{"t","o","h","l","c","v","n","vw"}`).
pub fn rest_bar(item: &serde_json::Value, symbol: &str) -> Result<StreamBar, WireError> {
    bar_of(Node::Json(item), Some(symbol))
}

fn message(node: Node<'_>) -> Result<StreamMessage, WireError> {
    let kind = node
        .get("T")
        .and_then(Node::str)
        .ok_or_else(|| WireError("message without \"T\"".into()))?;
    Ok(match kind {
        "success" => StreamMessage::Success {
            msg: opt_str(node, "msg").unwrap_or_default(),
        },
        "error" => StreamMessage::Error {
            code: node.get("code").and_then(Node::i64).unwrap_or(0),
            msg: opt_str(node, "msg").unwrap_or_default(),
        },
        "subscription" => StreamMessage::Subscription(channels_of(node)),
        "t" => StreamMessage::Trade(trade_of(node, None)?),
        "q" => StreamMessage::Quote(quote_of(node, None)?),
        "b" | "u" | "d" => StreamMessage::Bar {
            kind: match kind {
                "b" => BarKind::Minute,
                "u" => BarKind::Updated,
                _ => BarKind::Daily,
            },
            bar: bar_of(node, None)?,
        },
        "s" => StreamMessage::Status(StreamStatus {
            symbol: need_str(node, "S", "status")?,
            status_code: opt_str(node, "sc").unwrap_or_default(),
            status_message: opt_str(node, "sm").unwrap_or_default(),
            reason_code: opt_str(node, "rc").unwrap_or_default(),
            reason_message: opt_str(node, "rm").unwrap_or_default(),
            time: need_time(node, "status")?,
            tape: opt_str(node, "z"),
        }),
        other => StreamMessage::Unknown {
            kind: other.to_string(),
        },
    })
}

fn frame_items(root: Node<'_>) -> Result<Vec<Node<'_>>, WireError> {
    let is_array = matches!(
        root,
        Node::Json(serde_json::Value::Array(_)) | Node::Pack(rmpv::Value::Array(_))
    );
    if !is_array && !root.is_map() {
        return err("a frame is an array of messages (or one message object)");
    }
    Ok(root.items())
}

/// Decodes one server frame (an array of messages).
pub fn decode_frame(bytes: &[u8], encoding: Encoding) -> Result<Vec<StreamMessage>, WireError> {
    match encoding {
        Encoding::Json => {
            let v: serde_json::Value =
                serde_json::from_slice(bytes).map_err(|e| WireError(format!("not JSON: {e}")))?;
            frame_items(Node::Json(&v))?
                .into_iter()
                .map(message)
                .collect()
        }
        Encoding::MsgPack => {
            let v = rmpv::decode::read_value(&mut &bytes[..])
                .map_err(|e| WireError(format!("not msgpack: {e}")))?;
            frame_items(Node::Pack(&v))?
                .into_iter()
                .map(message)
                .collect()
        }
    }
}

/// Decodes one client frame (an action object).
pub fn decode_action(bytes: &[u8], encoding: Encoding) -> Result<ClientAction, WireError> {
    let json;
    let pack;
    let node = match encoding {
        Encoding::Json => {
            json = serde_json::from_slice::<serde_json::Value>(bytes)
                .map_err(|e| WireError(format!("not JSON: {e}")))?;
            Node::Json(&json)
        }
        Encoding::MsgPack => {
            pack = rmpv::decode::read_value(&mut &bytes[..])
                .map_err(|e| WireError(format!("not msgpack: {e}")))?;
            Node::Pack(&pack)
        }
    };
    if !node.is_map() {
        return err("a client message is an object with an \"action\"");
    }
    match node.get("action").and_then(Node::str) {
        Some("auth") => Ok(ClientAction::Auth {
            key: opt_str(node, "key").unwrap_or_default(),
            secret: opt_str(node, "secret").unwrap_or_default(),
        }),
        Some("subscribe") => Ok(ClientAction::Subscribe(channels_of(node))),
        Some("unsubscribe") => Ok(ClientAction::Unsubscribe(channels_of(node))),
        Some(other) => err(format!("unknown action {other:?}")),
        None => err("missing \"action\""),
    }
}

// ---------------------------------------------------------------------------------------
// Encoding: maps are written as ordered pairs so that `T` comes first.

enum Val {
    Str(String),
    F64(f64),
    I64(i64),
    Time(i64),
    Strs(Vec<String>),
}

fn fields(m: &StreamMessage) -> Vec<(&'static str, Val)> {
    use Val::*;
    let opt = |k: &'static str, v: &Option<String>| v.clone().map(|s| (k, Str(s)));
    match m {
        StreamMessage::Success { msg } => {
            vec![("T", Str("success".into())), ("msg", Str(msg.clone()))]
        }
        StreamMessage::Error { code, msg } => vec![
            ("T", Str("error".into())),
            ("code", I64(*code)),
            ("msg", Str(msg.clone())),
        ],
        StreamMessage::Subscription(c) => std::iter::once(("T", Str("subscription".into())))
            .chain(
                CHANNEL_NAMES
                    .iter()
                    .map(|n| (*n, Strs(c.get(n).cloned().unwrap_or_default()))),
            )
            .collect(),
        StreamMessage::Trade(t) => [
            Some(("T", Str("t".into()))),
            Some(("S", Str(t.symbol.clone()))),
            t.id.map(|i| ("i", I64(i))),
            opt("x", &t.exchange),
            Some(("p", F64(t.price))),
            Some(("s", F64(t.size))),
            Some(("c", Strs(t.conditions.clone()))),
            Some(("t", Time(t.time))),
            opt("z", &t.tape),
        ]
        .into_iter()
        .flatten()
        .collect(),
        StreamMessage::Quote(q) => [
            Some(("T", Str("q".into()))),
            Some(("S", Str(q.symbol.clone()))),
            opt("bx", &q.bid_exchange),
            Some(("bp", F64(q.bid_price))),
            Some(("bs", F64(q.bid_size))),
            opt("ax", &q.ask_exchange),
            Some(("ap", F64(q.ask_price))),
            Some(("as", F64(q.ask_size))),
            Some(("c", Strs(q.conditions.clone()))),
            Some(("t", Time(q.time))),
            opt("z", &q.tape),
        ]
        .into_iter()
        .flatten()
        .collect(),
        StreamMessage::Bar { kind, bar } => [
            Some(("T", Str(kind.code().into()))),
            Some(("S", Str(bar.symbol.clone()))),
            Some(("o", F64(bar.open))),
            Some(("h", F64(bar.high))),
            Some(("l", F64(bar.low))),
            Some(("c", F64(bar.close))),
            Some(("v", F64(bar.volume))),
            bar.trade_count.map(|n| ("n", I64(n))),
            bar.vwap.map(|v| ("vw", F64(v))),
            Some(("t", Time(bar.time))),
        ]
        .into_iter()
        .flatten()
        .collect(),
        StreamMessage::Status(s) => [
            Some(("T", Str("s".into()))),
            Some(("S", Str(s.symbol.clone()))),
            Some(("sc", Str(s.status_code.clone()))),
            Some(("sm", Str(s.status_message.clone()))),
            Some(("rc", Str(s.reason_code.clone()))),
            Some(("rm", Str(s.reason_message.clone()))),
            Some(("t", Time(s.time))),
            opt("z", &s.tape),
        ]
        .into_iter()
        .flatten()
        .collect(),
        StreamMessage::Unknown { kind } => vec![("T", Str(kind.clone()))],
    }
}

fn json_number(x: f64) -> serde_json::Value {
    // Whole sizes and volumes print as integers, as Alpaca's feed does.
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        serde_json::Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

fn pack_number(x: f64) -> rmpv::Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        rmpv::Value::from(x as i64)
    } else {
        rmpv::Value::F64(x)
    }
}

/// Encodes server messages as one frame (an array), `T` first in every map.
pub fn encode_frame(messages: &[StreamMessage], encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Json => {
            // serde_json keeps insertion order only with preserve_order; write by hand.
            let mut out = String::from("[");
            for (i, m) in messages.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('{');
                for (j, (k, v)) in fields(m).into_iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::from(k).to_string());
                    out.push(':');
                    let value = match v {
                        Val::Str(s) => serde_json::Value::from(s),
                        Val::F64(x) => json_number(x),
                        Val::I64(x) => serde_json::Value::from(x),
                        Val::Time(t) => serde_json::Value::from(format_rfc3339(t)),
                        Val::Strs(list) => serde_json::Value::from(list),
                    };
                    out.push_str(&value.to_string());
                }
                out.push('}');
            }
            out.push(']');
            out.into_bytes()
        }
        Encoding::MsgPack => {
            let array = messages
                .iter()
                .map(|m| {
                    rmpv::Value::Map(
                        fields(m)
                            .into_iter()
                            .map(|(k, v)| {
                                let value = match v {
                                    Val::Str(s) => rmpv::Value::from(s),
                                    Val::F64(x) => pack_number(x),
                                    Val::I64(x) => rmpv::Value::from(x),
                                    Val::Time(t) => rmpv::Value::Ext(-1, msgpack_timestamp(t)),
                                    Val::Strs(list) => rmpv::Value::Array(
                                        list.into_iter().map(rmpv::Value::from).collect(),
                                    ),
                                };
                                (rmpv::Value::from(k), value)
                            })
                            .collect(),
                    )
                })
                .collect();
            let mut out = Vec::new();
            // Writing into a Vec cannot fail.
            let _ = rmpv::encode::write_value(&mut out, &rmpv::Value::Array(array));
            out
        }
    }
}

/// Encodes a client action.
pub fn encode_action(action: &ClientAction, encoding: Encoding) -> Vec<u8> {
    let (name, pairs): (&str, Vec<(&str, serde_json::Value)>) = match action {
        ClientAction::Auth { key, secret } => (
            "auth",
            vec![
                ("key", key.clone().into()),
                ("secret", secret.clone().into()),
            ],
        ),
        ClientAction::Subscribe(c) | ClientAction::Unsubscribe(c) => (
            if matches!(action, ClientAction::Subscribe(_)) {
                "subscribe"
            } else {
                "unsubscribe"
            },
            CHANNEL_NAMES
                .iter()
                .filter_map(|n| {
                    c.get(n)
                        .filter(|l| !l.is_empty())
                        .map(|l| (*n, serde_json::Value::from(l.clone())))
                })
                .collect(),
        ),
    };
    match encoding {
        Encoding::Json => {
            let mut map = serde_json::Map::new();
            map.insert("action".into(), name.into());
            for (k, v) in pairs {
                map.insert(k.into(), v);
            }
            serde_json::Value::Object(map).to_string().into_bytes()
        }
        Encoding::MsgPack => {
            let mut entries = vec![(rmpv::Value::from("action"), rmpv::Value::from(name))];
            for (k, v) in pairs {
                let value = match v {
                    serde_json::Value::String(s) => rmpv::Value::from(s),
                    serde_json::Value::Array(a) => rmpv::Value::Array(
                        a.into_iter()
                            .filter_map(|x| x.as_str().map(rmpv::Value::from))
                            .collect(),
                    ),
                    _ => rmpv::Value::Nil,
                };
                entries.push((rmpv::Value::from(k), value));
            }
            let mut out = Vec::new();
            let _ = rmpv::encode::write_value(&mut out, &rmpv::Value::Map(entries));
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_714_075_200_259_610_112; // 2024-04-25T20:00:00.259610112Z

    fn trade() -> StreamMessage {
        StreamMessage::Trade(StreamTrade {
            symbol: "AAPL".into(),
            id: Some(52983525029461),
            exchange: Some("V".into()),
            price: 169.1,
            size: 100.0,
            conditions: vec!["@".into()],
            time: T,
            tape: Some("C".into()),
        })
    }

    #[test]
    fn rfc3339_round_trips_with_nanoseconds_and_offsets() {
        assert_eq!(format_rfc3339(T), "2024-04-25T20:00:00.259610112Z");
        assert_eq!(parse_rfc3339("2024-04-25T20:00:00.259610112Z"), Ok(T));
        // alpaca-py sends +00:00 rather than Z.
        assert_eq!(parse_rfc3339("2024-04-25T16:00:00.259610112-04:00"), Ok(T));
        assert!(parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn msgpack_timestamps_use_the_extension_in_all_three_sizes() {
        let body = msgpack_timestamp(T);
        assert_eq!(body.len(), 8);
        assert_eq!(parse_msgpack_timestamp(&body), Ok(T));
        assert_eq!(parse_msgpack_timestamp(&[0, 0, 0, 5]), Ok(5_000_000_000));
        let before_1970 = msgpack_timestamp(-1_500_000_000);
        assert_eq!(before_1970.len(), 12);
        assert_eq!(parse_msgpack_timestamp(&before_1970), Ok(-1_500_000_000));
        assert!(parse_msgpack_timestamp(&[1, 2, 3]).is_err());
    }

    #[test]
    fn frames_round_trip_in_both_encodings_with_t_first() {
        let msgs = vec![
            StreamMessage::Success {
                msg: "connected".into(),
            },
            trade(),
            StreamMessage::Bar {
                kind: BarKind::Updated,
                bar: StreamBar {
                    symbol: "SPY".into(),
                    open: 1.0,
                    high: 2.0,
                    low: 0.5,
                    close: 1.5,
                    volume: 10.0,
                    trade_count: Some(3),
                    vwap: Some(1.25),
                    time: T,
                },
            },
            StreamMessage::Error {
                code: 402,
                msg: "auth failed".into(),
            },
        ];
        for enc in [Encoding::Json, Encoding::MsgPack] {
            let bytes = encode_frame(&msgs, enc);
            assert_eq!(decode_frame(&bytes, enc), Ok(msgs.clone()), "{enc:?}");
        }
        let json = String::from_utf8(encode_frame(&[trade()], Encoding::Json)).expect("utf-8");
        assert!(json.starts_with("[{\"T\":\"t\",\"S\":\"AAPL\""), "{json}");
        assert!(
            json.contains("\"t\":\"2024-04-25T20:00:00.259610112Z\""),
            "{json}"
        );
        let pack = rmpv::decode::read_value(&mut &encode_frame(&[trade()], Encoding::MsgPack)[..])
            .expect("msgpack");
        let first = &pack[0];
        let map = first.as_map().expect("a map");
        assert_eq!(map[0].0.as_str(), Some("T"));
        let t = map
            .iter()
            .find(|(k, _)| k.as_str() == Some("t"))
            .map(|(_, v)| v)
            .expect("t");
        assert!(matches!(t, rmpv::Value::Ext(-1, _)), "{t:?}");
    }

    #[test]
    fn decoding_is_loose_about_order_nulls_and_option_conditions() {
        let json = br#"[{"p":1.5,"S":"AAPL240503P00155000","T":"t","t":"2024-04-25T20:00:00Z","s":2,"c":"I","x":"N"}]"#;
        match decode_frame(json, Encoding::Json)
            .expect("decodes")
            .as_slice()
        {
            [StreamMessage::Trade(t)] => assert_eq!(t.conditions, vec!["I".to_string()]),
            other => panic!("{other:?}"),
        }
        let sub = br#"{"action":"subscribe","trades":["AAPL"],"quotes":null,"bars":["*"],"dailyBars":[]}"#;
        match decode_action(sub, Encoding::Json).expect("decodes") {
            ClientAction::Subscribe(c) => {
                assert_eq!(c.trades, vec!["AAPL"]);
                assert!(c.quotes.is_empty());
                assert_eq!(c.bars, vec!["*"]);
            }
            other => panic!("{other:?}"),
        }
        for enc in [Encoding::Json, Encoding::MsgPack] {
            let auth = ClientAction::Auth {
                key: "k".into(),
                secret: "s".into(),
            };
            assert_eq!(decode_action(&encode_action(&auth, enc), enc), Ok(auth));
        }
    }

    #[test]
    fn bad_frames_say_what_is_wrong() {
        assert!(
            decode_frame(b"[{\"S\":\"X\"}]", Encoding::Json)
                .expect_err("no T")
                .0
                .contains("\"T\"")
        );
        assert!(
            decode_frame(b"[{\"T\":\"t\",\"S\":\"X\",\"p\":1}]", Encoding::Json)
                .expect_err("no size")
                .0
                .contains("\"s\"")
        );
        assert!(
            decode_action(b"{\"action\":\"dance\"}", Encoding::Json)
                .expect_err("unknown")
                .0
                .contains("dance")
        );
        assert!(decode_frame(b"\xc1", Encoding::MsgPack).is_err());
        assert!(matches!(
            decode_frame(b"[{\"T\":\"luld\"}]", Encoding::Json).as_deref(),
            Ok([StreamMessage::Unknown { .. }])
        ));
    }
}
