//! What chat keeps beside the log: room membership, presence (who is online in a room,
//! per session, with expiry), read markers, and the signals every gateway relays to its
//! local members (presence changes, typing, read markers, the assistant's pieces).
//!
//! In Redis when `redis.url` is set, so every gateway process shares them: sets for
//! membership, a sorted set of sessions per room scored by expiry for presence (Lua
//! scripts decide first-connect and last-disconnect atomically), a hash per room for
//! read markers, and one pub/sub channel for the signals. In this process otherwise
//! (`finstream run`), with the same behaviour.

use futures::StreamExt;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use tokio::sync::broadcast;

/// A frame for the local members of a room; `series` conflates signals of one kind and
/// user for a slow member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub room: String,
    pub series: String,
    pub frame: String,
}

const PREFIX: &str = "finstream:chat:";

fn channel() -> String {
    format!("{PREFIX}signals")
}

fn members_key(room: &str) -> String {
    format!("{PREFIX}members:{room}")
}

fn rooms_key(user: &str) -> String {
    format!("{PREFIX}rooms:{user}")
}

fn presence_key(room: &str) -> String {
    format!("{PREFIX}presence:{room}")
}

fn reads_key(room: &str) -> String {
    format!("{PREFIX}reads:{room}")
}

fn presence_rooms_key() -> String {
    format!("{PREFIX}presence-rooms")
}

/// A session's member in a room's presence set: the user, a newline, the session.
fn session_member(user: &str, session: &str) -> String {
    format!("{user}\n{session}")
}

/// Live sessions of the user other than this one, then adds this one.
const JOIN: &str = r"
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local others = 0
for _, m in ipairs(live) do
  if m ~= ARGV[3] and string.sub(m, 1, #ARGV[4]) == ARGV[4] then others = others + 1 end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[5])
return others";

/// Removes a session; returns {removed, live sessions of the user left}.
const LEAVE: &str = r"
local removed = redis.call('ZREM', KEYS[1], ARGV[2])
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local others = 0
for _, m in ipairs(live) do
  if string.sub(m, 1, #ARGV[3]) == ARGV[3] then others = others + 1 end
end
return {removed, others}";

/// Removes expired sessions; returns the users left with none (once, to one caller).
const SWEEP: &str = r"
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #expired == 0 then return {} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local gone = {}
local out = {}
for _, m in ipairs(expired) do
  local user = string.match(m, '^(.-)\n')
  if user and not gone[user] then
    local alive = false
    for _, l in ipairs(live) do
      if string.sub(l, 1, #user + 1) == user .. '\n' then alive = true break end
    end
    gone[user] = true
    if not alive then table.insert(out, user) end
  end
end
return out";

/// Membership, presence, read markers and signals.
#[derive(Clone)]
pub enum Signals {
    Redis {
        client: redis::Client,
        conn: redis::aio::ConnectionManager,
    },
    Memory(Arc<MemorySignals>),
}

impl std::fmt::Debug for Signals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Signals::Redis { .. } => "Signals::Redis",
            Signals::Memory(_) => "Signals::Memory",
        })
    }
}

impl Default for Signals {
    fn default() -> Self {
        Self::memory()
    }
}

/// The in-process equivalent of the Redis structures.
#[derive(Debug)]
pub struct MemorySignals {
    members: Mutex<HashMap<String, BTreeSet<String>>>,
    /// Room to session member to expiry (ms).
    presence: Mutex<HashMap<String, HashMap<String, i64>>>,
    reads: Mutex<HashMap<String, BTreeMap<String, String>>>,
    bus: broadcast::Sender<Signal>,
}

fn now_ms() -> i64 {
    finstream_schemas::now_nanos() / 1_000_000
}

fn redis_error(e: redis::RedisError) -> String {
    format!("redis: {e}")
}

impl Signals {
    pub fn memory() -> Self {
        Signals::Memory(Arc::new(MemorySignals {
            members: Mutex::default(),
            presence: Mutex::default(),
            reads: Mutex::default(),
            bus: broadcast::channel(4096).0,
        }))
    }

    /// Connects to Redis (`redis://host:port`).
    pub async fn redis(url: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("redis URL {url:?}: {e}"))?;
        let conn = redis::aio::ConnectionManager::new(client.clone())
            .await
            .map_err(|e| format!("connecting to redis at {url}: {e}"))?;
        Ok(Signals::Redis { client, conn })
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Signals::Redis { .. } => "redis",
            Signals::Memory(_) => "in memory",
        }
    }

    /// Makes `user` a member of `room` (what search and history check).
    pub async fn add_member(&self, room: &str, user: &str) -> Result<(), String> {
        match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                redis::pipe()
                    .atomic()
                    .sadd(members_key(room), user)
                    .ignore()
                    .sadd(rooms_key(user), room)
                    .ignore()
                    .query_async::<()>(&mut c)
                    .await
                    .map_err(redis_error)
            }
            Signals::Memory(m) => {
                m.members
                    .lock()
                    .entry(room.to_string())
                    .or_default()
                    .insert(user.to_string());
                Ok(())
            }
        }
    }

    pub async fn remove_member(&self, room: &str, user: &str) -> Result<(), String> {
        match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                redis::pipe()
                    .atomic()
                    .srem(members_key(room), user)
                    .ignore()
                    .srem(rooms_key(user), room)
                    .ignore()
                    .hdel(reads_key(room), user)
                    .ignore()
                    .query_async::<()>(&mut c)
                    .await
                    .map_err(redis_error)
            }
            Signals::Memory(m) => {
                if let Some(set) = m.members.lock().get_mut(room) {
                    set.remove(user);
                }
                if let Some(reads) = m.reads.lock().get_mut(room) {
                    reads.remove(user);
                }
                Ok(())
            }
        }
    }

    pub async fn is_member(&self, room: &str, user: &str) -> Result<bool, String> {
        match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                redis::cmd("SISMEMBER")
                    .arg(members_key(room))
                    .arg(user)
                    .query_async::<bool>(&mut c)
                    .await
                    .map_err(redis_error)
            }
            Signals::Memory(m) => Ok(m.members.lock().get(room).is_some_and(|s| s.contains(user))),
        }
    }

    /// The rooms `user` is a member of, sorted.
    pub async fn rooms_of(&self, user: &str) -> Result<Vec<String>, String> {
        let mut rooms = match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                redis::cmd("SMEMBERS")
                    .arg(rooms_key(user))
                    .query_async::<Vec<String>>(&mut c)
                    .await
                    .map_err(redis_error)?
            }
            Signals::Memory(m) => m
                .members
                .lock()
                .iter()
                .filter(|(_, users)| users.contains(user))
                .map(|(room, _)| room.clone())
                .collect(),
        };
        rooms.sort();
        Ok(rooms)
    }

    /// Marks a session online in a room until `ttl_ms` from now; true when it is the
    /// user's first live session there (the user came online).
    pub async fn online(
        &self,
        room: &str,
        user: &str,
        session: &str,
        ttl_ms: i64,
    ) -> Result<bool, String> {
        let now = now_ms();
        let member = session_member(user, session);
        match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                let others: i64 = redis::Script::new(JOIN)
                    .key(presence_key(room))
                    .key(presence_rooms_key())
                    .arg(now)
                    .arg(now + ttl_ms)
                    .arg(&member)
                    .arg(format!("{user}\n"))
                    .arg(room)
                    .invoke_async(&mut c)
                    .await
                    .map_err(redis_error)?;
                Ok(others == 0)
            }
            Signals::Memory(m) => {
                let mut presence = m.presence.lock();
                let sessions = presence.entry(room.to_string()).or_default();
                let prefix = format!("{user}\n");
                let others = sessions
                    .iter()
                    .filter(|(k, exp)| **exp > now && **k != member && k.starts_with(&prefix))
                    .count();
                sessions.insert(member, now + ttl_ms);
                Ok(others == 0)
            }
        }
    }

    /// Extends a live session.
    pub async fn refresh(
        &self,
        room: &str,
        user: &str,
        session: &str,
        ttl_ms: i64,
    ) -> Result<(), String> {
        let member = session_member(user, session);
        let until = now_ms() + ttl_ms;
        match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                redis::cmd("ZADD")
                    .arg(presence_key(room))
                    .arg("XX")
                    .arg(until)
                    .arg(member)
                    .query_async::<()>(&mut c)
                    .await
                    .map_err(redis_error)
            }
            Signals::Memory(m) => {
                if let Some(exp) = m
                    .presence
                    .lock()
                    .get_mut(room)
                    .and_then(|s| s.get_mut(&member))
                {
                    *exp = until;
                }
                Ok(())
            }
        }
    }

    /// Ends a session; true when it was the user's last live one in the room.
    pub async fn offline(&self, room: &str, user: &str, session: &str) -> Result<bool, String> {
        let now = now_ms();
        let member = session_member(user, session);
        let prefix = format!("{user}\n");
        match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                let (removed, others): (i64, i64) = redis::Script::new(LEAVE)
                    .key(presence_key(room))
                    .arg(now)
                    .arg(&member)
                    .arg(&prefix)
                    .invoke_async(&mut c)
                    .await
                    .map_err(redis_error)?;
                Ok(removed == 1 && others == 0)
            }
            Signals::Memory(m) => {
                let mut presence = m.presence.lock();
                let Some(sessions) = presence.get_mut(room) else {
                    return Ok(false);
                };
                let removed = sessions.remove(&member).is_some();
                let others = sessions
                    .iter()
                    .filter(|(k, exp)| **exp > now && k.starts_with(&prefix))
                    .count();
                Ok(removed && others == 0)
            }
        }
    }

    /// Users online in a room, sorted.
    pub async fn present(&self, room: &str) -> Result<Vec<String>, String> {
        let now = now_ms();
        let members: Vec<String> = match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                redis::cmd("ZRANGEBYSCORE")
                    .arg(presence_key(room))
                    .arg(format!("({now}"))
                    .arg("+inf")
                    .query_async(&mut c)
                    .await
                    .map_err(redis_error)?
            }
            Signals::Memory(m) => m
                .presence
                .lock()
                .get(room)
                .map(|s| {
                    s.iter()
                        .filter(|(_, exp)| **exp > now)
                        .map(|(k, _)| k.clone())
                        .collect()
                })
                .unwrap_or_default(),
        };
        let users: BTreeSet<String> = members
            .iter()
            .filter_map(|m| m.split_once('\n').map(|(u, _)| u.to_string()))
            .collect();
        Ok(users.into_iter().collect())
    }

    /// Expired sessions (a gateway that died, a client that vanished) removed; returns
    /// (room, user) for each user left with no live session, each to one caller only.
    pub async fn sweep(&self) -> Result<Vec<(String, String)>, String> {
        let now = now_ms();
        match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                let rooms: Vec<String> = redis::cmd("SMEMBERS")
                    .arg(presence_rooms_key())
                    .query_async(&mut c)
                    .await
                    .map_err(redis_error)?;
                let mut gone = Vec::new();
                for room in rooms {
                    let users: Vec<String> = redis::Script::new(SWEEP)
                        .key(presence_key(&room))
                        .arg(now)
                        .invoke_async(&mut c)
                        .await
                        .map_err(redis_error)?;
                    gone.extend(users.into_iter().map(|u| (room.clone(), u)));
                }
                Ok(gone)
            }
            Signals::Memory(m) => {
                let mut gone = Vec::new();
                for (room, sessions) in m.presence.lock().iter_mut() {
                    let expired: Vec<String> = sessions
                        .iter()
                        .filter(|(_, exp)| **exp <= now)
                        .map(|(k, _)| k.clone())
                        .collect();
                    for k in &expired {
                        sessions.remove(k);
                    }
                    let users: BTreeSet<&str> = expired
                        .iter()
                        .filter_map(|k| k.split_once('\n').map(|(u, _)| u))
                        .collect();
                    for user in users {
                        let prefix = format!("{user}\n");
                        if !sessions.keys().any(|k| k.starts_with(&prefix)) {
                            gone.push((room.clone(), user.to_string()));
                        }
                    }
                }
                Ok(gone)
            }
        }
    }

    pub async fn set_read(&self, room: &str, user: &str, id: &str) -> Result<(), String> {
        match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                redis::cmd("HSET")
                    .arg(reads_key(room))
                    .arg(user)
                    .arg(id)
                    .query_async::<()>(&mut c)
                    .await
                    .map_err(redis_error)
            }
            Signals::Memory(m) => {
                m.reads
                    .lock()
                    .entry(room.to_string())
                    .or_default()
                    .insert(user.to_string(), id.to_string());
                Ok(())
            }
        }
    }

    /// Each member's read marker in a room: the last message id they have read.
    pub async fn reads(&self, room: &str) -> Result<BTreeMap<String, String>, String> {
        match self {
            Signals::Redis { conn, .. } => {
                let mut c = conn.clone();
                redis::cmd("HGETALL")
                    .arg(reads_key(room))
                    .query_async(&mut c)
                    .await
                    .map_err(redis_error)
            }
            Signals::Memory(m) => Ok(m.reads.lock().get(room).cloned().unwrap_or_default()),
        }
    }

    /// Sends a signal to every gateway's members of its room.
    pub async fn publish(&self, signal: &Signal) -> Result<(), String> {
        match self {
            Signals::Redis { conn, .. } => {
                let payload = serde_json::to_string(signal).map_err(|e| e.to_string())?;
                let mut c = conn.clone();
                redis::cmd("PUBLISH")
                    .arg(channel())
                    .arg(payload)
                    .query_async::<()>(&mut c)
                    .await
                    .map_err(redis_error)
            }
            Signals::Memory(m) => {
                // No receiver yet is not an error: nobody is listening.
                let _ = m.bus.send(signal.clone());
                Ok(())
            }
        }
    }

    /// Hands every signal published (by any gateway) to `deliver`, until `shutdown`;
    /// reconnects to Redis when the connection drops.
    pub async fn relay(
        &self,
        deliver: impl Fn(Signal) + Send,
        shutdown: tokio_util::sync::CancellationToken,
    ) {
        match self {
            Signals::Memory(m) => {
                let mut rx = m.bus.subscribe();
                loop {
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        s = rx.recv() => match s {
                            Ok(s) => deliver(s),
                            Err(broadcast::error::RecvError::Lagged(n)) => {
                                tracing::warn!(missed = n, "chat signals relay lagged");
                            }
                            Err(broadcast::error::RecvError::Closed) => return,
                        }
                    }
                }
            }
            Signals::Redis { client, .. } => loop {
                let subscribed = async {
                    let mut pubsub = client.get_async_pubsub().await?;
                    pubsub.subscribe(channel()).await?;
                    Ok::<_, redis::RedisError>(pubsub)
                };
                let pubsub = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    p = subscribed => p,
                };
                match pubsub {
                    Ok(mut pubsub) => {
                        let mut messages = pubsub.on_message();
                        loop {
                            tokio::select! {
                                _ = shutdown.cancelled() => return,
                                m = messages.next() => match m {
                                    Some(m) => {
                                        let payload: String = m.get_payload().unwrap_or_default();
                                        match serde_json::from_str::<Signal>(&payload) {
                                            Ok(s) => deliver(s),
                                            Err(e) => tracing::warn!(error = %e, "skipping a chat signal that does not parse"),
                                        }
                                    }
                                    None => break,
                                }
                            }
                        }
                        tracing::warn!("chat signals subscription ended; resubscribing");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot subscribe to chat signals; retrying")
                    }
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_presence_counts_sessions_per_user_and_sweeps_the_expired() {
        let s = Signals::memory();
        assert!(s.online("r", "ann", "g1:1", 60_000).await.expect("online"));
        assert!(
            !s.online("r", "ann", "g2:7", 60_000)
                .await
                .expect("second session")
        );
        assert!(
            s.online("r", "bob", "g1:2", -1)
                .await
                .expect("bob, already expired")
        );
        assert_eq!(s.present("r").await.expect("present"), ["ann"]);
        assert!(!s.offline("r", "ann", "g1:1").await.expect("one of two"));
        assert!(s.offline("r", "ann", "g2:7").await.expect("the last"));
        assert_eq!(
            s.sweep().await.expect("sweep"),
            vec![("r".to_string(), "bob".to_string())]
        );
        assert!(s.sweep().await.expect("again").is_empty(), "swept twice");
        s.add_member("r", "ann").await.expect("member");
        assert!(s.is_member("r", "ann").await.expect("is"));
        assert_eq!(s.rooms_of("ann").await.expect("rooms"), ["r"]);
        s.set_read("r", "ann", "m-9").await.expect("read");
        assert_eq!(s.reads("r").await.expect("reads")["ann"], "m-9");
        s.remove_member("r", "ann").await.expect("leave");
        assert!(!s.is_member("r", "ann").await.expect("is not"));
        assert!(s.reads("r").await.expect("reads").is_empty());
    }
}
