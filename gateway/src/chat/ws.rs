//! `/v1/chat` (and `/chat`) over WebSocket: JSON text frames.
//!
//! Client to server (`ref` is optional and comes back on the reply or error):
//! ```json
//! {"action":"join","room":"desk","resume":{"chat.messages.v1/3":41}}
//! {"action":"send","room":"desk","content":"NVDA after hours?","context":{"symbols":["NVDA"]},"thread_parent":null,"ref":"c1"}
//! {"action":"edit","room":"desk","id":"m...","content":"..."}
//! {"action":"delete","room":"desk","id":"m..."}
//! {"action":"react","room":"desk","id":"m...","emoji":"👍"}
//! {"action":"typing","room":"desk"}
//! {"action":"read","room":"desk","id":"m..."}
//! {"action":"history","room":"desk","before":"m...","limit":50}
//! {"action":"search","q":"earnings","room":"desk"}
//! {"action":"leave","room":"desk"}
//! {"action":"ping"}
//! ```
//! Server to client: `hello` (your name), `joined` (room, `positions`: the offsets through
//! which this membership is owed nothing, `online`, `reads`), `chat` (an event of a room
//! you joined: `{"type":"chat","room","topic","partition","offset","data":{...}}`), `ack`
//! (your action is durable: `id`, `partition`, `offset`), `presence` (`online` or
//! `offline`), `typing`, `read`, `assistant_delta` (a piece of the assistant's answer; the
//! whole answer follows as a `chat` post), `history`, `search`, `resumed` (as on
//! `/v1/stream`), `left`, `pong`, and `error` (`code`, `message`, `ref`), after which the
//! connection goes on.
//!
//! A fresh join (no `resume`) is followed by the room's newest events (up to 100) as
//! `chat` frames, then live ones: with a history page (from the store, which persist
//! fills a moment after the log) nothing falls in between; events in both carry the same
//! `id`.
//!
//! Resume: keep the newest offset per partition from `joined` and `chat` frames; on a
//! new connection (any gateway), join with them as `resume` to be sent what you missed,
//! before anything live, nothing twice.

use super::{Act, Caller, Chat, valid_room};
use crate::error::ApiError;
use crate::hub::{Channel, Channels, Hub, Outbox, Positions, room_key};
use crate::stream::{Log, StreamLimits, spawn_writer};
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use finstream_schemas::catalog;
use futures::StreamExt;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase", deny_unknown_fields)]
enum ClientMessage {
    Join {
        room: String,
        #[serde(default)]
        resume: Option<Positions>,
        #[serde(default, rename = "ref")]
        reference: Option<serde_json::Value>,
    },
    Leave {
        room: String,
        #[serde(default, rename = "ref")]
        reference: Option<serde_json::Value>,
    },
    Send {
        room: String,
        content: String,
        #[serde(default)]
        role: Option<String>,
        #[serde(default)]
        context: Option<serde_json::Value>,
        #[serde(default)]
        thread_parent: Option<String>,
        #[serde(default, rename = "ref")]
        reference: Option<serde_json::Value>,
    },
    Edit {
        room: String,
        id: String,
        content: String,
        #[serde(default, rename = "ref")]
        reference: Option<serde_json::Value>,
    },
    Delete {
        room: String,
        id: String,
        #[serde(default, rename = "ref")]
        reference: Option<serde_json::Value>,
    },
    React {
        room: String,
        id: String,
        emoji: String,
        #[serde(default, rename = "ref")]
        reference: Option<serde_json::Value>,
    },
    Typing {
        room: String,
    },
    Read {
        room: String,
        id: String,
    },
    History {
        room: String,
        #[serde(default)]
        before: Option<String>,
        #[serde(default)]
        after: Option<String>,
        #[serde(default)]
        limit: Option<usize>,
        #[serde(default, rename = "ref")]
        reference: Option<serde_json::Value>,
    },
    Search {
        #[serde(default)]
        q: Option<String>,
        #[serde(default)]
        room: Option<String>,
        #[serde(default)]
        user: Option<String>,
        #[serde(default)]
        from: Option<String>,
        #[serde(default)]
        to: Option<String>,
        #[serde(default)]
        limit: Option<usize>,
        #[serde(default, rename = "ref")]
        reference: Option<serde_json::Value>,
    },
    Ping,
}

fn frame(v: serde_json::Value) -> Utf8Bytes {
    Utf8Bytes::from(v.to_string())
}

fn error(e: &ApiError, reference: Option<&serde_json::Value>) -> Utf8Bytes {
    frame(serde_json::json!({
        "type": "error", "code": e.status().as_u16(), "message": e.to_string(), "ref": reference,
    }))
}

/// One connection's rooms and presence session.
struct Session {
    chat: Arc<Chat>,
    hub: Arc<Hub>,
    log: Log,
    conn: u64,
    id: String,
    caller: Caller,
    outbox: Arc<Outbox>,
    rooms: BTreeSet<String>,
    /// When each room last got a typing signal from this connection.
    typed: HashMap<String, Instant>,
}

/// Serves one `/v1/chat` connection until the client leaves or the gateway shuts down.
pub async fn serve(
    socket: WebSocket,
    chat: Arc<Chat>,
    hub: Arc<Hub>,
    log: Log,
    limits: StreamLimits,
    caller: Caller,
    shutdown: CancellationToken,
) {
    let conn = hub.connection_id();
    let (sink, mut source) = socket.split();
    let (outbox, rx) = Outbox::new(limits.queue);
    let mut writer = spawn_writer(sink, rx, Arc::clone(&outbox), limits, conn);
    let mut shutting_down = false;
    metrics::gauge!("finstream_chat_connections").increment(1.0);
    let mut session = Session {
        id: format!("{}:{conn}", chat.instance),
        chat,
        hub,
        log,
        conn,
        caller,
        outbox,
        rooms: BTreeSet::new(),
        typed: HashMap::new(),
    };
    let hello = frame(serde_json::json!({"type": "hello", "user": session.caller.user}));
    let mut open = session.outbox.send(hello.into()).await;
    let refresh_every =
        Duration::from_millis(u64::try_from(session.chat.presence_ttl_ms() / 3).unwrap_or(10_000));
    let mut refresh = tokio::time::interval(refresh_every);
    refresh.tick().await;
    while open {
        let msg = tokio::select! {
            _ = shutdown.cancelled() => {
                shutting_down = true;
                break;
            }
            _ = writer.beat() => continue,
            _ = refresh.tick() => {
                session.refresh().await;
                continue;
            }
            m = source.next() => m,
        };
        let text = match msg {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Binary(_))) => {
                let e = ApiError::BadRequest(
                    "binary frames are not read on /v1/chat: send JSON text".into(),
                );
                open = session.outbox.send(error(&e, None).into()).await;
                continue;
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => continue,
        };
        metrics::counter!("finstream_chat_frames_in_total").increment(1);
        let reply = match serde_json::from_str::<ClientMessage>(text.as_str()) {
            Err(e) => Some(error(
                &ApiError::BadRequest(format!(
                    "could not read the message ({e}); send e.g. {{\"action\":\"join\",\"room\":\"general\"}}"
                )),
                None,
            )),
            Ok(m) => session.handle(m).await,
        };
        if let Some(reply) = reply {
            open = session.outbox.send(reply.into()).await;
        }
    }
    session.close().await;
    writer.finish(&mut source, shutting_down).await;
    metrics::gauge!("finstream_chat_connections").decrement(1.0);
}

impl Session {
    async fn handle(&mut self, m: ClientMessage) -> Option<Utf8Bytes> {
        let chat = Arc::clone(&self.chat);
        let acted = |r: Result<super::Posted, ApiError>, reference: Option<serde_json::Value>| {
            Some(match r {
                Ok(p) => frame(
                    serde_json::json!({"type": "ack", "ref": reference, "id": p.id,
                    "room": p.message.room, "partition": p.partition, "offset": p.offset}),
                ),
                Err(e) => error(&e, reference.as_ref()),
            })
        };
        match m {
            ClientMessage::Ping => Some(Utf8Bytes::from_static("{\"type\":\"pong\"}")),
            ClientMessage::Join {
                room,
                resume,
                reference,
            } => match self.join(&room, resume).await {
                Ok(reply) => reply,
                Err(e) => Some(error(&e, reference.as_ref())),
            },
            ClientMessage::Leave { room, reference } => {
                if let Err(e) = valid_room(&room) {
                    return Some(error(&e, reference.as_ref()));
                }
                if let Err(e) = chat.signals.remove_member(&room, &self.caller.user).await {
                    return Some(error(&ApiError::Unavailable(e), reference.as_ref()));
                }
                self.part(&room).await;
                Some(frame(
                    serde_json::json!({"type": "left", "room": room, "ref": reference}),
                ))
            }
            ClientMessage::Send {
                room,
                content,
                role,
                context,
                thread_parent,
                reference,
            } => {
                let act = Act::Send {
                    content,
                    role,
                    context,
                    thread_parent,
                };
                acted(chat.act(&self.caller, &room, act).await, reference)
            }
            ClientMessage::Edit {
                room,
                id,
                content,
                reference,
            } => acted(
                chat.act(&self.caller, &room, Act::Edit { id, content })
                    .await,
                reference,
            ),
            ClientMessage::Delete {
                room,
                id,
                reference,
            } => acted(
                chat.act(&self.caller, &room, Act::Delete { id }).await,
                reference,
            ),
            ClientMessage::React {
                room,
                id,
                emoji,
                reference,
            } => acted(
                chat.act(&self.caller, &room, Act::React { id, emoji })
                    .await,
                reference,
            ),
            ClientMessage::Typing { room } => {
                if !self.rooms.contains(&room) {
                    return Some(error(&not_joined(&room), None));
                }
                // At most one a second per room: a client sending one per key press
                // does not flood the room.
                let now = Instant::now();
                let recent = self
                    .typed
                    .get(&room)
                    .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(1));
                if !recent {
                    self.typed.insert(room.clone(), now);
                    chat.typing(&room, &self.caller.user).await;
                }
                None
            }
            ClientMessage::Read { room, id } => {
                if !self.rooms.contains(&room) {
                    return Some(error(&not_joined(&room), None));
                }
                chat.mark_read(&room, &self.caller.user, &id)
                    .await
                    .err()
                    .map(|e| error(&e, None))
            }
            ClientMessage::History {
                room,
                before,
                after,
                limit,
                reference,
            } => {
                let page = async {
                    valid_room(&room)?;
                    chat.require_member(&room, &self.caller.user).await?;
                    chat.history(&room, before, after, limit).await
                };
                Some(match page.await {
                    Ok(h) => frame(serde_json::json!({"type": "history", "ref": reference,
                        "room": h.room, "messages": h.messages, "has_more": h.has_more})),
                    Err(e) => error(&e, reference.as_ref()),
                })
            }
            ClientMessage::Search {
                q,
                room,
                user,
                from,
                to,
                limit,
                reference,
            } => {
                let params = super::SearchParams {
                    q,
                    room,
                    user,
                    from,
                    to,
                    limit,
                    as_user: None,
                };
                Some(match chat.search(&self.caller, params).await {
                    Ok(found) => frame(serde_json::json!({"type": "search", "ref": reference,
                        "results": found.results})),
                    Err(e) => error(&e, reference.as_ref()),
                })
            }
        }
    }

    /// Joins a room: membership, this connection as a member on this gateway, presence;
    /// then, with `resume`, what was missed.
    async fn join(
        &mut self,
        room: &str,
        resume: Option<Positions>,
    ) -> Result<Option<Utf8Bytes>, ApiError> {
        self.chat.join(room, &self.caller.user).await?;
        if let Some(from) = &resume {
            check_resume(from)?;
        }
        let key = room_key(room);
        if resume.is_some() {
            self.outbox.hold();
        }
        let (positions, recent) = if resume.is_some() {
            let positions = self.hub.subscribe(
                self.conn,
                std::slice::from_ref(&key),
                Channels::default().with(Channel::Chat),
                &self.outbox,
            );
            (positions, Vec::new())
        } else {
            self.hub.subscribe_recent(
                self.conn,
                &key,
                Channels::default().with(Channel::Chat),
                &self.outbox,
            )
        };
        self.rooms.insert(room.to_string());
        self.chat.online(room, &self.caller.user, &self.id).await;
        let online = self.chat.signals.present(room).await.unwrap_or_default();
        let reads = self.chat.signals.reads(room).await.unwrap_or_default();
        let chat_positions: Positions = positions
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("{}/", catalog::CHAT_MESSAGES)))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let joined = frame(serde_json::json!({"type": "joined", "room": room,
            "user": self.caller.user, "positions": chat_positions, "online": online, "reads": reads}));
        let Some(from) = resume else {
            // A fresh join: `joined`, then the room's newest events dispatched before it
            // (the store may not hold them yet), then live ones.
            if !recent.is_empty() {
                if !self.outbox.send(joined.into()).await {
                    return Ok(None);
                }
                for frame in recent {
                    if !self.outbox.send(frame.into()).await {
                        return Ok(None);
                    }
                }
                return Ok(None);
            }
            return Ok(Some(joined));
        };
        if !self.outbox.send(joined.into()).await {
            return Ok(None);
        }
        let rooms: BTreeSet<String> = [key].into();
        // Boxed, as in `stream.rs`: a member's task should not carry a replay's state.
        let done = Box::pin(self.log.replay(
            &from,
            &positions,
            &rooms,
            Channels::default().with(Channel::Chat),
            &self.outbox,
        ))
        .await;
        let lost = self.outbox.release(&positions);
        let resumed: serde_json::Value =
            serde_json::from_str(done.frame(lost).as_str()).unwrap_or_default();
        let mut resumed = resumed;
        resumed["room"] = serde_json::json!(room);
        Ok(Some(frame(resumed)))
    }

    /// Stops this connection's membership of a room on this gateway, and its presence.
    async fn part(&mut self, room: &str) {
        if self.rooms.remove(room) {
            self.hub.unsubscribe(self.conn, &[room_key(room)]);
            self.chat.offline(room, &self.caller.user, &self.id).await;
        }
    }

    async fn refresh(&self) {
        let ttl = self.chat.presence_ttl_ms();
        for room in &self.rooms {
            if let Err(e) = self
                .chat
                .signals
                .refresh(room, &self.caller.user, &self.id, ttl)
                .await
            {
                tracing::warn!(error = %e, room, "presence not refreshed");
            }
        }
    }

    async fn close(&mut self) {
        let rooms: Vec<String> = self.rooms.iter().cloned().collect();
        for room in rooms {
            self.part(&room).await;
        }
    }
}

fn not_joined(room: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "this connection has not joined {room}: send {{\"action\":\"join\",\"room\":\"{room}\"}} first"
    ))
}

/// Resume keys must be partitions of the chat topic.
fn check_resume(from: &Positions) -> Result<(), ApiError> {
    for (key, offset) in from {
        let ok = key
            .rsplit_once('/')
            .is_some_and(|(topic, p)| topic == catalog::CHAT_MESSAGES && p.parse::<u16>().is_ok());
        if !ok {
            return Err(ApiError::BadRequest(format!(
                "resume key {key:?} is not a chat partition: use the \"topic\" and \"partition\" of the chat frames, as \"{}/0\"",
                catalog::CHAT_MESSAGES
            )));
        }
        if *offset < -1 {
            return Err(ApiError::BadRequest(format!(
                "resume offset {offset} of {key} is not an offset: use the last one you saw"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_parse_strictly_and_resume_keys_are_chat_partitions() {
        assert!(matches!(
            serde_json::from_str::<ClientMessage>(
                r#"{"action":"send","room":"a","content":"hi","ref":7}"#
            ),
            Ok(ClientMessage::Send { .. })
        ));
        assert!(serde_json::from_str::<ClientMessage>(r#"{"action":"send","room":"a"}"#).is_err());
        assert!(
            serde_json::from_str::<ClientMessage>(r#"{"action":"join","room":"a","x":1}"#).is_err()
        );
        let ok: Positions = [(format!("{}/2", catalog::CHAT_MESSAGES), 5)].into();
        assert!(check_resume(&ok).is_ok());
        let bars: Positions = [(format!("{}/0", catalog::BARS), 5)].into();
        assert!(check_resume(&bars).is_err());
        let negative: Positions = [(format!("{}/0", catalog::CHAT_MESSAGES), -2)].into();
        assert!(check_resume(&negative).is_err());
    }
}
