//! Auth and limits over HTTP and the Alpaca stream, against a real embedded store holding
//! the keys: every way credentials fail, roles, IP lists, JWTs (HS256 and RS256), rate
//! limits counted in memory, and in Redis shared by two gateways (`FINSTREAM_TEST_REDIS`,
//! run by `make test`).

mod common;

use common::{Ws, start};
use finstream_bus::Bus;
use finstream_gateway::auth::{
    AuthConfig, LimitsConfig, RateLimiter, Role, hash_secret, new_credentials,
};
use finstream_gateway::{Backends, GatewayConfig};
use finstream_schemas::Codec;
use finstream_schemas::alpaca::{
    ClientAction, Encoding, StreamMessage, decode_frame, encode_action,
};
use finstream_storage::hot::keys::ApiKey;
use finstream_storage::hot::{EmbeddedStore, HotStore};
use futures::{SinkExt, StreamExt};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

const HS_SECRET: &str = "a test secret of enough length for HS256";

struct Served {
    base: String,
    http: reqwest::Client,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

struct Keys {
    viewer: (String, String),
    analyst: (String, String),
    revoked: (String, String),
}

async fn store_with_keys(dir: &std::path::Path) -> (HotStore, Keys) {
    let store = EmbeddedStore::open(&dir.join("hot.redb")).expect("store");
    let store = HotStore::Embedded(store, Codec::embedded());
    let make = async |role: Role, revoked: bool| {
        let (id, secret) = new_credentials();
        let key = ApiKey {
            id: id.clone(),
            secret_sha256: hash_secret(&secret),
            role: role.name().into(),
            label: "test".into(),
            created_at: 1,
            revoked_at: revoked.then_some(2),
        };
        store.put_api_key(&key, 2).await.expect("put key");
        (id, secret)
    };
    let keys = Keys {
        viewer: make(Role::Viewer, false).await,
        analyst: make(Role::Analyst, false).await,
        revoked: make(Role::Admin, true).await,
    };
    (store, keys)
}

async fn serve(config: GatewayConfig, store: Option<HotStore>, limiter: RateLimiter) -> Served {
    let dir = tempfile::tempdir().expect("tempdir");
    let shutdown = CancellationToken::new();
    let backends = Backends {
        store,
        sql: None,
        limiter,
        ..Backends::default()
    };
    let port = start(&config, Bus::memory(100), backends, &shutdown).await;
    let base = format!("http://127.0.0.1:{port}");
    Served {
        base,
        http: reqwest::Client::new(),
        shutdown,
        _dir: dir,
    }
}

/// A gateway that requires credentials, on a store holding a key of each role.
async fn serve_requiring_keys(dir: &std::path::Path) -> (Served, Keys) {
    let (store, keys) = store_with_keys(dir).await;
    let config = GatewayConfig {
        auth: required(),
        ..GatewayConfig::default()
    };
    (
        serve(config, Some(store), RateLimiter::memory()).await,
        keys,
    )
}

fn required() -> AuthConfig {
    AuthConfig {
        required: Some(true),
        jwt_hs256_secret: Some(HS_SECRET.into()),
        jwt_rs256_public_key: Some(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/jwt-rs256-public.pem"
            )
            .into(),
        ),
        ..AuthConfig::default()
    }
}

impl Served {
    async fn get(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let h = r.headers().clone();
        (status, r.json().await.unwrap_or(Value::Null), h)
    }
}

fn key_headers(k: &(String, String)) -> [(&str, &str); 2] {
    [
        ("APCA-API-KEY-ID", k.0.as_str()),
        ("APCA-API-SECRET-KEY", k.1.as_str()),
    ]
}

fn token(alg: jsonwebtoken::Algorithm, role: &str, exp_in: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let claims = json!({"sub": "user-7", "role": role, "exp": now + exp_in});
    let key = match alg {
        jsonwebtoken::Algorithm::RS256 => {
            EncodingKey::from_rsa_pem(include_bytes!("fixtures/jwt-rs256-private.pem"))
                .expect("pem")
        }
        _ => EncodingKey::from_secret(HS_SECRET.as_bytes()),
    };
    encode(&Header::new(alg), &claims, &key).expect("token")
}

fn assert_error(status: u16, body: &Value, want: u16, mentions: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["code"], want, "{body}");
    let m = body["message"].as_str().unwrap_or_default();
    assert!(m.contains(mentions), "{m:?} should mention {mentions:?}");
}

#[tokio::test]
async fn keys_roles_and_every_way_credentials_fail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (s, keys) = serve_requiring_keys(dir.path()).await;
    let path = "/v1/snapshot/AAPL";
    // Public paths need nothing.
    assert_eq!(s.get("/health", &[]).await.0, 200);
    assert_eq!(s.get("/v1/openapi.json", &[]).await.0, 200);

    let (st, body, _) = s.get(path, &[]).await;
    assert_error(st, &body, 401, "APCA-API-KEY-ID");
    let (st, body, _) = s
        .get(
            path,
            &[("APCA-API-KEY-ID", "FKNOPE"), ("APCA-API-SECRET-KEY", "x")],
        )
        .await;
    assert_error(st, &body, 401, "unknown API key");
    let wrong = (keys.viewer.0.clone(), "not the secret".to_string());
    let (st, body, _) = s.get(path, &key_headers(&wrong)).await;
    assert_error(st, &body, 401, "wrong secret");
    let (st, body, _) = s.get(path, &key_headers(&keys.revoked)).await;
    assert_error(st, &body, 401, "revoked");

    // A viewer reads market data (200: the store answers, empty) but may not run SQL.
    let (st, body, headers) = s.get(path, &key_headers(&keys.viewer)).await;
    assert_eq!(st, 200, "{body}");
    assert!(headers.contains_key("x-ratelimit-remaining"));
    let r = s
        .http
        .post(format!("{}/v1/sql", s.base))
        .header("APCA-API-KEY-ID", &keys.viewer.0)
        .header("APCA-API-SECRET-KEY", &keys.viewer.1)
        .json(&json!({"query": "SELECT 1"}))
        .send()
        .await
        .expect("request");
    let st = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_error(st, &body, 403, "needs analyst");
    // An analyst passes auth; this gateway has no history, so the SQL engine says 503.
    let r = s
        .http
        .post(format!("{}/v1/sql", s.base))
        .header("APCA-API-KEY-ID", &keys.analyst.0)
        .header("APCA-API-SECRET-KEY", &keys.analyst.1)
        .json(&json!({"query": "SELECT 1"}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 503);

    // Query-string credentials, for browsers' WebSockets.
    let (st, _, _) = s
        .get(
            &format!("{path}?key={}&secret={}", keys.viewer.0, keys.viewer.1),
            &[],
        )
        .await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn roles_decide_uploads_chat_and_stream_channels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (s, keys) = serve_requiring_keys(dir.path()).await;
    // A viewer lists documents but may not upload them, nor chat.
    let (st, _, _) = s.get("/v1/documents", &key_headers(&keys.viewer)).await;
    assert_ne!(st, 403, "a viewer may list documents");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"notes".to_vec()).file_name("n.txt"),
    );
    let r = s
        .http
        .post(format!("{}/v1/documents", s.base))
        .header("APCA-API-KEY-ID", &keys.viewer.0)
        .header("APCA-API-SECRET-KEY", &keys.viewer.1)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let st = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_error(st, &body, 403, "needs trader");
    let (st, body, _) = s.get("/v1/chat/rooms", &key_headers(&keys.viewer)).await;
    assert_error(st, &body, 403, "needs trader");

    // On the stream a viewer gets the analytics channels, not the raw feeds or Greeks.
    let url = format!(
        "{}/v1/stream?key={}&secret={}",
        s.base.replacen("http://", "ws://", 1),
        keys.viewer.0,
        keys.viewer.1
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connects");
    let ask = |channels: &[&str]| {
        Message::Text(
            json!({"action": "subscribe", "symbols": ["AAPL"], "channels": channels})
                .to_string()
                .into(),
        )
    };
    ws.send(ask(&["trades", "bars"])).await.expect("sent");
    let reply = next_text(&mut ws).await;
    assert_eq!(reply["type"], "error", "{reply}");
    let m = reply["message"].as_str().unwrap_or("");
    assert!(
        m.contains("trades (needs trader)") && !m.contains("bars (needs"),
        "{m}"
    );
    ws.send(ask(&["bars", "indicators", "events"]))
        .await
        .expect("sent");
    let reply = next_text(&mut ws).await;
    assert_eq!(reply["type"], "subscribed", "{reply}");
}

async fn next_text(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("open")
            .expect("frame");
        if let Message::Text(t) = m {
            return serde_json::from_str(t.as_str()).expect("JSON");
        }
    }
}

#[tokio::test]
async fn jwts_are_checked_for_signature_expiry_and_role() {
    let s = serve(
        GatewayConfig {
            auth: required(),
            ..GatewayConfig::default()
        },
        None,
        RateLimiter::memory(),
    )
    .await;
    let path = "/v1/bars/AAPL";
    let bearer = |t: &str| format!("Bearer {t}");
    for alg in [
        jsonwebtoken::Algorithm::HS256,
        jsonwebtoken::Algorithm::RS256,
    ] {
        // Valid: authenticated, then the route says the store is missing (503).
        let t = bearer(&token(alg, "viewer", 300));
        let (st, body, _) = s.get(path, &[("authorization", &t)]).await;
        assert_eq!(st, 503, "{alg:?}: {body}");
        let t = bearer(&token(alg, "viewer", -300));
        let (st, body, _) = s.get(path, &[("authorization", &t)]).await;
        assert_error(st, &body, 401, "ExpiredSignature");
        let t = bearer(&token(alg, "emperor", 300));
        let (st, body, _) = s.get(path, &[("authorization", &t)]).await;
        assert_error(st, &body, 401, "role claim");
    }
    let forged = token(jsonwebtoken::Algorithm::HS256, "admin", 300);
    let mut parts: Vec<&str> = forged.split('.').collect();
    parts[2] = "AAAA";
    let (st, body, _) = s
        .get(path, &[("authorization", &bearer(&parts.join(".")))])
        .await;
    assert_error(st, &body, 401, "invalid token");
    let t = bearer(&token(jsonwebtoken::Algorithm::HS256, "viewer", 300));
    let r = s
        .http
        .post(format!("{}/v1/sql", s.base))
        .header("authorization", t)
        .json(&json!({"query": "SELECT 1"}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn ip_lists_refuse_before_anything_else() {
    let s = serve(
        GatewayConfig {
            auth: AuthConfig {
                required: Some(false),
                deny_ips: vec!["127.0.0.0/8".into()],
                ..AuthConfig::default()
            },
            ..GatewayConfig::default()
        },
        None,
        RateLimiter::memory(),
    )
    .await;
    let (st, body, _) = s.get("/health", &[]).await;
    assert_error(st, &body, 403, "127.0.0.1 are not allowed");
}

async fn limited_gateway(limiter: RateLimiter, keys_dir: &std::path::Path) -> (Served, Keys) {
    let (store, keys) = store_with_keys(keys_dir).await;
    let s = serve(
        GatewayConfig {
            auth: required(),
            limits: LimitsConfig {
                requests_per_key: 5,
                requests_per_ip: 1000,
                ws_messages_per_key: 4,
                subscriptions_per_key: 2,
            },
            ..GatewayConfig::default()
        },
        Some(store),
        limiter,
    )
    .await;
    (s, keys)
}

async fn count_until_limited(s: &Served, keys: &Keys, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            s.get("/v1/snapshot/AAPL", &key_headers(&keys.viewer))
                .await
                .0,
        );
    }
    out
}

#[tokio::test]
async fn request_limits_per_key_answer_429_with_the_reset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (s, keys) = limited_gateway(RateLimiter::memory(), dir.path()).await;
    let statuses = count_until_limited(&s, &keys, 6).await;
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
    let (st, body, headers) = s.get("/v1/snapshot/AAPL", &key_headers(&keys.viewer)).await;
    assert_error(st, &body, 429, "5 requests per key per minute");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(headers.contains_key("x-ratelimit-reset"));
    // Another key has its own budget.
    let (st, _, _) = s
        .get("/v1/snapshot/AAPL", &key_headers(&keys.analyst))
        .await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn the_alpaca_stream_checks_keys_and_limits_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (s, keys) = limited_gateway(RateLimiter::memory(), dir.path()).await;
    let url = s.base.replacen("http://", "ws://", 1) + "/v2/iex";
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .expect("connects");
    let connected = roundtrip(&mut ws, None).await;
    assert!(matches!(connected.as_slice(), [StreamMessage::Success { msg }] if msg == "connected"));
    let auth = |k: &(String, String)| ClientAction::Auth {
        key: k.0.clone(),
        secret: k.1.clone(),
    };
    let code = |m: &[StreamMessage]| match m {
        [StreamMessage::Error { code, .. }] => *code,
        [StreamMessage::Success { .. }] => 200,
        [StreamMessage::Subscription(_)] => 201,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(
        code(&roundtrip(&mut ws, Some(&auth(&keys.revoked))).await),
        402
    );
    assert_eq!(
        code(&roundtrip(&mut ws, Some(&auth(&keys.viewer))).await),
        200
    );
    let sub = ClientAction::Subscribe(finstream_schemas::alpaca::Channels {
        trades: vec!["AAPL".into()],
        ..Default::default()
    });
    // The key may subscribe twice a minute (and send four messages).
    assert_eq!(code(&roundtrip(&mut ws, Some(&sub)).await), 201);
    assert_eq!(code(&roundtrip(&mut ws, Some(&sub)).await), 201);
    assert_eq!(code(&roundtrip(&mut ws, Some(&sub)).await), 429);
}

/// Sends an action (if any) and returns the next frame's messages.
async fn roundtrip(ws: &mut Ws, action: Option<&ClientAction>) -> Vec<StreamMessage> {
    if let Some(a) = action {
        let text = String::from_utf8(encode_action(a, Encoding::Json)).expect("utf8");
        ws.send(Message::Text(text.into())).await.expect("send");
    }
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                return decode_frame(t.as_bytes(), Encoding::Json).expect("frame");
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("no frame: {other:?}"),
        }
    }
}

#[tokio::test]
#[ignore = "needs Redis (FINSTREAM_TEST_REDIS, deploy/local/services.sh); run by make test"]
async fn redis_limits_are_shared_by_two_gateways() {
    let url =
        std::env::var("FINSTREAM_TEST_REDIS").expect("FINSTREAM_TEST_REDIS is set by make test");
    let dir_a = tempfile::tempdir().expect("tempdir");
    let limiter = RateLimiter::redis(&url).await.expect("redis");
    limiter.ping().await.expect("ping");
    let (a, keys) = limited_gateway(limiter.clone(), dir_a.path()).await;
    // The second gateway has its own store holding the same viewer key.
    let dir_b = tempfile::tempdir().expect("tempdir");
    let store_b = EmbeddedStore::open(&dir_b.path().join("hot.redb")).expect("store");
    let store_b = HotStore::Embedded(store_b, Codec::embedded());
    let b_key = ApiKey {
        id: keys.viewer.0.clone(),
        secret_sha256: hash_secret(&keys.viewer.1),
        role: "viewer".into(),
        label: "test".into(),
        created_at: 1,
        revoked_at: None,
    };
    store_b.put_api_key(&b_key, 2).await.expect("put");
    let b = serve(
        GatewayConfig {
            auth: required(),
            limits: LimitsConfig {
                requests_per_key: 5,
                requests_per_ip: 1000,
                ..LimitsConfig::default()
            },
            ..GatewayConfig::default()
        },
        Some(store_b),
        limiter,
    )
    .await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let gw = if i % 2 == 0 { &a } else { &b };
        statuses.push(
            gw.get("/v1/snapshot/AAPL", &key_headers(&keys.viewer))
                .await
                .0,
        );
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 200, 429],
        "one budget across both gateways"
    );
}

#[tokio::test]
async fn without_required_auth_unknown_keys_are_served_as_anonymous() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, keys) = store_with_keys(dir.path()).await;
    let s = serve(
        GatewayConfig {
            auth: AuthConfig {
                required: Some(false),
                ..AuthConfig::default()
            },
            ..GatewayConfig::default()
        },
        Some(store),
        RateLimiter::memory(),
    )
    .await;
    // Alpaca clients always send some key: a demo gateway must not refuse them.
    let (st, _, _) = s
        .get(
            "/v1/snapshot/AAPL",
            &[("APCA-API-KEY-ID", "test"), ("APCA-API-SECRET-KEY", "test")],
        )
        .await;
    assert_eq!(st, 200);
    // A real key still gets its own role (and its own rate-limit budget header).
    let (st, _, headers) = s.get("/v1/snapshot/AAPL", &key_headers(&keys.viewer)).await;
    assert_eq!(st, 200);
    assert_eq!(headers["x-ratelimit-limit"], "1200");
}
