//! Who may use the gateway, and how much.
//!
//! - Credentials: an API key (id and secret, as `APCA-API-KEY-ID`/`APCA-API-SECRET-KEY`
//!   headers the way Alpaca clients send them, or `?key=&secret=` on WebSocket URLs for
//!   browsers), or a JWT bearer token (HS256 with a shared secret, RS256 with a PEM public
//!   key or the keys of a JWKS URL; the role is the token's `role` claim).
//! - Roles, ordered: viewer (market data, streams), trader (+ analyze, chat), analyst
//!   (+ SQL), admin (everything).
//! - IP allow and deny lists (CIDRs), checked before anything else.
//! - Rate limits per key and per IP for requests, WebSocket messages and subscriptions,
//!   fixed one-minute windows counted in Redis (shared by every gateway process) or in
//!   memory (one process).
//! - Security events (failed auth, refused IPs, rate limits) go to the log target
//!   `finstream::audit`.
//!
//! With `gateway.auth.required = false` (the default of `finstream run`, a local demo)
//! requests without credentials, or with credentials that do not check out, are served as
//! admin (a valid key still gets its own role).

use crate::error::ApiError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use finstream_storage::hot::HotStore;
use finstream_storage::hot::keys::ApiKey;
use ipnet::IpNet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Roles, from least to most allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Trader,
    Analyst,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Trader, Role::Analyst, Role::Admin];

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Trader => "trader",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The key id, the token's subject, or `anonymous`.
    pub subject: String,
    pub role: Role,
}

/// The `gateway.auth` section.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Refuse requests without credentials (all but `/`, `/health`, `/ready`,
    /// `/metrics` and `/v1/openapi.json`). Unset: required by `finstream gateway`, not by
    /// `finstream run` (a local demo).
    pub required: Option<bool>,
    /// Shared secret of HS256 tokens.
    pub jwt_hs256_secret: Option<String>,
    /// PEM file of the RS256 public key tokens are signed for.
    pub jwt_rs256_public_key: Option<PathBuf>,
    /// JWKS URL to fetch RS256 keys from (by `kid`).
    pub jwks_url: Option<String>,
    /// Required `iss`, if set.
    pub jwt_issuer: Option<String>,
    /// Required `aud`, if set.
    pub jwt_audience: Option<String>,
    /// Only these networks may connect (CIDRs, e.g. `10.0.0.0/8`); empty: everyone.
    pub allow_ips: Vec<String>,
    /// These networks may not connect, even if allowed above.
    pub deny_ips: Vec<String>,
}

/// The `gateway.limits` section: per one-minute window; 0 turns a limit off.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// HTTP requests per key (or token subject).
    pub requests_per_key: u32,
    /// HTTP requests per client IP.
    pub requests_per_ip: u32,
    /// WebSocket messages a client sends, per key (or IP when anonymous).
    pub ws_messages_per_key: u32,
    /// Subscribe actions per key (or IP when anonymous).
    pub subscriptions_per_key: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            requests_per_key: 1_200,
            requests_per_ip: 2_400,
            ws_messages_per_key: 600,
            subscriptions_per_key: 300,
        }
    }
}

const WINDOW: Duration = Duration::from_secs(60);

/// What a rate limit said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset_secs: u64,
}

impl Decision {
    fn headers(&self, h: &mut HeaderMap) {
        h.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining));
        h.insert("x-ratelimit-reset", HeaderValue::from(self.reset_secs));
    }
}

/// Counters of fixed windows, in Redis or in this process.
#[derive(Clone)]
pub enum RateLimiter {
    Memory(Arc<Mutex<HashMap<String, (Instant, u32)>>>),
    Redis(redis::aio::ConnectionManager),
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RateLimiter::Memory(_) => "RateLimiter::Memory",
            RateLimiter::Redis(_) => "RateLimiter::Redis",
        })
    }
}

/// Counts one hit and returns the count and the milliseconds the window has left.
const REDIS_HIT: &str = "local c = redis.call('INCR', KEYS[1]) \
    if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end \
    return {c, redis.call('PTTL', KEYS[1])}";

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::memory()
    }
}

impl RateLimiter {
    pub fn memory() -> Self {
        RateLimiter::Memory(Arc::default())
    }

    /// Connects to Redis (`redis://host:port`); the connection reconnects by itself.
    pub async fn redis(url: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("redis URL {url:?}: {e}"))?;
        let manager = redis::aio::ConnectionManager::new(client)
            .await
            .map_err(|e| format!("connecting to redis at {url}: {e}"))?;
        Ok(RateLimiter::Redis(manager))
    }

    /// Whether the backend answers (readiness).
    pub async fn ping(&self) -> Result<(), String> {
        match self {
            RateLimiter::Memory(_) => Ok(()),
            RateLimiter::Redis(m) => {
                let mut m = m.clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut m)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("redis: {e}"))
            }
        }
    }

    /// Counts a hit on `bucket` against `limit` per minute (0: unlimited). If Redis
    /// fails, the hit is allowed and the failure logged: limits degrade, service does not.
    pub async fn hit(&self, bucket: &str, limit: u32) -> Decision {
        if limit == 0 {
            return Decision {
                allowed: true,
                limit,
                remaining: 0,
                reset_secs: 0,
            };
        }
        let (count, left) = match self {
            RateLimiter::Memory(map) => {
                let now = Instant::now();
                let mut map = map.lock();
                if map.len() > 100_000 {
                    map.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
                }
                let slot = map.entry(bucket.to_string()).or_insert((now, 0));
                if now.duration_since(slot.0) >= WINDOW {
                    *slot = (now, 0);
                }
                slot.1 = slot.1.saturating_add(1);
                (
                    u64::from(slot.1),
                    WINDOW.saturating_sub(now.duration_since(slot.0)),
                )
            }
            RateLimiter::Redis(m) => {
                let mut m = m.clone();
                let result: Result<(i64, i64), _> = redis::Script::new(REDIS_HIT)
                    .key(format!("finstream:rl:{bucket}"))
                    .arg(WINDOW.as_millis() as u64)
                    .invoke_async(&mut m)
                    .await;
                match result {
                    Ok((c, ttl)) => (c.max(0) as u64, Duration::from_millis(ttl.max(0) as u64)),
                    Err(e) => {
                        tracing::warn!(error = %e, "rate limit not counted: redis failed");
                        metrics::counter!("finstream_gateway_ratelimit_errors_total").increment(1);
                        (0, WINDOW)
                    }
                }
            }
        };
        Decision {
            allowed: count <= u64::from(limit),
            limit,
            remaining: u64::from(limit).saturating_sub(count) as u32,
            reset_secs: left.as_secs().max(1),
        }
    }
}

/// The lower-case hex SHA-256 of a secret, as stored.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new key id and secret: `FK` and 18 characters, and 40 characters, from 32 random bytes.
pub fn new_credentials() -> (String, String) {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let mut pick = |n: usize| -> String {
        (0..n)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    };
    (format!("FK{}", pick(18)), pick(40))
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    role: Option<String>,
}

/// Why credentials were refused (said to the client, and audited).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error(
        "no credentials: send APCA-API-KEY-ID and APCA-API-SECRET-KEY, or Authorization: Bearer <JWT>"
    )]
    Missing,
    #[error("unknown API key id")]
    UnknownKey,
    #[error("wrong secret for this API key")]
    WrongSecret,
    #[error("this API key was revoked")]
    Revoked,
    #[error("invalid token: {0}")]
    BadToken(String),
    #[error("the credentials cannot be checked now: {0}")]
    Unavailable(String),
}

impl AuthError {
    fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::UnknownKey => "unknown_key",
            AuthError::WrongSecret => "wrong_secret",
            AuthError::Revoked => "revoked",
            AuthError::BadToken(_) => "bad_token",
            AuthError::Unavailable(_) => "unavailable",
        }
    }
}

/// Everything the gateway needs to decide who may do what.
#[derive(Debug)]
pub struct Auth {
    config: AuthConfig,
    limits: LimitsConfig,
    store: Option<HotStore>,
    limiter: RateLimiter,
    allow: Vec<IpNet>,
    deny: Vec<IpNet>,
    hs256: Option<DecodingKey>,
    rs256: Option<DecodingKey>,
    jwks: Mutex<HashMap<String, DecodingKey>>,
    /// Keys read from the store, for a few seconds (revocations take effect within them).
    cache: Mutex<HashMap<String, (Option<ApiKey>, Instant)>>,
}

/// How long a key read from the store is trusted.
const KEY_CACHE: Duration = Duration::from_secs(5);

fn parse_nets(list: &[String], what: &str) -> Result<Vec<IpNet>, String> {
    list.iter()
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("gateway.auth.{what}: {s:?} is not an IP address or CIDR"))
        })
        .collect()
}

impl Auth {
    pub async fn new(
        config: AuthConfig,
        limits: LimitsConfig,
        store: Option<HotStore>,
        limiter: RateLimiter,
    ) -> Result<Arc<Self>, String> {
        let hs256 = config
            .jwt_hs256_secret
            .as_deref()
            .map(|s| DecodingKey::from_secret(s.as_bytes()));
        let rs256 = match &config.jwt_rs256_public_key {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    format!("gateway.auth.jwt_rs256_public_key {}: {e}", path.display())
                })?;
                Some(DecodingKey::from_rsa_pem(&pem).map_err(|e| {
                    format!("gateway.auth.jwt_rs256_public_key {}: {e}", path.display())
                })?)
            }
            None => None,
        };
        let auth = Auth {
            allow: parse_nets(&config.allow_ips, "allow_ips")?,
            deny: parse_nets(&config.deny_ips, "deny_ips")?,
            config,
            limits,
            store,
            limiter,
            hs256,
            rs256,
            jwks: Mutex::default(),
            cache: Mutex::default(),
        };
        if auth.config.jwks_url.is_some()
            && let Err(e) = auth.refresh_jwks().await
        {
            tracing::warn!(error = %e, "JWKS not loaded yet; RS256 tokens will be checked once it loads");
        }
        if !auth.required() {
            tracing::warn!(
                "gateway.auth.required is false: requests without credentials are served as admin"
            );
        }
        Ok(Arc::new(auth))
    }

    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    pub fn limits(&self) -> &LimitsConfig {
        &self.limits
    }

    pub fn required(&self) -> bool {
        self.config.required.unwrap_or(true)
    }

    pub fn ip_allowed(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        (self.allow.is_empty() || self.allow.iter().any(|n| n.contains(&ip)))
            && !self.deny.iter().any(|n| n.contains(&ip))
    }

    async fn refresh_jwks(&self) -> Result<(), String> {
        let Some(url) = &self.config.jwks_url else {
            return Ok(());
        };
        let set: jsonwebtoken::jwk::JwkSet = reqwest::get(url)
            .await
            .map_err(|e| format!("fetching {url}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("reading {url}: {e}"))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            if let (Some(kid), Ok(key)) = (&jwk.common.key_id, DecodingKey::from_jwk(jwk)) {
                keys.insert(kid.clone(), key);
            }
        }
        *self.jwks.lock() = keys;
        Ok(())
    }

    /// Checks an API key id and secret.
    pub async fn verify_key(&self, id: &str, secret: &str) -> Result<Identity, AuthError> {
        let cached = self
            .cache
            .lock()
            .get(id)
            .filter(|(_, at)| at.elapsed() < KEY_CACHE)
            .map(|(k, _)| k.clone());
        let key = match cached {
            Some(k) => k,
            None => {
                let store = self.store.as_ref().ok_or_else(|| {
                    AuthError::Unavailable("this gateway has no store to check keys in".into())
                })?;
                let k = store
                    .api_key(id)
                    .await
                    .map_err(|e| AuthError::Unavailable(e.to_string()))?;
                self.cache
                    .lock()
                    .insert(id.to_string(), (k.clone(), Instant::now()));
                k
            }
        };
        let key = key.ok_or(AuthError::UnknownKey)?;
        if key.revoked_at.is_some() {
            return Err(AuthError::Revoked);
        }
        if hash_secret(secret) != key.secret_sha256 {
            return Err(AuthError::WrongSecret);
        }
        let role = Role::parse(&key.role).unwrap_or(Role::Viewer);
        Ok(Identity {
            subject: key.id,
            role,
        })
    }

    /// Checks a bearer token.
    pub async fn verify_token(&self, token: &str) -> Result<Identity, AuthError> {
        let bad = |e: jsonwebtoken::errors::Error| AuthError::BadToken(e.to_string());
        let header = jsonwebtoken::decode_header(token).map_err(bad)?;
        let key = match header.alg {
            Algorithm::HS256 => self.hs256.clone(),
            Algorithm::RS256 => match (&header.kid, &self.config.jwks_url) {
                (Some(kid), Some(_)) => {
                    let found = self.jwks.lock().get(kid).cloned();
                    match found {
                        Some(k) => Some(k),
                        None => {
                            // A new signing key: the set may have rotated.
                            let _ = self.refresh_jwks().await;
                            self.jwks.lock().get(kid).cloned()
                        }
                    }
                }
                _ => self.rs256.clone(),
            },
            other => {
                return Err(AuthError::BadToken(format!(
                    "{other:?} tokens are not accepted: use HS256 or RS256"
                )));
            }
        };
        let key = key.ok_or_else(|| {
            AuthError::BadToken(format!(
                "no {:?} key is configured to check this token",
                header.alg
            ))
        })?;
        let mut validation = Validation::new(header.alg);
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(iss) = &self.config.jwt_issuer {
            validation.set_issuer(&[iss]);
        }
        match &self.config.jwt_audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(bad)?;
        let role = match data.claims.role.as_deref() {
            None => Role::Viewer,
            Some(r) => Role::parse(r).ok_or_else(|| {
                AuthError::BadToken(format!(
                    "role claim {r:?} is not viewer, trader, analyst or admin"
                ))
            })?,
        };
        Ok(Identity {
            subject: data.claims.sub,
            role,
        })
    }

    /// The identity of an HTTP request: its credentials, or anonymous when none are
    /// required. Without required auth, credentials that do not check out are served as
    /// anonymous too (Alpaca clients always send some key), and audited.
    pub async fn identify(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Identity, AuthError> {
        match self.credentials(headers, query).await {
            Err(e @ AuthError::Unavailable(_)) => Err(e),
            Err(e) if !self.required() => {
                tracing::info!(target: "finstream::audit", event = "auth_failed_open", reason = e.reason(), "credentials did not check out; served as anonymous because auth is not required");
                Ok(Identity {
                    subject: "anonymous".into(),
                    role: Role::Admin,
                })
            }
            other => other,
        }
    }

    async fn credentials(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Identity, AuthError> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let param = |name: &str| {
            query.and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
            })
        };
        if let (Some(id), Some(secret)) = (header("apca-api-key-id"), header("apca-api-secret-key"))
        {
            return self.verify_key(id, secret).await;
        }
        if let Some(bearer) = header("authorization").and_then(|v| v.strip_prefix("Bearer ")) {
            return self.verify_token(bearer.trim()).await;
        }
        if let (Some(id), Some(secret)) = (param("key"), param("secret")) {
            return self.verify_key(&id, &secret).await;
        }
        if let Some(token) = param("token") {
            return self.verify_token(&token).await;
        }
        if self.required() {
            Err(AuthError::Missing)
        } else {
            Ok(Identity {
                subject: "anonymous".into(),
                role: Role::Admin,
            })
        }
    }
}

/// Records a security event.
pub fn audit(event: &str, ip: IpAddr, subject: Option<&str>, detail: &str) {
    tracing::info!(target: "finstream::audit", event, %ip, subject = subject.unwrap_or("-"), detail);
    metrics::counter!("finstream_gateway_security_events_total", "event" => event.to_string())
        .increment(1);
}

/// Paths anyone may read: liveness, readiness, metrics, the page and the API document.
fn public(path: &str) -> bool {
    matches!(
        path,
        "/" | "/health" | "/ready" | "/metrics" | "/v1/openapi.json"
    ) || path.starts_with("/assets/")
}

/// The role a request needs, by method and path: reading market data and documents is
/// for viewers; analysis, chat, answers and uploads for traders; SQL for analysts.
pub fn required_role(method: &axum::http::Method, path: &str) -> Role {
    if path == "/v1/sql" {
        Role::Analyst
    } else if path == "/v1/analyze"
        || path == "/analyze"
        || path.starts_with("/v1/chat")
        || path == "/chat"
        || (path == "/v1/documents" && method != axum::http::Method::GET)
    {
        Role::Trader
    } else if path.starts_with("/v1/admin") {
        Role::Admin
    } else {
        Role::Viewer
    }
}

/// Alpaca's stream authenticates inside its own protocol (message or handshake headers).
fn in_protocol_auth(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(segments.as_slice(), ["v2" | "v1beta1", feed] if crate::alpaca_stream::STOCK_FEEDS.iter().any(|(_, f)| f == feed))
}

fn limited(d: Decision, what: &str) -> Response {
    let mut r = ApiError::TooManyRequests(format!(
        "rate limit of {} {what} per minute reached: retry in {} s",
        d.limit, d.reset_secs
    ))
    .into_response();
    d.headers(r.headers_mut());
    r
}

/// The middleware in front of every route.
pub async fn guard(
    State(auth): State<Arc<Auth>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = peer.ip();
    let path = req.uri().path().to_string();
    if !auth.ip_allowed(ip) {
        audit("ip_refused", ip, None, &path);
        return ApiError::Forbidden(format!("requests from {ip} are not allowed")).into_response();
    }
    let by_ip = auth
        .limiter
        .hit(&format!("ip:{ip}"), auth.limits.requests_per_ip)
        .await;
    if !by_ip.allowed {
        audit("rate_limited", ip, None, "requests per ip");
        return limited(by_ip, "requests from one address");
    }
    if public(&path) || in_protocol_auth(&path) {
        return next.run(req).await;
    }
    let identity = match auth.identify(req.headers(), req.uri().query()).await {
        Ok(id) => id,
        Err(AuthError::Unavailable(why)) => {
            return ApiError::Unavailable(format!("credentials cannot be checked now: {why}"))
                .into_response();
        }
        Err(e) => {
            audit("auth_failed", ip, None, e.reason());
            return ApiError::Unauthorized(e.to_string()).into_response();
        }
    };
    let need = required_role(req.method(), &path);
    if identity.role < need {
        audit("forbidden", ip, Some(&identity.subject), &path);
        return ApiError::Forbidden(format!(
            "role {} may not use {path}: it needs {} or above",
            identity.role.name(),
            need.name()
        ))
        .into_response();
    }
    let by_key = auth
        .limiter
        .hit(
            &format!("key:{}", identity.subject),
            auth.limits.requests_per_key,
        )
        .await;
    if !by_key.allowed && identity.subject != "anonymous" {
        audit(
            "rate_limited",
            ip,
            Some(&identity.subject),
            "requests per key",
        );
        return limited(by_key, "requests per key");
    }
    req.extensions_mut().insert(identity);
    let mut response = next.run(req).await;
    by_key.headers(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_limits_count_per_bucket_and_say_how_many_remain() {
        let l = RateLimiter::memory();
        let a: Vec<Decision> = futures::future::join_all((0..3).map(|_| l.hit("a", 2))).await;
        assert_eq!(
            a.iter().map(|d| d.allowed).collect::<Vec<_>>(),
            [true, true, false]
        );
        assert_eq!(a[0].remaining, 1);
        assert_eq!(a[2].remaining, 0);
        assert!(a[2].reset_secs <= 60);
        assert!(l.hit("b", 2).await.allowed, "buckets are separate");
        assert!(l.hit("a", 0).await.allowed, "0 is unlimited");
    }

    #[tokio::test]
    async fn ip_lists_allow_then_deny() {
        let config = AuthConfig {
            allow_ips: vec!["127.0.0.0/8".into(), "::1".into()],
            deny_ips: vec!["127.0.0.2".into()],
            ..AuthConfig::default()
        };
        let auth = Auth::new(config, LimitsConfig::default(), None, RateLimiter::memory())
            .await
            .map_err(|e| e.to_string());
        let Ok(auth) = auth else {
            panic!("config: {auth:?}")
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert!(auth.ip_allowed(ip("127.0.0.1")));
        assert!(auth.ip_allowed(ip("::ffff:127.0.0.1")));
        assert!(!auth.ip_allowed(ip("127.0.0.2")));
        assert!(!auth.ip_allowed(ip("10.1.2.3")));
        let bad = AuthConfig {
            deny_ips: vec!["not an ip".into()],
            ..AuthConfig::default()
        };
        let e = Auth::new(bad, LimitsConfig::default(), None, RateLimiter::memory()).await;
        assert!(matches!(e, Err(m) if m.contains("deny_ips")));
    }

    #[test]
    fn roles_are_ordered_and_paths_need_theirs() {
        assert!(Role::Viewer < Role::Trader && Role::Analyst < Role::Admin);
        let (get, post) = (axum::http::Method::GET, axum::http::Method::POST);
        assert_eq!(required_role(&post, "/v1/sql"), Role::Analyst);
        assert_eq!(required_role(&post, "/analyze"), Role::Trader);
        assert_eq!(required_role(&get, "/v2/stocks/bars"), Role::Viewer);
        assert_eq!(required_role(&get, "/v1/documents"), Role::Viewer);
        assert_eq!(required_role(&post, "/v1/documents"), Role::Trader);
        assert_eq!(required_role(&get, "/v1/chat"), Role::Trader);
        assert!(in_protocol_auth("/v2/iex") && !in_protocol_auth("/v2/stocks"));
        let (id, secret) = new_credentials();
        assert_eq!((id.len(), secret.len()), (20, 40));
        assert_eq!(hash_secret("abc").len(), 64);
        assert_ne!(new_credentials().1, secret);
    }
}
