//! Chat on the distributed path (`make test` starts the services): two `finstream
//! gateway` processes and a `finstream process persist` against the real Kafka, Redis and
//! Cassandra of `deploy/local`, several WebSocket clients on both gateways.
//!
//! Shown here: ordered delivery per room across processes, acknowledgements with
//! offsets, edits, deletions and reactions seen by everyone, presence and typing across
//! processes (Redis), search finding a message sent a moment earlier on the other
//! gateway, history pages from the hot store with nothing missing or repeated, resume
//! on the other gateway with no gap and no duplicate, and bad messages rejected with a
//! reason while the room goes on.

mod common;

use common::*;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

fn chat_env(prefix: &str, keyspace: &str, data: &std::path::Path) -> Vec<(String, String)> {
    let mut env = distributed_env(prefix, keyspace, data);
    env.extend([
        (
            "FINSTREAM__REDIS__URL".into(),
            service("FINSTREAM_TEST_REDIS"),
        ),
        ("FINSTREAM__GATEWAY__AUTH__REQUIRED".into(), "false".into()),
        ("FINSTREAM__PERSIST__MAX_AGE_MS".into(), "200".into()),
    ]);
    env
}

struct Client {
    ws: Ws,
    /// Frames read but not yet asked for.
    backlog: Vec<Value>,
    /// Every frame read, in order.
    log: Vec<Value>,
}

impl Client {
    async fn connect(url: &str, user: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(format!("{url}?user={user}"))
            .await
            .expect("chat WebSocket connects");
        let mut c = Self {
            ws,
            backlog: Vec::new(),
            log: Vec::new(),
        };
        let hello = c.expect(|f| f["type"] == "hello").await;
        assert_eq!(hello["user"], user);
        c
    }

    async fn send(&mut self, v: Value) {
        self.ws
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("frame sent");
    }

    async fn raw(&mut self, text: &str) {
        self.ws
            .send(Message::Text(text.to_string().into()))
            .await
            .expect("frame sent");
    }

    /// The next frame matching `want` (earlier non-matching ones are kept), within 15 s.
    async fn expect(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&want) {
            return self.backlog.remove(i);
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let next = tokio::time::timeout(left, self.ws.next()).await;
            let frame = match next {
                Ok(Some(Ok(Message::Text(t)))) => {
                    serde_json::from_str::<Value>(t.as_str()).expect("JSON frame")
                }
                Ok(Some(Ok(_))) => continue,
                Ok(other) => panic!(
                    "the connection ended: {other:?}; backlog {:?}",
                    self.backlog
                ),
                Err(_) => panic!("no matching frame within 15 s; backlog {:?}", self.backlog),
            };
            self.log.push(frame.clone());
            if want(&frame) {
                return frame;
            }
            self.backlog.push(frame);
        }
    }

    /// Reads every frame that arrives within `quiet` of the previous one into the log.
    async fn drain(&mut self, quiet: Duration) {
        while let Ok(Some(Ok(m))) = tokio::time::timeout(quiet, self.ws.next()).await {
            if let Message::Text(t) = m {
                let frame: Value = serde_json::from_str(t.as_str()).expect("JSON frame");
                self.log.push(frame.clone());
                self.backlog.push(frame);
            }
        }
    }

    /// The contents of the chat events of `room` read so far, in arrival order.
    fn contents(&self, room: &str) -> Vec<String> {
        self.log
            .iter()
            .filter(|f| f["type"] == "chat" && f["room"] == room)
            .map(|f| f["data"]["content"].as_str().unwrap_or("").to_string())
            .collect()
    }
}

fn is_chat_with(content: &str) -> impl Fn(&Value) -> bool + '_ {
    move |f| f["type"] == "chat" && f["data"]["content"] == content
}

/// Newest offset per partition among chat frames (and the joined frame's positions).
fn offsets(frames: &[Value], into: &mut BTreeMap<String, i64>) {
    for f in frames {
        if f["type"] == "joined" {
            for (k, v) in f["positions"].as_object().into_iter().flatten() {
                let o = v.as_i64().expect("offset");
                let e = into.entry(k.clone()).or_insert(o);
                *e = (*e).max(o);
            }
        }
        if f["type"] == "chat" {
            let key = format!("{}/{}", f["topic"].as_str().expect("topic"), f["partition"]);
            let o = f["offset"].as_i64().expect("offset");
            let e = into.entry(key).or_insert(o);
            *e = (*e).max(o);
        }
    }
}

#[tokio::test]
#[ignore = "needs Kafka, Redis and Cassandra: run by `make test`"]
async fn rooms_work_across_two_gateways() {
    let prefix = unique("chat");
    let keyspace = unique("chat").replace('-', "_");
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let created = std::process::Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(["topics", "create"])
        .envs(chat_env(&prefix, &keyspace, dirs[0].path()))
        .output()
        .expect("topics create runs");
    assert!(created.status.success(), "{created:?}");
    let _persist = Finstream::start(
        &["process", "persist"],
        &chat_env(&prefix, &keyspace, dirs[0].path()),
        false,
    );
    let gw1 = Finstream::start(
        &["gateway", "--http", "127.0.0.1:0"],
        &chat_env(&prefix, &keyspace, dirs[1].path()),
        true,
    );
    let gw2 = Finstream::start(
        &["gateway", "--http", "127.0.0.1:0"],
        &chat_env(&prefix, &keyspace, dirs[2].path()),
        true,
    );
    for gw in [&gw1, &gw2] {
        wait_http_ok(&format!("{}/ready", gw.url()), Duration::from_secs(90)).await;
    }
    let room = unique("desk");
    let http = reqwest::Client::new();

    // Presence across processes: bob (gateway 2) sees ann (gateway 1) come online.
    let mut ann = Client::connect(&gw1.ws_url("/v1/chat"), "ann").await;
    let mut bob = Client::connect(&gw2.ws_url("/v1/chat"), "bob").await;
    bob.send(json!({"action": "join", "room": room})).await;
    let joined = bob.expect(|f| f["type"] == "joined").await;
    assert_eq!(joined["online"], json!(["bob"]));
    ann.send(json!({"action": "join", "room": room})).await;
    ann.expect(|f| f["type"] == "joined").await;
    let online = bob
        .expect(|f| f["type"] == "presence" && f["user"] == "ann")
        .await;
    assert_eq!(online["state"], "online");
    let presence: Value = http
        .get(format!(
            "{}/v1/chat/rooms/{room}/presence?as=bob",
            gw2.url()
        ))
        .send()
        .await
        .expect("presence")
        .json()
        .await
        .expect("JSON");
    assert_eq!(presence["online"], json!(["ann", "bob"]));

    // Ordered delivery: 30 messages from gateway 1 reach gateway 2 in order, each acked
    // with its offset.
    for i in 0..30 {
        ann.send(json!({"action": "send", "room": room, "content": format!("tick {i}"), "ref": i}))
            .await;
    }
    let mut acked = Vec::new();
    for i in 0..30 {
        let ack = ann.expect(|f| f["type"] == "ack" && f["ref"] == i).await;
        acked.push(ack["offset"].as_i64().expect("offset"));
    }
    assert!(
        acked.windows(2).all(|w| w[0] < w[1]),
        "acks out of order: {acked:?}"
    );
    let mut seen = Vec::new();
    while seen.len() < 30 {
        let f = bob.expect(|f| f["type"] == "chat").await;
        seen.push(f);
    }
    let contents: Vec<&str> = seen
        .iter()
        .map(|f| f["data"]["content"].as_str().unwrap_or(""))
        .collect();
    let wanted: Vec<String> = (0..30).map(|i| format!("tick {i}")).collect();
    assert_eq!(contents, wanted, "bob's order");
    let offsets_seen: Vec<i64> = seen
        .iter()
        .map(|f| f["offset"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(
        offsets_seen, acked,
        "bob's offsets are the acknowledged ones"
    );
    let id = |i: usize| seen[i]["data"]["id"].as_str().expect("id").to_string();

    // Typing crosses processes; edits, deletions and reactions reach everyone.
    ann.send(json!({"action": "typing", "room": room})).await;
    bob.expect(|f| f["type"] == "typing" && f["user"] == "ann")
        .await;
    bob.send(json!({"action": "react", "room": room, "id": id(0), "emoji": "👍"}))
        .await;
    ann.send(json!({"action": "edit", "room": room, "id": id(1), "content": "tick 1 (edited)"}))
        .await;
    ann.send(json!({"action": "delete", "room": room, "id": id(2)}))
        .await;
    for c in [&mut ann, &mut bob] {
        let r = c
            .expect(|f| f["type"] == "chat" && f["data"]["action"] == "react")
            .await;
        assert_eq!(
            (
                r["data"]["target_id"].as_str(),
                r["data"]["content"].as_str()
            ),
            (Some(id(0).as_str()), Some("👍"))
        );
        let e = c
            .expect(|f| f["type"] == "chat" && f["data"]["action"] == "edit")
            .await;
        assert_eq!(e["data"]["content"], "tick 1 (edited)");
        let d = c
            .expect(|f| f["type"] == "chat" && f["data"]["action"] == "delete")
            .await;
        assert_eq!(d["data"]["target_id"], id(2));
    }
    // Only the author edits.
    bob.send(
        json!({"action": "edit", "room": room, "id": id(3), "content": "mine now", "ref": "steal"}),
    )
    .await;
    let refused = bob
        .expect(|f| f["type"] == "error" && f["ref"] == "steal")
        .await;
    assert_eq!(refused["code"], 403, "{refused}");

    // Bad input: a clear error each, and the room goes on.
    bob.send(json!({"action": "send", "room": room, "content": "x".repeat(5_000), "ref": "big"}))
        .await;
    let big = bob
        .expect(|f| f["type"] == "error" && f["ref"] == "big")
        .await;
    assert_eq!(big["code"], 413);
    assert!(
        big["message"]
            .as_str()
            .unwrap_or("")
            .contains("max_message_chars"),
        "{big}"
    );
    bob.raw("{not json").await;
    let bad = bob
        .expect(|f| f["type"] == "error" && f["code"] == 400)
        .await;
    assert!(
        bad["message"]
            .as_str()
            .unwrap_or("")
            .contains("could not read"),
        "{bad}"
    );
    let unique_word = format!("zebrafish{}", std::process::id());
    bob.send(json!({"action": "send", "room": room, "content": format!("still here: {unique_word} and card 4111 1111 1111 1111")}))
        .await;
    let still = ann
        .expect(|f| {
            f["type"] == "chat"
                && f["data"]["content"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("still here"))
        })
        .await;
    assert!(
        still["data"]["content"]
            .as_str()
            .unwrap_or("")
            .ends_with("card ••••1111"),
        "not masked: {still}"
    );

    // Search on gateway 1 finds what bob sent through gateway 2 a moment ago.
    let mut found = Value::Null;
    for _ in 0..50 {
        found = http
            .get(format!("{}/v1/chat/search", gw1.url()))
            .query(&[("q", unique_word.as_str()), ("as", "ann")])
            .send()
            .await
            .expect("search")
            .json()
            .await
            .expect("JSON");
        if found["results"].as_array().is_some_and(|r| !r.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hit = &found["results"][0];
    assert_eq!(hit["user"], "bob", "{found}");
    assert_eq!(hit["room"], room.as_str());
    let [a, b] = [
        hit["highlights"][0][0].as_u64(),
        hit["highlights"][0][1].as_u64(),
    ]
    .map(|v| v.unwrap_or(0) as usize);
    let marked: String = hit["content"]
        .as_str()
        .unwrap_or("")
        .chars()
        .skip(a)
        .take(b - a)
        .collect();
    assert_eq!(marked, unique_word);
    // Search honours membership: cy is in no room.
    let outsider = http
        .get(format!("{}/v1/chat/search", gw1.url()))
        .query(&[
            ("q", unique_word.as_str()),
            ("room", room.as_str()),
            ("as", "cy"),
        ])
        .send()
        .await
        .expect("search");
    assert_eq!(outsider.status(), 403);

    // Resume on the other gateway: bob leaves with his offsets, ann sends five, bob comes
    // back through gateway 1 and gets exactly those five, then live ones, once each.
    bob.drain(Duration::from_millis(500)).await;
    let mut last = BTreeMap::new();
    offsets(&bob.log, &mut last);
    drop(bob);
    ann.expect(|f| f["type"] == "presence" && f["user"] == "bob" && f["state"] == "offline")
        .await;
    for i in 0..5 {
        ann.send(json!({"action": "send", "room": room, "content": format!("missed {i}"), "ref": format!("m{i}")}))
            .await;
        ann.expect(|f| f["type"] == "ack" && f["ref"] == format!("m{i}"))
            .await;
    }
    let mut bob = Client::connect(&gw1.ws_url("/v1/chat"), "bob").await;
    bob.send(json!({"action": "join", "room": room, "resume": last}))
        .await;
    let resumed = bob.expect(|f| f["type"] == "resumed").await;
    assert_eq!(resumed["complete"], true, "{resumed}");
    ann.send(json!({"action": "send", "room": room, "content": "live again"}))
        .await;
    bob.expect(is_chat_with("live again")).await;
    bob.drain(Duration::from_millis(500)).await;
    // Exactly what was missed, in order, then the live one: nothing twice, nothing older.
    let mut wanted: Vec<String> = (0..5).map(|i| format!("missed {i}")).collect();
    wanted.push("live again".into());
    assert_eq!(bob.contents(&room), wanted);

    // History from the hot store: pages of 10 back from the newest, on gateway 2, hold
    // every event once, in order (waiting for persist to write the last one).
    let total_events = 30 + 3 + 1 + 5 + 1;
    let mut pages: Vec<Value> = Vec::new();
    for _ in 0..100 {
        pages.clear();
        let mut before: Option<String> = None;
        loop {
            let mut q = vec![
                ("limit".to_string(), "10".to_string()),
                ("as".into(), "bob".into()),
            ];
            if let Some(b) = &before {
                q.push(("before".into(), b.clone()));
            }
            let page: Value = http
                .get(format!("{}/v1/chat/rooms/{room}/messages", gw2.url()))
                .query(&q)
                .send()
                .await
                .expect("history")
                .json()
                .await
                .expect("JSON");
            let messages = page["messages"].as_array().cloned().unwrap_or_default();
            let oldest = messages
                .first()
                .and_then(|m| m["id"].as_str())
                .map(str::to_string);
            let mut older = messages;
            older.append(&mut pages);
            pages = older;
            if page["has_more"] != true {
                break;
            }
            before = oldest;
        }
        if pages.len() >= total_events {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(pages.len(), total_events, "history: {pages:?}");
    let ids: Vec<&str> = pages.iter().filter_map(|m| m["id"].as_str()).collect();
    let mut unique_ids = ids.clone();
    unique_ids.dedup();
    assert_eq!(unique_ids.len(), ids.len(), "a page repeated an event");
    let posts: Vec<&str> = pages
        .iter()
        .filter(|m| m["action"] == "post")
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert_eq!(posts.first(), Some(&"tick 0"));
    assert_eq!(posts.last(), Some(&"live again"));
}

/// The same service on `finstream run` (in-process log, embedded store, presence in
/// memory): the REST fallback, attachments, the assistant's reply when no documents are
/// configured, per-user limits, export, and delete-my-data.
#[tokio::test]
async fn rest_attachments_export_limits_and_erasure_on_finstream_run() {
    let dir = tempfile::tempdir().expect("dir");
    let env = vec![
        (
            "FINSTREAM__GATEWAY__CHAT__MESSAGES_PER_USER".to_string(),
            "12".to_string(),
        ),
        (
            "FINSTREAM_MODEL_DIR".to_string(),
            dir.path().join("no-model").display().to_string(),
        ),
        (
            "FINSTREAM__GATEWAY__CHAT__RETENTION__EPHEMERAL".to_string(),
            "3s".to_string(),
        ),
        (
            "FINSTREAM__GATEWAY__CHAT__RETENTION_CHECK_SECS".to_string(),
            "1".to_string(),
        ),
        // History must show the ephemeral message well within its 3 s: persist's default
        // flush age (2 s) raced the 2 s this test waits for it.
        (
            "FINSTREAM__PERSIST__MAX_AGE_MS".to_string(),
            "200".to_string(),
        ),
    ];
    let app = Finstream::run_in(dir.path(), &env);
    wait_http_ok(&format!("{}/ready", app.url()), Duration::from_secs(60)).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", app.url());

    let mut ann = Client::connect(&app.ws_url("/v1/chat"), "ann").await;
    ann.send(json!({"action": "join", "room": "ops"})).await;
    ann.expect(|f| f["type"] == "joined").await;

    // Not a member yet: refused with what to do.
    let early = http
        .post(url("/v1/chat/rooms/ops/messages?as=bob"))
        .json(&json!({"content": "hello"}))
        .send()
        .await
        .expect("send");
    assert_eq!(early.status(), 403);
    let body: Value = early.json().await.expect("JSON");
    assert!(
        body["message"].as_str().unwrap_or("").contains("join"),
        "{body}"
    );
    let joined = http
        .post(url("/v1/chat/rooms/ops/join?as=bob"))
        .send()
        .await
        .expect("join");
    assert_eq!(joined.status(), 200);

    // REST send: 201 once durable, delivered over the WebSocket.
    let sent = http
        .post(url("/v1/chat/rooms/ops/messages?as=bob"))
        .json(&json!({"content": "hedge ratio for NVDA?", "context": {"symbols": ["NVDA"]}}))
        .send()
        .await
        .expect("send");
    assert_eq!(sent.status(), 201);
    let posted: Value = sent.json().await.expect("JSON");
    let live = ann.expect(is_chat_with("hedge ratio for NVDA?")).await;
    assert_eq!(live["data"]["id"], posted["id"]);
    assert_eq!(live["offset"], posted["offset"]);
    assert_eq!(live["data"]["context"]["symbols"], json!(["NVDA"]));
    let bad = http
        .post(url("/v1/chat/rooms/ops/messages?as=bob"))
        .json(&json!({"content": "x", "context": [1, 2]}))
        .send()
        .await
        .expect("send");
    assert_eq!(bad.status(), 400);

    // An attachment: stored by hash, announced in the room, downloadable by members.
    let notes = b"Desk notes: roll the June hedges before expiry.".to_vec();
    let part = reqwest::multipart::Part::bytes(notes.clone()).file_name("notes.txt");
    let form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("caption", "today's notes");
    let attached = http
        .post(url("/v1/chat/rooms/ops/attachments?as=bob"))
        .multipart(form)
        .send()
        .await
        .expect("attach");
    assert_eq!(attached.status(), 201);
    let a = ann.expect(is_chat_with("today's notes")).await;
    let link = a["data"]["context"]["attachment"]["url"]
        .as_str()
        .expect("url")
        .to_string();
    assert_eq!(a["data"]["context"]["attachment"]["filename"], "notes.txt");
    let got = http
        .get(url(&format!("{link}?as=ann")))
        .send()
        .await
        .expect("download");
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), notes);
    let stranger = http
        .get(url(&format!("{link}?as=cy")))
        .send()
        .await
        .expect("download");
    assert_eq!(stranger.status(), 403);
    let exe = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"MZ".to_vec()).file_name("tool.exe"),
    );
    let refused = http
        .post(url("/v1/chat/rooms/ops/attachments?as=bob"))
        .multipart(exe)
        .send()
        .await
        .expect("attach");
    assert_eq!(refused.status(), 415);
    // Sending a file on to ingest needs the documents service, which is off here.
    let to_ingest = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(notes.clone()).file_name("notes.txt"),
        )
        .text("ingest", "true");
    let off = http
        .post(url("/v1/chat/rooms/ops/attachments?as=bob"))
        .multipart(to_ingest)
        .send()
        .await
        .expect("attach");
    assert_eq!(off.status(), 503);

    // The assistant answers in the room, in the question's thread, saying why it cannot
    // use documents here.
    ann.send(json!({"action": "send", "room": "ops", "content": "@assistant what about the June hedges?", "ref": "q"}))
        .await;
    let q = ann.expect(|f| f["type"] == "ack" && f["ref"] == "q").await;
    let reply = ann
        .expect(|f| f["type"] == "chat" && f["data"]["user"] == "assistant")
        .await;
    assert_eq!(reply["data"]["role"], "assistant");
    assert_eq!(reply["data"]["thread_parent"], q["id"]);
    assert!(
        reply["data"]["content"]
            .as_str()
            .unwrap_or("")
            .contains("cannot answer"),
        "{reply}"
    );

    // Per-user limit (12 a minute here): bob has used 3 (message, attachment, the 415 and
    // 503 refusals are not actions); the rest until the limit, then 429 with the reason.
    let mut codes = Vec::new();
    for i in 0..12 {
        let r = http
            .post(url("/v1/chat/rooms/ops/messages?as=bob"))
            .json(&json!({"content": format!("burst {i}")}))
            .send()
            .await
            .expect("send");
        codes.push(r.status().as_u16());
        if r.status() == 429 {
            let body: Value = r.json().await.expect("JSON");
            assert!(
                body["message"].as_str().unwrap_or("").contains("retry in"),
                "{body}"
            );
            break;
        }
    }
    assert_eq!(codes.last(), Some(&429), "{codes:?}");
    assert!(
        codes.iter().filter(|c| **c == 201).count() >= 8,
        "{codes:?}"
    );

    // Export: the room's events as NDJSON, oldest first (once persist has them all).
    let mut lines = Vec::new();
    for _ in 0..50 {
        let text = http
            .get(url("/v1/chat/rooms/ops/export?as=ann"))
            .send()
            .await
            .expect("export")
            .text()
            .await
            .expect("text");
        lines = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("NDJSON"))
            .collect();
        if lines.iter().any(|l| l["user"] == "assistant")
            && lines.iter().any(|l| l["content"] == "burst 7")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        lines.first().map(|l| l["content"].clone()),
        Some(json!("hedge ratio for NVDA?"))
    );

    // Delete-my-data: every post of bob's is deleted (everyone sees the deletions), search
    // no longer finds them, and bob has left the room.
    let erased: Value = http
        .delete(url("/v1/chat/me?as=bob"))
        .send()
        .await
        .expect("erase")
        .json()
        .await
        .expect("JSON");
    let bob_posts = lines
        .iter()
        .filter(|l| l["user"] == "bob" && l["action"] == "post")
        .count();
    assert_eq!(erased["deleted"], bob_posts, "{erased}");
    assert_eq!(erased["rooms_left"], json!(["ops"]));
    let deletion = ann
        .expect(|f| {
            f["type"] == "chat" && f["data"]["action"] == "delete" && f["data"]["user"] == "bob"
        })
        .await;
    assert_eq!(deletion["data"]["context"]["reason"], "delete-my-data");
    let mut found = json!(null);
    for _ in 0..50 {
        found = http
            .get(url("/v1/chat/search?q=hedge%20OR%20june&as=ann"))
            .send()
            .await
            .expect("search")
            .json()
            .await
            .expect("JSON");
        if found["results"]
            .as_array()
            .is_some_and(|r| r.iter().all(|h| h["user"] != "bob"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let users: Vec<&str> = found["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["user"].as_str())
        .collect();
    assert!(!users.contains(&"bob"), "{found}");
    assert!(
        users.contains(&"ann"),
        "ann's own question should still be found: {found}"
    );

    // Retention: "ephemeral" keeps its messages 3 s. The message is in history first; then
    // the cleanup (every second here) removes it and search stops showing it.
    ann.send(json!({"action": "join", "room": "ephemeral"}))
        .await;
    ann.expect(|f| f["type"] == "joined" && f["room"] == "ephemeral")
        .await;
    ann.send(
        json!({"action": "send", "room": "ephemeral", "content": "fleeting zzqx", "ref": "e"}),
    )
    .await;
    ann.expect(|f| f["type"] == "ack" && f["ref"] == "e").await;
    let history = |http: reqwest::Client, u: String| async move {
        let page: Value = http
            .get(u)
            .send()
            .await
            .expect("history")
            .json()
            .await
            .expect("JSON");
        page["messages"].as_array().map_or(0, Vec::len)
    };
    let ephemeral = url("/v1/chat/rooms/ephemeral/messages?as=ann");
    let mut seen = false;
    for _ in 0..20 {
        if history(http.clone(), ephemeral.clone()).await == 1 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "the message never reached history");
    let mut gone = false;
    let mut last_seen = (0, Value::Null);
    for _ in 0..100 {
        let found: Value = http
            .get(url("/v1/chat/search?q=zzqx&as=ann"))
            .send()
            .await
            .expect("search")
            .json()
            .await
            .expect("JSON");
        let searchable = found["results"].as_array().is_some_and(|r| !r.is_empty());
        let kept = history(http.clone(), ephemeral.clone()).await;
        if kept == 0 && !searchable {
            gone = true;
            break;
        }
        last_seen = (kept, found);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        gone,
        "retention did not remove the message within 10 s: history {}, search {}",
        last_seen.0, last_seen.1
    );
}
