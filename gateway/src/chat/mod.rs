//! Chat rooms: over WebSocket at `/v1/chat` (and `/chat`), with a REST fallback for
//! every action under `/v1/chat/rooms/...`.
//!
//! A message exists once its event is on `chat.messages.v1` (keyed by room, so a room's
//! events keep their order on one partition): the gateway that accepts an action
//! validates it, masks sensitive patterns, produces it, and acknowledges with the
//! partition and offset once the bus has it. Every gateway's fan-out reads the topic and
//! delivers each event to the room's members it serves ([`crate::hub`], the room as the
//! key); persist writes it to the hot store, where history pages come from. Resume after a
//! reconnect is the stream's: offsets per partition, replayed from the log.
//!
//! Beside the log ([`signals`]): membership, presence, read markers and the ephemeral
//! signals (presence changes, typing, the assistant's pieces), in Redis or in memory.
//! Search ([`search`]): a tantivy index per gateway fed from the topic.
//!
//! History is the room's events in order (posts, edits, deletions, reactions), as they
//! were delivered live: a client applies an edit, deletion or reaction to the message its
//! `target_id` names.

pub mod search;
pub mod signals;
pub mod ws;

use crate::auth::{Identity, RateLimiter, Role};
use crate::docs::DocsState;
use crate::error::{ApiError, ErrorBody};
use crate::hub::{Hub, room_key};
use crate::rest::Store;
use crate::rest::params::Body;
use axum::Json;
use axum::extract::ws::Utf8Bytes;
use axum::extract::{FromRef, Multipart, Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use finstream_bus::{Bus, Producer, StartFrom, record::OutRecord};
use finstream_schemas::alpaca::format_rfc3339;
use finstream_schemas::{ChatAction, ChatMessage, Codec, Event, EventKind, catalog, now_nanos};
use finstream_storage::{ChatCursor, Objects};
use regex::Regex;
use search::{ChatIndex, Found, SearchQuery};
use serde::{Deserialize, Serialize};
use signals::{Signal, Signals};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use utoipa::{IntoParams, ToSchema};

/// The `gateway.chat` section.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ChatConfig {
    /// Characters one message may hold.
    pub max_message_chars: usize,
    /// Bytes of a message's `context` (a JSON object).
    pub max_context_bytes: usize,
    /// Actions (send, edit, delete, react) per user per minute; 0: unlimited.
    pub messages_per_user: u32,
    /// Actions per room per minute, whoever sends them; 0: unlimited.
    pub messages_per_room: u32,
    /// A session not heard from for this long is offline (its gateway died, its client
    /// vanished); live sessions are refreshed at a third of it.
    pub presence_ttl_secs: u64,
    /// The largest page of history one request returns.
    pub history_page_max: usize,
    /// Regular expressions masked in every message before it is stored or delivered;
    /// a match keeps its last four letters or digits (`••••1234`).
    pub mask_patterns: Vec<String>,
    /// Rooms where the assistant answers every message, not only those naming @assistant.
    pub assistant_rooms: Vec<String>,
    /// Largest attachment, in MiB.
    pub max_attachment_mib: u64,
    /// How long each room keeps its messages, as a number and a unit (`90s`, `12h`,
    /// `30d`); rooms not named keep them as long as the store does (`store.chat_days`).
    pub retention: std::collections::BTreeMap<String, String>,
    /// Seconds between runs of the retention cleanup.
    pub retention_check_secs: u64,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            max_message_chars: 4_000,
            max_context_bytes: 4_096,
            messages_per_user: 120,
            messages_per_room: 6_000,
            presence_ttl_secs: 30,
            history_page_max: 200,
            mask_patterns: vec![
                // IBANs (first: their digits would pass for an account number).
                r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b".into(),
                // Card and account numbers: 12 to 19 digits, spaces or dashes between.
                r"\b\d(?:[ -]?\d){11,18}\b".into(),
            ],
            assistant_rooms: Vec::new(),
            max_attachment_mib: 20,
            retention: std::collections::BTreeMap::new(),
            retention_check_secs: 3_600,
        }
    }
}

/// One chat event as clients get it (live frames, history, REST answers).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageOut {
    pub id: String,
    pub room: String,
    pub user: String,
    /// `post`, `edit`, `delete` or `react`.
    pub action: &'static str,
    /// `user`, `assistant` or `system`.
    pub role: String,
    /// The text (masked); for `react`, the reaction.
    pub content: String,
    /// Free-form metadata (the seed's context): symbols, attachments, citations.
    #[schema(value_type = Object)]
    pub context: serde_json::Value,
    /// For edits, deletions and reactions: the message acted on.
    pub target_id: Option<String>,
    /// The message this one replies to.
    pub thread_parent: Option<String>,
    /// Nanoseconds since the epoch.
    pub event_time: i64,
    pub time: String,
}

fn action_name(a: ChatAction) -> &'static str {
    match a {
        ChatAction::Post => "post",
        ChatAction::Edit => "edit",
        ChatAction::Delete => "delete",
        ChatAction::React => "react",
    }
}

impl From<&ChatMessage> for MessageOut {
    fn from(m: &ChatMessage) -> Self {
        Self {
            id: m.id.clone(),
            room: m.room.clone(),
            user: m.user.clone(),
            action: action_name(m.action),
            role: m.role.clone(),
            content: m.content.clone(),
            context: serde_json::from_str(&m.context_json)
                .unwrap_or_else(|_| serde_json::json!({})),
            target_id: m.target_id.clone(),
            thread_parent: m.thread_parent.clone(),
            event_time: m.event_time,
            time: format_rfc3339(m.event_time),
        }
    }
}

/// What a client asks to do in a room.
#[derive(Debug, Clone)]
pub enum Act {
    Send {
        content: String,
        role: Option<String>,
        context: Option<serde_json::Value>,
        thread_parent: Option<String>,
    },
    Edit {
        id: String,
        content: String,
    },
    Delete {
        id: String,
    },
    React {
        id: String,
        emoji: String,
    },
}

/// An action on the bus.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Posted {
    pub id: String,
    pub partition: i32,
    pub offset: i64,
    pub message: MessageOut,
}

/// Who is calling, as chat names them.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
    pub role: Role,
}

/// The chat service of one gateway.
pub struct Chat {
    pub config: ChatConfig,
    masks: Vec<Regex>,
    /// Each room's retention in nanoseconds, from `config.retention`.
    retention: std::collections::BTreeMap<String, i64>,
    producer: Producer,
    codec: Codec,
    pub signals: Signals,
    pub index: Arc<ChatIndex>,
    hub: Arc<Hub>,
    store: Store,
    docs: DocsState,
    limiter: RateLimiter,
    objects: Option<Objects>,
    /// Whether callers may name themselves (`?user=`, `x-finstream-user`): only when the
    /// gateway requires no credentials, so everyone would otherwise be `anonymous`.
    open: bool,
    /// This gateway process, in session ids.
    pub instance: String,
}

impl std::fmt::Debug for Chat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chat")
            .field("signals", &self.signals)
            .field("instance", &self.instance)
            .finish()
    }
}

/// What [`Chat::new`] needs.
#[derive(Debug)]
pub struct ChatParts {
    pub config: ChatConfig,
    pub bus: Bus,
    pub codec: Codec,
    pub signals: Signals,
    pub hub: Arc<Hub>,
    pub store: Store,
    pub docs: DocsState,
    pub limiter: RateLimiter,
    pub objects: Option<Objects>,
    pub open: bool,
}

/// Room names: letters, digits, `.`, `_`, `-`; 1 to 64.
pub fn valid_room(room: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&room.len())
        && room
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "{room:?} is not a room name: use 1 to 64 letters, digits, '.', '_' or '-'"
        )))
    }
}

fn valid_user(user: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&user.len())
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !ok {
        return Err(ApiError::BadRequest(format!(
            "{user:?} is not a user name: use 1 to 64 letters, digits, '.', '_', '-' or '@'"
        )));
    }
    if user.eq_ignore_ascii_case("assistant") {
        return Err(ApiError::BadRequest(
            "\"assistant\" is the room assistant's name: pick another".into(),
        ));
    }
    Ok(())
}

fn valid_id(id: &str, what: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "{what} {id:?} is not a message id: use the \"id\" of a message"
        )))
    }
}

/// A new event id: time first (the hot store orders a room's history by id), then
/// randomness.
fn new_id(nanos: i64) -> String {
    format!("m{nanos:020}{:08x}", rand::random::<u32>())
}

/// A period as a number and a unit (`s`, `m`, `h`, `d`), in nanoseconds.
fn parse_period(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let seconds: i64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{text:?} is not a period: write e.g. 90s, 12h or 30d"
            ));
        }
    };
    let n: i64 = number
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{text:?} is not a period: write e.g. 90s, 12h or 30d"))?;
    n.checked_mul(seconds)
        .and_then(|s| s.checked_mul(1_000_000_000))
        .ok_or_else(|| format!("{text:?} is too long"))
}

/// Whether a message asks the assistant.
fn mentions_assistant(text: &str) -> bool {
    text.to_lowercase().contains("@assistant")
}

impl Chat {
    pub fn new(parts: ChatParts) -> Result<Self, String> {
        let masks = parts
            .config
            .mask_patterns
            .iter()
            .map(|p| Regex::new(p).map_err(|e| format!("gateway.chat.mask_patterns {p:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let retention = parts
            .config
            .retention
            .iter()
            .map(|(room, period)| {
                valid_room(room).map_err(|e| format!("gateway.chat.retention: {e}"))?;
                let nanos = parse_period(period)
                    .map_err(|e| format!("gateway.chat.retention.{room}: {e}"))?;
                Ok((room.clone(), nanos))
            })
            .collect::<Result<_, String>>()?;
        let producer = parts
            .bus
            .producer()
            .map_err(|e| format!("chat producer: {e}"))?;
        Ok(Self {
            config: parts.config,
            masks,
            retention,
            producer,
            codec: parts.codec,
            signals: parts.signals,
            index: Arc::new(ChatIndex::new()?),
            hub: parts.hub,
            store: parts.store,
            docs: parts.docs,
            limiter: parts.limiter,
            objects: parts.objects,
            open: parts.open,
            instance: format!("{:08x}", rand::random::<u32>()),
        })
    }

    /// The caller's chat name: the key id or token subject; when the gateway requires no
    /// credentials, the name the client gives (else `anonymous`).
    pub fn caller(
        &self,
        identity: Option<&Identity>,
        asked: Option<&str>,
    ) -> Result<Caller, ApiError> {
        let (subject, role) =
            identity.map_or(("anonymous", Role::Admin), |i| (i.subject.as_str(), i.role));
        let user = match asked.map(str::trim).filter(|u| !u.is_empty()) {
            Some(name) if self.open && subject == "anonymous" => name.to_string(),
            Some(name) if name != subject => {
                return Err(ApiError::Forbidden(format!(
                    "you are {subject}: a name of your own ({name:?}) is only taken when the gateway requires no credentials"
                )));
            }
            _ => subject.to_string(),
        };
        valid_user(&user)?;
        Ok(Caller { user, role })
    }

    /// Masks the configured sensitive patterns, keeping a match's last four letters or
    /// digits.
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for re in &self.masks {
            out = re
                .replace_all(&out, |caps: &regex::Captures<'_>| {
                    let tail: String = caps[0]
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .collect::<Vec<_>>()
                        .iter()
                        .rev()
                        .take(4)
                        .rev()
                        .collect();
                    format!("••••{tail}")
                })
                .into_owned();
        }
        out
    }

    fn check_content(&self, content: &str) -> Result<(), ApiError> {
        if content.trim().is_empty() {
            return Err(ApiError::BadRequest(
                "the message is empty: send some text in content".into(),
            ));
        }
        let chars = content.chars().count();
        if chars > self.config.max_message_chars {
            return Err(ApiError::PayloadTooLarge(format!(
                "the message has {chars} characters, over the limit of {} (gateway.chat.max_message_chars): split it or attach a file",
                self.config.max_message_chars
            )));
        }
        if let Some(c) = content
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        {
            return Err(ApiError::BadRequest(format!(
                "the message holds the control character U+{:04X}: send plain text (new lines and tabs are fine)",
                u32::from(c)
            )));
        }
        Ok(())
    }

    /// Must be a member of `room` (what `join` makes you).
    pub async fn require_member(&self, room: &str, user: &str) -> Result<(), ApiError> {
        let member =
            self.signals.is_member(room, user).await.map_err(|e| {
                ApiError::Unavailable(format!("room membership cannot be read: {e}"))
            })?;
        if member {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "{user} is not a member of {room}: join it first (POST /v1/chat/rooms/{room}/join, or {{\"action\":\"join\",\"room\":\"{room}\"}} on the WebSocket)"
            )))
        }
    }

    /// Makes the caller a member.
    pub async fn join(&self, room: &str, user: &str) -> Result<(), ApiError> {
        valid_room(room)?;
        self.signals
            .add_member(room, user)
            .await
            .map_err(|e| ApiError::Unavailable(format!("joining {room}: {e}")))
    }

    /// The post a message id names, waiting briefly for one accepted a moment ago to
    /// reach this gateway's index.
    async fn target(&self, room: &str, id: &str) -> Result<search::Author, ApiError> {
        valid_id(id, "target")?;
        for attempt in 0..20 {
            let found = self
                .index
                .author(id)
                .map_err(|e| ApiError::Internal(format!("looking up {id}: {e}")))?;
            if let Some(author) = found {
                if author.room != room {
                    break;
                }
                return Ok(author);
            }
            if attempt < 19 {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Err(ApiError::NotFound(format!(
            "no message {id} in {room} (it may have been deleted)"
        )))
    }

    async fn limit(&self, room: &str, user: &str) -> Result<(), ApiError> {
        let by_user = self
            .limiter
            .hit(&format!("chat:user:{user}"), self.config.messages_per_user)
            .await;
        if !by_user.allowed {
            return Err(ApiError::TooManyRequests(format!(
                "{user} sent {} chat actions in a minute, the limit: retry in {} s",
                by_user.limit, by_user.reset_secs
            )));
        }
        let by_room = self
            .limiter
            .hit(&format!("chat:room:{room}"), self.config.messages_per_room)
            .await;
        if !by_room.allowed {
            return Err(ApiError::TooManyRequests(format!(
                "{room} took {} chat actions in a minute, its limit: retry in {} s",
                by_room.limit, by_room.reset_secs
            )));
        }
        Ok(())
    }

    /// Validates, masks and produces an action; returns once the bus has it.
    pub async fn act(
        self: &Arc<Self>,
        caller: &Caller,
        room: &str,
        act: Act,
    ) -> Result<Posted, ApiError> {
        valid_room(room)?;
        self.require_member(room, &caller.user).await?;
        let now = now_nanos();
        let mut message = ChatMessage {
            id: new_id(now),
            room: room.to_string(),
            user: caller.user.clone(),
            action: ChatAction::Post,
            role: "user".into(),
            content: String::new(),
            context_json: "{}".into(),
            target_id: None,
            thread_parent: None,
            event_time: now,
        };
        match act {
            Act::Send {
                content,
                role,
                context,
                thread_parent,
            } => {
                if let Some(role) = role.filter(|r| r != "user") {
                    return Err(ApiError::BadRequest(format!(
                        "role {role:?} cannot be sent: clients send role \"user\"; assistant and system messages come from finstream"
                    )));
                }
                self.check_content(&content)?;
                let context = context.unwrap_or_else(|| serde_json::json!({}));
                if !context.is_object() {
                    return Err(ApiError::BadRequest(
                        "context must be a JSON object, like {\"symbols\":[\"AAPL\"]}".into(),
                    ));
                }
                let context_json = context.to_string();
                if context_json.len() > self.config.max_context_bytes {
                    return Err(ApiError::PayloadTooLarge(format!(
                        "context is {} bytes, over the limit of {} (gateway.chat.max_context_bytes)",
                        context_json.len(),
                        self.config.max_context_bytes
                    )));
                }
                if let Some(parent) = &thread_parent {
                    self.target(room, parent).await?;
                }
                message.content = self.mask(&content);
                message.context_json = context_json;
                message.thread_parent = thread_parent;
            }
            Act::Edit { id, content } => {
                self.check_content(&content)?;
                let author = self.target(room, &id).await?;
                if author.user != caller.user {
                    return Err(ApiError::Forbidden(format!(
                        "{id} is {}'s message: only its author edits it",
                        author.user
                    )));
                }
                message.action = ChatAction::Edit;
                message.content = self.mask(&content);
                message.target_id = Some(id);
            }
            Act::Delete { id } => {
                let author = self.target(room, &id).await?;
                if author.user != caller.user && caller.role < Role::Admin {
                    return Err(ApiError::Forbidden(format!(
                        "{id} is {}'s message: only its author or an admin deletes it",
                        author.user
                    )));
                }
                message.action = ChatAction::Delete;
                message.target_id = Some(id);
            }
            Act::React { id, emoji } => {
                let emoji = emoji.trim().to_string();
                if emoji.is_empty()
                    || emoji.chars().count() > 16
                    || emoji.chars().any(char::is_whitespace)
                {
                    return Err(ApiError::BadRequest(
                        "a reaction is 1 to 16 characters without spaces, like 👍 or +1".into(),
                    ));
                }
                self.target(room, &id).await?;
                message.action = ChatAction::React;
                message.content = emoji;
                message.target_id = Some(id);
            }
        }
        self.limit(room, &caller.user).await?;
        let posted = self.produce(message).await?;
        let asks = posted.message.action == "post"
            && (mentions_assistant(&posted.message.content)
                || self.config.assistant_rooms.iter().any(|r| r == room));
        if asks {
            let chat = Arc::clone(self);
            let question = posted.message.clone();
            tokio::spawn(async move { chat.assist(question).await });
        }
        Ok(posted)
    }

    async fn produce(&self, message: ChatMessage) -> Result<Posted, ApiError> {
        let record = OutRecord::event(&self.codec, &message)
            .map_err(|e| ApiError::Internal(format!("encoding a chat message: {e}")))?;
        let delivery = self.producer.send(record).await.map_err(|e| {
            ApiError::Unavailable(format!(
                "the bus did not take the message ({e}); it was not sent: retry"
            ))
        })?;
        metrics::counter!("finstream_chat_actions_total", "action" => action_name(message.action))
            .increment(1);
        Ok(Posted {
            id: message.id.clone(),
            partition: delivery.partition,
            offset: delivery.offset,
            message: MessageOut::from(&message),
        })
    }

    /// Sends a signal to the room's members on every gateway.
    pub async fn signal(&self, room: &str, series: String, frame: serde_json::Value) {
        let signal = Signal {
            room: room.to_string(),
            series,
            frame: frame.to_string(),
        };
        if let Err(e) = self.signals.publish(&signal).await {
            tracing::warn!(error = %e, room, "a chat signal was not published");
        }
    }

    /// Delivers a signal (from any gateway) to this gateway's members of its room.
    pub fn deliver(&self, signal: Signal) {
        let frame = Utf8Bytes::from(signal.frame);
        self.hub
            .broadcast(&room_key(&signal.room), &signal.series, &frame);
    }

    pub fn presence_ttl_ms(&self) -> i64 {
        i64::try_from(self.config.presence_ttl_secs.max(3) * 1_000).unwrap_or(30_000)
    }

    /// A session came online in a room; tells the room if the user was not there yet.
    pub async fn online(&self, room: &str, user: &str, session: &str) {
        match self
            .signals
            .online(room, user, session, self.presence_ttl_ms())
            .await
        {
            Ok(true) => self.presence(room, user, "online").await,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, room, user, "presence not recorded"),
        }
    }

    /// A session left a room; tells the room if it was the user's last.
    pub async fn offline(&self, room: &str, user: &str, session: &str) {
        match self.signals.offline(room, user, session).await {
            Ok(true) => self.presence(room, user, "offline").await,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, room, user, "presence not cleared"),
        }
    }

    async fn presence(&self, room: &str, user: &str, state: &str) {
        self.signal(
            room,
            format!("presence:{user}"),
            serde_json::json!({"type": "presence", "room": room, "user": user, "state": state}),
        )
        .await;
    }

    /// Answers a question asked in a room: the pieces stream to the room as
    /// `assistant_delta` signals, then the whole answer is posted with its citations.
    async fn assist(self: Arc<Self>, question: MessageOut) {
        let room = question.room.clone();
        let answer_id = new_id(now_nanos());
        let ask = question
            .content
            .replace("@assistant", "")
            .replace("@Assistant", "")
            .trim()
            .to_string();
        let docs = self.docs.0.clone();
        let (content, context) = match docs {
            Err(why) => (
                format!("I cannot answer here: {why}"),
                serde_json::json!({"reply_to": question.id, "mode": "unavailable"}),
            ),
            Ok(docs) => {
                let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(64);
                let forward = {
                    let chat = Arc::clone(&self);
                    let (room, reply_to, answer_id) =
                        (room.clone(), question.id.clone(), answer_id.clone());
                    tokio::spawn(async move {
                        let mut n = 0u64;
                        while let Some(text) = rx.recv().await {
                            n += 1;
                            chat.signal(
                                &room,
                                format!("assistant:{answer_id}:{n}"),
                                serde_json::json!({"type": "assistant_delta", "room": room,
                                    "reply_to": reply_to, "answer_id": answer_id, "text": text}),
                            )
                            .await;
                        }
                    })
                };
                let context = serde_json::json!({"symbols": question.context.get("symbols")});
                let result =
                    crate::docs::ask(&docs, &self.store, ask.clone(), context, Some(&tx)).await;
                drop(tx);
                let _ = forward.await;
                match result {
                    Ok(a) => {
                        let sources: Vec<serde_json::Value> = a
                            .sources
                            .iter()
                            .map(|s| {
                                serde_json::json!({"n": s.n, "document_id": s.document_id,
                                    "chunk_id": s.chunk_id, "title": s.title, "page": s.page,
                                    "score": s.score, "text": s.text.chars().take(300).collect::<String>()})
                            })
                            .collect();
                        (
                            a.answer,
                            serde_json::json!({"reply_to": question.id, "answer_id": answer_id,
                                "mode": a.mode, "found": a.found, "sources": sources,
                                "market": a.market}),
                        )
                    }
                    Err(e) => (
                        format!("I could not answer: {e}"),
                        serde_json::json!({"reply_to": question.id, "mode": "error"}),
                    ),
                }
            }
        };
        let mut content: String = content
            .chars()
            .take(self.config.max_message_chars.max(1))
            .collect();
        if content.trim().is_empty() {
            content = "Not found in your documents.".into();
        }
        let message = ChatMessage {
            id: answer_id,
            room,
            user: "assistant".into(),
            action: ChatAction::Post,
            role: "assistant".into(),
            content: self.mask(&content),
            context_json: context.to_string(),
            target_id: None,
            thread_parent: Some(question.id),
            event_time: now_nanos(),
        };
        if let Err(e) = self.produce(message).await {
            tracing::warn!(error = %e, "the assistant's answer was not posted");
        }
    }

    /// A page of a room's history from the hot store, oldest first.
    pub async fn history(
        &self,
        room: &str,
        before: Option<String>,
        after: Option<String>,
        limit: Option<usize>,
    ) -> Result<HistoryOut, ApiError> {
        valid_room(room)?;
        let cursor = match (before, after) {
            (Some(_), Some(_)) => {
                return Err(ApiError::BadRequest(
                    "give before or after, not both".into(),
                ));
            }
            (Some(b), None) => {
                valid_id(&b, "before")?;
                ChatCursor::Before(b)
            }
            (None, Some(a)) => {
                valid_id(&a, "after")?;
                ChatCursor::After(a)
            }
            (None, None) => ChatCursor::Latest,
        };
        let max = self.config.history_page_max.max(1);
        let limit = limit.unwrap_or(50);
        if limit == 0 || limit > max {
            return Err(ApiError::BadRequest(format!(
                "limit must be 1 to {max} (gateway.chat.history_page_max)"
            )));
        }
        let events = self.store.get()?.chat(room, cursor, limit).await?;
        Ok(HistoryOut {
            room: room.to_string(),
            has_more: events.len() == limit,
            messages: events.iter().map(MessageOut::from).collect(),
        })
    }

    /// The oldest event time a room still shows, when it has a retention period.
    fn kept_since(&self, room: &str, now: i64) -> Option<i64> {
        self.retention.get(room).map(|period| now - period)
    }

    /// Deletes from the hot store what each room's retention no longer keeps.
    pub async fn enforce_retention(&self) -> Result<usize, ApiError> {
        let Some(hot) = self.store.hot.as_ref() else {
            return Ok(0);
        };
        let now = now_nanos();
        for room in self.retention.keys() {
            if let Some(since) = self.kept_since(room, now) {
                // Ids start with their time: the id of that instant alone cuts all older.
                hot.delete_chat_before(room, &format!("m{since:020}"))
                    .await?;
            }
        }
        Ok(self.retention.len())
    }

    /// Messages matching `q` in the rooms the caller belongs to.
    pub async fn search(&self, caller: &Caller, q: SearchParams) -> Result<SearchOut, ApiError> {
        let mut rooms =
            self.signals.rooms_of(&caller.user).await.map_err(|e| {
                ApiError::Unavailable(format!("room membership cannot be read: {e}"))
            })?;
        if let Some(room) = &q.room {
            valid_room(room)?;
            if !rooms.contains(room) {
                return Err(ApiError::Forbidden(format!(
                    "{} is not a member of {room}: search covers your rooms only",
                    caller.user
                )));
            }
            rooms = vec![room.clone()];
        }
        let words = q.q.unwrap_or_default();
        if words.trim().is_empty() && q.user.is_none() {
            return Err(ApiError::BadRequest(
                "give q (words to find) or user (whose messages)".into(),
            ));
        }
        if words.chars().count() > 500 {
            return Err(ApiError::BadRequest("q is over 500 characters".into()));
        }
        let time = |v: Option<String>, what: &str| -> Result<Option<i64>, ApiError> {
            v.map(|s| crate::rest::params::parse_time(what, &s))
                .transpose()
        };
        let query = SearchQuery {
            words,
            rooms,
            user: q.user,
            from: time(q.from, "from")?,
            to: time(q.to, "to")?,
            limit: q.limit.unwrap_or(20).clamp(1, 200),
        };
        let index = Arc::clone(&self.index);
        let results = tokio::task::spawn_blocking(move || index.search(&query))
            .await
            .map_err(|e| ApiError::Internal(format!("search task: {e}")))?
            .map_err(ApiError::Internal)?;
        // The log keeps what a room's retention has cut from the store: not shown either.
        let now = now_nanos();
        let results = results
            .into_iter()
            .filter(|f| {
                self.kept_since(&f.room, now)
                    .is_none_or(|since| f.event_time >= since)
            })
            .collect();
        Ok(SearchOut { results })
    }
}

/// Reads `chat.messages.v1` from the earliest retained offset into the search index,
/// and relays signals, until shutdown; every gateway runs both. Also sweeps expired
/// presence.
pub async fn run(chat: Arc<Chat>, bus: Bus, codec: Codec, shutdown: CancellationToken) {
    let relay = {
        let chat = Arc::clone(&chat);
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let signals = chat.signals.clone();
            let deliver = {
                let chat = Arc::clone(&chat);
                move |s| chat.deliver(s)
            };
            signals.relay(deliver, shutdown).await;
        })
    };
    let sweeper = {
        let chat = Arc::clone(&chat);
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let every =
                Duration::from_millis(u64::try_from(chat.presence_ttl_ms() / 3).unwrap_or(10_000));
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(every) => {}
                }
                match chat.signals.sweep().await {
                    Ok(gone) => {
                        for (room, user) in gone {
                            chat.presence(&room, &user, "offline").await;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "presence sweep failed"),
                }
            }
        })
    };
    let retention = {
        let chat = Arc::clone(&chat);
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            if chat.retention.is_empty() {
                return;
            }
            let every = Duration::from_secs(chat.config.retention_check_secs.max(1));
            loop {
                if let Err(e) = chat.enforce_retention().await {
                    tracing::warn!(error = %e, "chat retention cleanup failed; retrying later");
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(every) => {}
                }
            }
        })
    };
    let topics = [catalog::CHAT_MESSAGES];
    bus.follow(
        &topics,
        StartFrom::Earliest,
        "chat search",
        1_000,
        &shutdown,
        |batch| {
            let events: Vec<ChatMessage> = batch
                .iter()
                .filter_map(
                    |r| match codec.decode_event(EventKind::ChatMessage, &r.payload) {
                        Ok(Event::ChatMessage(m)) => Some(m),
                        _ => None,
                    },
                )
                .collect();
            let index = Arc::clone(&chat.index);
            async move {
                match tokio::task::spawn_blocking(move || index.apply(&events)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "chat messages not indexed"),
                    Err(e) => tracing::warn!(error = %e, "chat index task failed"),
                }
            }
        },
    )
    .await;
    let _ = relay.await;
    let _ = sweeper.await;
    let _ = retention.await;
}

/// A page of history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryOut {
    pub room: String,
    pub messages: Vec<MessageOut>,
    /// Whether older (or, paging with `after`, newer) events may follow.
    pub has_more: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchOut {
    pub results: Vec<Found>,
}

/// Query of `GET /v1/chat/search`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words to find (all of them; `"a phrase"` and `-word` work).
    pub q: Option<String>,
    /// One room (default: every room you are a member of).
    pub room: Option<String>,
    /// Only this user's messages.
    pub user: Option<String>,
    /// RFC 3339 or nanoseconds: from this time.
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<usize>,
    /// Your name when the gateway requires no credentials.
    #[serde(rename = "as")]
    pub as_user: Option<String>,
}

/// Query of `GET /v1/chat/rooms/{room}/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// Events before this message id (older).
    pub before: Option<String>,
    /// Events after this message id (newer).
    pub after: Option<String>,
    /// Page size (default 50).
    pub limit: Option<usize>,
    #[serde(rename = "as")]
    pub as_user: Option<String>,
}

/// Body of `POST /v1/chat/rooms/{room}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    pub content: String,
    /// Only `user` (the default).
    pub role: Option<String>,
    #[schema(value_type = Object)]
    pub context: Option<serde_json::Value>,
    pub thread_parent: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    pub content: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReactBody {
    pub emoji: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    /// The newest message id read.
    pub id: String,
}

/// Who is in a room.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresenceOut {
    pub room: String,
    pub online: Vec<String>,
    /// Each member's read marker: the newest message id they have read.
    pub reads: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomsOut {
    pub rooms: Vec<String>,
}

/// The chat service as handlers see it: absent when the gateway could not start it.
#[derive(Debug, Clone)]
pub struct ChatState(pub Result<Arc<Chat>, String>);

impl ChatState {
    pub fn get(&self) -> Result<&Arc<Chat>, ApiError> {
        self.0
            .as_ref()
            .map_err(|why| ApiError::Unavailable(format!("chat is unavailable: {why}")))
    }
}

impl FromRef<crate::app::AppState> for ChatState {
    fn from_ref(state: &crate::app::AppState) -> ChatState {
        state.chat.clone()
    }
}

/// A chat request's service and caller: the key id or token subject, or (when the
/// gateway requires no credentials) the name in `?as=` or `x-finstream-user`.
#[derive(Debug)]
pub struct Call {
    pub chat: Arc<Chat>,
    pub caller: Caller,
}

impl<S> axum::extract::FromRequestParts<S> for Call
where
    ChatState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let chat = Arc::clone(ChatState::from_ref(state).get()?);
        let identity = parts.extensions.get::<Identity>().cloned();
        let asked = parts
            .uri
            .query()
            .and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "as")
                    .map(|(_, v)| v.into_owned())
            })
            .or_else(|| {
                parts
                    .headers
                    .get("x-finstream-user")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            });
        let caller = chat.caller(identity.as_ref(), asked.as_deref())?;
        Ok(Call { chat, caller })
    }
}

/// Query with only your name (when credentials are not required).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AsParams {
    #[serde(rename = "as")]
    pub as_user: Option<String>,
}

/// The rooms you are a member of.
#[utoipa::path(get, path = "/v1/chat/rooms", tag = "chat", params(AsParams),
    responses((status = 200, body = RoomsOut), (status = 503, body = ErrorBody)))]
pub async fn rooms(Call { chat, caller }: Call) -> Result<Json<RoomsOut>, ApiError> {
    let rooms = chat
        .signals
        .rooms_of(&caller.user)
        .await
        .map_err(ApiError::Unavailable)?;
    Ok(Json(RoomsOut { rooms }))
}

/// Joins a room (membership: what sending, history and search need).
#[utoipa::path(post, path = "/v1/chat/rooms/{room}/join", tag = "chat", params(("room" = String, Path), AsParams),
    responses((status = 200, body = PresenceOut), (status = 400, body = ErrorBody)))]
pub async fn join(
    Call { chat, caller }: Call,
    Path(room): Path<String>,
) -> Result<Json<PresenceOut>, ApiError> {
    chat.join(&room, &caller.user).await?;
    presence_of(&chat, &room).await.map(Json)
}

/// Leaves a room.
#[utoipa::path(post, path = "/v1/chat/rooms/{room}/leave", tag = "chat", params(("room" = String, Path), AsParams),
    responses((status = 204), (status = 400, body = ErrorBody)))]
pub async fn leave(
    Call { chat, caller }: Call,
    Path(room): Path<String>,
) -> Result<StatusCode, ApiError> {
    valid_room(&room)?;
    chat.signals
        .remove_member(&room, &caller.user)
        .await
        .map_err(ApiError::Unavailable)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn presence_of(chat: &Chat, room: &str) -> Result<PresenceOut, ApiError> {
    let online = chat
        .signals
        .present(room)
        .await
        .map_err(ApiError::Unavailable)?;
    let reads = chat
        .signals
        .reads(room)
        .await
        .map_err(ApiError::Unavailable)?;
    Ok(PresenceOut {
        room: room.to_string(),
        online,
        reads,
    })
}

/// Who is online in a room, and read markers.
#[utoipa::path(get, path = "/v1/chat/rooms/{room}/presence", tag = "chat", params(("room" = String, Path), AsParams),
    responses((status = 200, body = PresenceOut), (status = 403, body = ErrorBody)))]
pub async fn presence(
    Call { chat, caller }: Call,
    Path(room): Path<String>,
) -> Result<Json<PresenceOut>, ApiError> {
    valid_room(&room)?;
    chat.require_member(&room, &caller.user).await?;
    presence_of(&chat, &room).await.map(Json)
}

/// A page of a room's events (posts, edits, deletions, reactions), oldest first.
#[utoipa::path(get, path = "/v1/chat/rooms/{room}/messages", tag = "chat", params(("room" = String, Path), HistoryParams),
    responses((status = 200, body = HistoryOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn history(
    Call { chat, caller }: Call,
    Path(room): Path<String>,
    Query(q): Query<HistoryParams>,
) -> Result<Json<HistoryOut>, ApiError> {
    valid_room(&room)?;
    chat.require_member(&room, &caller.user).await?;
    chat.history(&room, q.before, q.after, q.limit)
        .await
        .map(Json)
}

/// Sends a message; answers once it is durable on the bus.
#[utoipa::path(post, path = "/v1/chat/rooms/{room}/messages", tag = "chat", params(("room" = String, Path), AsParams),
    request_body = SendBody,
    responses((status = 201, body = Posted), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn send(
    Call { chat, caller }: Call,
    Path(room): Path<String>,
    Body(body): Body<SendBody>,
) -> Result<(StatusCode, Json<Posted>), ApiError> {
    let act = Act::Send {
        content: body.content,
        role: body.role,
        context: body.context,
        thread_parent: body.thread_parent,
    };
    let posted = chat.act(&caller, &room, act).await?;
    Ok((StatusCode::CREATED, Json(posted)))
}

/// Edits your message.
#[utoipa::path(patch, path = "/v1/chat/rooms/{room}/messages/{id}", tag = "chat",
    params(("room" = String, Path), ("id" = String, Path), AsParams), request_body = EditBody,
    responses((status = 200, body = Posted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edit(
    Call { chat, caller }: Call,
    Path((room, id)): Path<(String, String)>,
    Body(body): Body<EditBody>,
) -> Result<Json<Posted>, ApiError> {
    let act = Act::Edit {
        id,
        content: body.content,
    };
    chat.act(&caller, &room, act).await.map(Json)
}

/// Deletes your message (an admin deletes anyone's).
#[utoipa::path(delete, path = "/v1/chat/rooms/{room}/messages/{id}", tag = "chat",
    params(("room" = String, Path), ("id" = String, Path), AsParams),
    responses((status = 200, body = Posted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    Call { chat, caller }: Call,
    Path((room, id)): Path<(String, String)>,
) -> Result<Json<Posted>, ApiError> {
    chat.act(&caller, &room, Act::Delete { id }).await.map(Json)
}

/// Reacts to a message.
#[utoipa::path(post, path = "/v1/chat/rooms/{room}/messages/{id}/reactions", tag = "chat",
    params(("room" = String, Path), ("id" = String, Path), AsParams), request_body = ReactBody,
    responses((status = 200, body = Posted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn react(
    Call { chat, caller }: Call,
    Path((room, id)): Path<(String, String)>,
    Body(body): Body<ReactBody>,
) -> Result<Json<Posted>, ApiError> {
    chat.act(
        &caller,
        &room,
        Act::React {
            id,
            emoji: body.emoji,
        },
    )
    .await
    .map(Json)
}

/// Tells the room you are typing.
#[utoipa::path(post, path = "/v1/chat/rooms/{room}/typing", tag = "chat", params(("room" = String, Path), AsParams),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn typing(
    Call { chat, caller }: Call,
    Path(room): Path<String>,
) -> Result<StatusCode, ApiError> {
    valid_room(&room)?;
    chat.require_member(&room, &caller.user).await?;
    chat.typing(&room, &caller.user).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves your read marker.
#[utoipa::path(put, path = "/v1/chat/rooms/{room}/read", tag = "chat", params(("room" = String, Path), AsParams),
    request_body = ReadBody, responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn read(
    Call { chat, caller }: Call,
    Path(room): Path<String>,
    Body(body): Body<ReadBody>,
) -> Result<StatusCode, ApiError> {
    valid_room(&room)?;
    chat.require_member(&room, &caller.user).await?;
    chat.mark_read(&room, &caller.user, &body.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

impl Chat {
    pub async fn typing(&self, room: &str, user: &str) {
        self.signal(
            room,
            format!("typing:{user}"),
            serde_json::json!({"type": "typing", "room": room, "user": user}),
        )
        .await;
    }

    pub async fn mark_read(&self, room: &str, user: &str, id: &str) -> Result<(), ApiError> {
        valid_id(id, "read marker")?;
        self.signals
            .set_read(room, user, id)
            .await
            .map_err(ApiError::Unavailable)?;
        self.signal(
            room,
            format!("read:{user}"),
            serde_json::json!({"type": "read", "room": room, "user": user, "id": id}),
        )
        .await;
        Ok(())
    }
}

/// Searches messages of your rooms.
#[utoipa::path(get, path = "/v1/chat/search", tag = "chat", params(SearchParams),
    responses((status = 200, body = SearchOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn search_messages(
    Call { chat, caller }: Call,
    Query(q): Query<SearchParams>,
) -> Result<Json<SearchOut>, ApiError> {
    chat.search(&caller, q).await.map(Json)
}

/// A room's whole history as NDJSON, one event per line, oldest first.
#[utoipa::path(get, path = "/v1/chat/rooms/{room}/export", tag = "chat", params(("room" = String, Path), AsParams),
    responses((status = 200, description = "application/x-ndjson: one event per line"), (status = 403, body = ErrorBody)))]
pub async fn export(
    Call { chat, caller }: Call,
    Path(room): Path<String>,
) -> Result<Response, ApiError> {
    valid_room(&room)?;
    chat.require_member(&room, &caller.user).await?;
    let hot = chat.store.get()?;
    let mut out = String::new();
    let mut cursor: Option<String> = None;
    let page = 1_000;
    loop {
        let c = match cursor.take() {
            Some(id) => ChatCursor::After(id),
            None => ChatCursor::Earliest,
        };
        let events = hot.chat(&room, c, page).await?;
        for e in &events {
            let line = serde_json::to_string(&MessageOut::from(e))
                .map_err(|e| ApiError::Internal(format!("export: {e}")))?;
            out.push_str(&line);
            out.push('\n');
        }
        match events.last() {
            Some(last) if events.len() == page => cursor = Some(last.id.clone()),
            _ => break,
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{room}.ndjson\""),
            ),
        ],
        out,
    )
        .into_response())
}

/// What delete-my-data did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasedOut {
    pub user: String,
    /// Messages deleted (a `delete` event each, so every client and store drops them).
    pub deleted: usize,
    /// Rooms left.
    pub rooms_left: Vec<String>,
}

/// Deletes every message you posted that is still there and leaves your rooms.
#[utoipa::path(delete, path = "/v1/chat/me", tag = "chat", params(AsParams),
    responses((status = 200, body = ErasedOut), (status = 503, body = ErrorBody)))]
pub async fn erase_me(Call { chat, caller }: Call) -> Result<Json<ErasedOut>, ApiError> {
    let index = Arc::clone(&chat.index);
    let user = caller.user.clone();
    let posts = tokio::task::spawn_blocking(move || index.posts_of(&user))
        .await
        .map_err(|e| ApiError::Internal(format!("erase task: {e}")))?
        .map_err(ApiError::Internal)?;
    let mut deleted = 0;
    for (room, id) in posts {
        let now = now_nanos();
        let message = ChatMessage {
            id: new_id(now),
            room,
            user: caller.user.clone(),
            action: ChatAction::Delete,
            role: "user".into(),
            content: String::new(),
            context_json: r#"{"reason":"delete-my-data"}"#.into(),
            target_id: Some(id),
            thread_parent: None,
            event_time: now,
        };
        chat.produce(message).await?;
        deleted += 1;
    }
    let rooms_left = chat
        .signals
        .rooms_of(&caller.user)
        .await
        .map_err(ApiError::Unavailable)?;
    for room in &rooms_left {
        chat.signals
            .remove_member(room, &caller.user)
            .await
            .map_err(ApiError::Unavailable)?;
    }
    crate::auth::audit(
        "chat_data_erased",
        std::net::IpAddr::from([0, 0, 0, 0]),
        Some(&caller.user),
        &format!("{deleted} messages"),
    );
    Ok(Json(ErasedOut {
        user: caller.user,
        deleted,
        rooms_left,
    }))
}

/// Attaches a file to a room (multipart: `file`, optional `caption`, and `ingest=true`
/// to send a PDF, text, Markdown or HTML file on to document ingest as well).
#[utoipa::path(post, path = "/v1/chat/rooms/{room}/attachments", tag = "chat", params(("room" = String, Path), AsParams),
    request_body(content_type = "multipart/form-data", description = "file; caption; ingest=true"),
    responses((status = 201, body = Posted), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn attach(
    Call { chat, caller }: Call,
    Path(room): Path<String>,
    mut form: Multipart,
) -> Result<(StatusCode, Json<Posted>), ApiError> {
    valid_room(&room)?;
    chat.require_member(&room, &caller.user).await?;
    let objects = chat.objects.as_ref().ok_or_else(|| {
        ApiError::Unavailable("attachments need an object store ([objects])".into())
    })?;
    let limit = chat.config.max_attachment_mib.max(1) << 20;
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the attachment is over the limit of {} MiB (gateway.chat.max_attachment_mib)",
            chat.config.max_attachment_mib
        ))
    };
    let (mut file, mut caption, mut ingest) = (None, None, false);
    loop {
        let Some(field) = crate::docs::next_part(&mut form, &too_large).await? else {
            break;
        };
        match field.name().unwrap_or("") {
            "file" => {
                let type_of = |name: &str, _: Option<&str>| attachment_type(name);
                file = Some(crate::docs::file_part(field, limit, &too_large, type_of).await?);
            }
            "caption" => {
                caption = Some(field.text().await.map_err(|e| {
                    ApiError::BadRequest(format!("the caption cannot be read: {e}"))
                })?);
            }
            "ingest" => {
                let v = field.text().await.unwrap_or_default();
                ingest = matches!(v.trim(), "true" | "1" | "yes" | "on");
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown form field {other:?}: send file, and optionally caption and ingest"
                )));
            }
        }
    }
    let (filename, media, bytes) = file.ok_or_else(|| {
        ApiError::BadRequest("no file: send it in a multipart field named file".into())
    })?;
    let size = bytes.len();
    let (sha, _location) = objects.put(bytes.clone()).await.map_err(|e| {
        ApiError::Unavailable(format!("the object store did not take the file: {e}"))
    })?;
    let mut attachment = serde_json::json!({
        "sha256": sha, "filename": filename, "media_type": media, "size_bytes": size,
        "url": format!("/v1/chat/rooms/{room}/attachments/{sha}"),
    });
    if ingest {
        let docs = chat.docs.get()?;
        if !crate::docs::ingestible(media) {
            return Err(ApiError::UnsupportedMediaType(format!(
                "{filename} ({media}) cannot go to document ingest: PDF, text, Markdown and HTML can"
            )));
        }
        let (_, out) = crate::docs::ingest(
            docs,
            &chat.store,
            crate::docs::Upload {
                filename: filename.clone(),
                media_type: media,
                bytes,
                title: None,
                tickers: Vec::new(),
                tags: vec![format!("chat:{room}")],
                submitted_by: caller.user.clone(),
            },
        )
        .await?;
        attachment["document_id"] = serde_json::json!(out.document.id);
    }
    let content = caption
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| format!("📎 {filename}"));
    let act = Act::Send {
        content,
        role: None,
        context: Some(serde_json::json!({ "attachment": attachment })),
        thread_parent: None,
    };
    let posted = chat.act(&caller, &room, act).await?;
    Ok((StatusCode::CREATED, Json(posted)))
}

/// The media type of an attachment, by its name's extension.
fn attachment_type(filename: &str) -> Result<&'static str, ApiError> {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" | "text" | "log" => "text/plain",
        "md" | "markdown" => "text/markdown",
        "html" | "htm" => "text/html",
        "csv" => "text/csv",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        _ => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "{filename}: attachments are PDF, text, Markdown, HTML, CSV, JSON, PNG, JPEG or GIF"
            )));
        }
    })
}

/// Downloads an attachment of a room you are a member of.
#[utoipa::path(get, path = "/v1/chat/rooms/{room}/attachments/{sha256}", tag = "chat",
    params(("room" = String, Path), ("sha256" = String, Path), AsParams),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn attachment(
    Call { chat, caller }: Call,
    Path((room, sha)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    valid_room(&room)?;
    chat.require_member(&room, &caller.user).await?;
    if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::BadRequest(
            "an attachment is named by its SHA-256: 64 hex digits".into(),
        ));
    }
    let objects = chat.objects.as_ref().ok_or_else(|| {
        ApiError::Unavailable("attachments need an object store ([objects])".into())
    })?;
    let bytes = objects
        .get_by_sha256(
            &sha.to_ascii_lowercase(),
            (chat.config.max_attachment_mib.max(1) << 20) + 1,
        )
        .await
        .map_err(|e| ApiError::NotFound(format!("no attachment {sha}: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(open: bool) -> Chat {
        Chat::new(ChatParts {
            config: ChatConfig::default(),
            bus: Bus::memory(1_000),
            codec: Codec::embedded(),
            signals: Signals::memory(),
            hub: Hub::new(),
            store: Store {
                hot: None,
                page_max: 10,
            },
            docs: DocsState(Err("no documents in this test".into())),
            limiter: RateLimiter::memory(),
            objects: None,
            open,
        })
        .expect("chat")
    }

    #[test]
    fn account_and_card_numbers_are_masked_keeping_four() {
        let c = chat(true);
        assert_eq!(
            c.mask("wire to 4111 1111 1111 1234 today"),
            "wire to ••••1234 today"
        );
        assert_eq!(
            c.mask("IBAN DE89 3704 0044 0532 0130 00 please"),
            "IBAN ••••3000 please"
        );
        assert_eq!(
            c.mask("AAPL at 189.25, 1200 shares"),
            "AAPL at 189.25, 1200 shares"
        );
    }

    #[test]
    fn retention_periods_parse_with_their_unit() {
        assert_eq!(parse_period("90s"), Ok(90_000_000_000));
        assert_eq!(parse_period("2d"), Ok(2 * 86_400_000_000_000));
        assert!(parse_period("30").is_err());
        assert!(parse_period("0h").is_err());
        assert!(parse_period("x1d").is_err());
        assert!(parse_period("").is_err());
    }

    #[test]
    fn names_come_from_credentials_unless_the_gateway_is_open() {
        let open = chat(true);
        assert_eq!(open.caller(None, Some("ann")).expect("named").user, "ann");
        assert_eq!(open.caller(None, None).expect("anon").user, "anonymous");
        assert!(open.caller(None, Some("assistant")).is_err());
        assert!(open.caller(None, Some("a b")).is_err());
        let closed = chat(false);
        let key = Identity {
            subject: "AKTEST".into(),
            role: Role::Trader,
        };
        assert_eq!(closed.caller(Some(&key), None).expect("key").user, "AKTEST");
        let e = closed
            .caller(Some(&key), Some("ann"))
            .expect_err("impersonation");
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
    }

    #[tokio::test]
    async fn bad_messages_get_reasons_and_members_only_may_send() {
        let c = Arc::new(chat(true));
        let ann = c.caller(None, Some("ann")).expect("ann");
        let send = |content: &str| Act::Send {
            content: content.into(),
            role: None,
            context: None,
            thread_parent: None,
        };
        let e = c
            .act(&ann, "desk", send("hi"))
            .await
            .expect_err("not a member");
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
        c.join("desk", "ann").await.expect("join");
        let posted = c
            .act(&ann, "desk", send("hi 4111111111111111"))
            .await
            .expect("sent");
        assert_eq!(posted.message.content, "hi ••••1111");
        assert!(posted.offset >= 0);
        let too_long = "x".repeat(4_001);
        let e = c
            .act(&ann, "desk", send(&too_long))
            .await
            .expect_err("long");
        assert_eq!(e.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let e = c.act(&ann, "desk", send("  ")).await.expect_err("empty");
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let e = c
            .act(&ann, "desk", send("bell \u{7}"))
            .await
            .expect_err("control");
        assert!(e.to_string().contains("U+0007"), "{e}");
        let e = c.act(&ann, "bad room!", send("x")).await.expect_err("room");
        assert!(e.to_string().contains("room name"), "{e}");
        let as_assistant = Act::Send {
            content: "I am the assistant".into(),
            role: Some("assistant".into()),
            context: None,
            thread_parent: None,
        };
        let e = c.act(&ann, "desk", as_assistant).await.expect_err("role");
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }
}
