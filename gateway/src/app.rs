//! Building and running the gateway: `Application::build` binds (port 0 works, for tests)
//! and reports the port; `run` serves until the shutdown token fires.

use crate::alpaca_stream::{self, AlpacaHub};
use crate::auth::{self, Auth, AuthConfig, LimitsConfig, RateLimiter};
use crate::chat::{self, Chat, ChatConfig, ChatParts, ChatState, signals::Signals};
use crate::docs::{self, Docs, DocsBackend, DocsState};
use crate::error::ApiError;
use crate::hub::{self, Hub};
use crate::rest::{self, Sql, Store};
use crate::stream::{self, Log, StreamLimits};
use axum::extract::DefaultBodyLimit;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, FromRef, Path, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use finstream_bus::Bus;
use finstream_schemas::Codec;
use finstream_schemas::alpaca::Encoding;
use finstream_storage::hot::HotStore;
use finstream_storage::sql::SqlEngine;
use metrics_exporter_prometheus::PrometheusHandle;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::{DefaultOnFailure, TraceLayer};

/// Configuration of the gateway.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayConfig {
    /// Address to listen on, e.g. `127.0.0.1:8080` or `0.0.0.0:8080`.
    pub listen: String,
    /// Updates queued per WebSocket connection before new ones are dropped.
    pub ws_queue: usize,
    /// Symbols one connection may subscribe to.
    pub ws_max_symbols: usize,
    /// Seconds between server pings on idle connections.
    pub ws_heartbeat_secs: u64,
    /// A `/v1/stream` client behind (conflated) for this many seconds, or unable to take
    /// a frame for that long, is closed with a reason.
    pub ws_slow_close_secs: u64,
    /// The largest page of bars, trades or quotes one REST request returns; a client
    /// asking for more gets `next_page_token` and pages on.
    pub page_max: usize,
    /// Credentials, roles and IP lists.
    pub auth: AuthConfig,
    /// Rate limits per key and per IP.
    pub limits: LimitsConfig,
    /// Folder of the web app's built files (`web/dist`, made by `npm run build` in `web/`),
    /// served at `/`; when it has no `index.html`, `/` serves the built-in page.
    pub web_dir: PathBuf,
    /// Chat rooms: message limits, masking, presence, the assistant.
    pub chat: ChatConfig,
    /// TLS termination: a certificate and key turn `listen` into HTTPS and WSS.
    pub tls: crate::tls::TlsConfig,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            ws_queue: 1024,
            ws_max_symbols: 1000,
            ws_heartbeat_secs: 15,
            ws_slow_close_secs: 30,
            page_max: 10_000,
            auth: AuthConfig::default(),
            limits: LimitsConfig::default(),
            web_dir: PathBuf::from("web/dist"),
            chat: ChatConfig::default(),
            tls: crate::tls::TlsConfig::default(),
        }
    }
}

/// What the REST API reads: the hot store and the SQL engine over the history. A
/// gateway without them serves the stream and answers their endpoints with a 503.
#[derive(Debug, Clone, Default)]
pub struct Backends {
    pub store: Option<HotStore>,
    pub sql: Option<SqlEngine>,
    /// Where rate limits are counted: Redis (shared by gateways) or this process.
    pub limiter: RateLimiter,
    /// Documents, search and answers: the object store, the model and the index file.
    pub docs: Option<DocsBackend>,
    /// Why `docs` is `None`, for the 503 its endpoints answer.
    pub docs_missing: Option<String>,
    /// Chat membership, presence and signals: Redis (shared by gateways) or this process.
    pub signals: Signals,
    /// Where chat attachments go (the documents' object store).
    pub objects: Option<finstream_storage::Objects>,
}

#[derive(Clone)]
pub(crate) struct AppState {
    hub: Arc<Hub>,
    alpaca: Arc<AlpacaHub>,
    bus: Bus,
    store: Store,
    sql: Sql,
    auth: Arc<Auth>,
    limits: StreamLimits,
    /// What `/v1/stream` replays resumed subscriptions from.
    log: Log,
    metrics: Option<PrometheusHandle>,
    shutdown: CancellationToken,
    /// The WebSocket connections' tasks, which outlive the HTTP server's graceful
    /// shutdown: [`Application::run`] waits for them to close.
    connections: TaskTracker,
    pub(crate) docs: DocsState,
    pub(crate) chat: ChatState,
}

/// A bound, not yet serving gateway.
pub struct Application {
    listener: TcpListener,
    tls: Option<(tokio_rustls::TlsAcceptor, Duration)>,
    router: Router,
    docs: Option<Arc<Docs>>,
    chat: Option<Arc<Chat>>,
    hub: Arc<Hub>,
    alpaca: Arc<AlpacaHub>,
    bus: Bus,
    codec: Codec,
    shutdown: CancellationToken,
    connections: TaskTracker,
}

/// How long a shutdown waits for the WebSocket connections to close (each is sent a close
/// frame and given about two seconds to answer it).
const CLOSING_GRACE: Duration = Duration::from_secs(5);

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Store {
        state.store.clone()
    }
}

impl FromRef<AppState> for Sql {
    fn from_ref(state: &AppState) -> Sql {
        state.sql.clone()
    }
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("addr", &self.listener.local_addr().ok())
            .finish()
    }
}

impl Application {
    /// Binds the listener.
    pub async fn build(
        config: &GatewayConfig,
        bus: Bus,
        codec: Codec,
        backends: Backends,
        metrics: Option<PrometheusHandle>,
        shutdown: CancellationToken,
    ) -> std::io::Result<Self> {
        let tls = config
            .tls
            .acceptor()
            .map_err(std::io::Error::other)?
            .map(|a| {
                let handshake = config.tls.handshake_timeout_secs.unwrap_or(10).max(1);
                (a, Duration::from_secs(handshake))
            });
        let listener = TcpListener::bind(&config.listen).await?;
        let auth = Auth::new(
            config.auth.clone(),
            config.limits.clone(),
            backends.store.clone(),
            backends.limiter.clone(),
        )
        .await
        .map_err(std::io::Error::other)?;
        let hub = Hub::new();
        let alpaca = AlpacaHub::new();
        let upload_limit = backends
            .docs
            .as_ref()
            .map_or(1, |d| d.config.max_upload_mib.max(1))
            .saturating_add(1)
            << 20;
        let docs = match backends.docs {
            Some(b) => Docs::open(b, &bus, codec.clone()).map(Arc::new),
            None => Err(backends.docs_missing.unwrap_or_else(|| {
                "this gateway serves no documents: it needs the embedding model (scripts/models/fetch-minilm.sh) and a data directory".into()
            })),
        };
        if let Err(why) = &docs {
            tracing::warn!(reason = %why, "documents, search and answers are unavailable");
        }
        let store = Store {
            hot: backends.store,
            page_max: config.page_max,
        };
        let docs_state = DocsState(docs.clone());
        let chat = Chat::new(ChatParts {
            config: config.chat.clone(),
            bus: bus.clone(),
            codec: codec.clone(),
            signals: backends.signals,
            hub: Arc::clone(&hub),
            store: store.clone(),
            docs: docs_state.clone(),
            limiter: backends.limiter.clone(),
            objects: backends.objects,
            open: !auth.required(),
        })
        .map(Arc::new);
        if let Err(why) = &chat {
            tracing::warn!(reason = %why, "chat is unavailable");
        }
        let attachment_limit = config.chat.max_attachment_mib.max(1).saturating_add(1) << 20;
        let connections = TaskTracker::new();
        let state = AppState {
            hub: Arc::clone(&hub),
            alpaca: Arc::clone(&alpaca),
            bus: bus.clone(),
            auth: Arc::clone(&auth),
            store,
            sql: Sql(backends.sql),
            log: Log {
                bus: bus.clone(),
                codec: codec.clone(),
                replay_limit: Duration::from_secs(30),
            },
            limits: StreamLimits {
                queue: config.ws_queue,
                max_symbols: config.ws_max_symbols,
                heartbeat: Duration::from_secs(config.ws_heartbeat_secs.max(1)),
                slow_close: Duration::from_secs(config.ws_slow_close_secs.max(1)),
            },
            metrics,
            shutdown: shutdown.clone(),
            connections: connections.clone(),
            docs: docs_state,
            chat: ChatState(chat.clone()),
        };
        let web_index = config.web_dir.join("index.html");
        let router = Router::new();
        let router = if web_index.is_file() {
            tracing::info!(dir = %config.web_dir.display(), "serving the web app");
            router
                .route_service("/", ServeFile::new(&web_index))
                .nest_service("/assets", ServeDir::new(config.web_dir.join("assets")))
        } else {
            router.route("/", get(index))
        };
        let router = router
            .route("/health", get(health))
            .route("/ready", get(ready))
            .route("/metrics", get(metrics_text))
            .route("/v1/stream", get(stream_upgrade))
            .route("/v2/{feed}", get(alpaca_v2))
            .route("/v1beta1/{feed}", get(alpaca_v1beta1))
            .merge(rest::routes())
            .route(
                "/v1/documents",
                post(docs::upload)
                    .layer(DefaultBodyLimit::max(
                        usize::try_from(upload_limit).unwrap_or(usize::MAX),
                    ))
                    .get(docs::list),
            )
            .route("/v1/documents/{id}", get(docs::one))
            .route("/v1/search", get(docs::search))
            .route("/v1/chat", get(chat_upgrade).post(docs::answer))
            .route("/chat", get(chat_upgrade).post(docs::answer))
            .route("/v1/chat/rooms", get(chat::rooms))
            .route("/v1/chat/search", get(chat::search_messages))
            .route("/v1/chat/me", delete(chat::erase_me))
            .route("/v1/chat/rooms/{room}/join", post(chat::join))
            .route("/v1/chat/rooms/{room}/leave", post(chat::leave))
            .route("/v1/chat/rooms/{room}/presence", get(chat::presence))
            .route(
                "/v1/chat/rooms/{room}/messages",
                get(chat::history).post(chat::send),
            )
            .route(
                "/v1/chat/rooms/{room}/messages/{id}",
                axum::routing::patch(chat::edit).delete(chat::delete),
            )
            .route(
                "/v1/chat/rooms/{room}/messages/{id}/reactions",
                post(chat::react),
            )
            .route("/v1/chat/rooms/{room}/typing", post(chat::typing))
            .route("/v1/chat/rooms/{room}/read", put(chat::read))
            .route("/v1/chat/rooms/{room}/export", get(chat::export))
            .route(
                "/v1/chat/rooms/{room}/attachments",
                post(chat::attach).layer(DefaultBodyLimit::max(
                    usize::try_from(attachment_limit).unwrap_or(usize::MAX),
                )),
            )
            .route(
                "/v1/chat/rooms/{room}/attachments/{sha256}",
                get(chat::attachment),
            )
            .route_layer(axum::middleware::from_fn(http_metrics))
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(auth, auth::guard))
            .with_state(state)
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(
                TraceLayer::new_for_http()
                    .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
            )
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid));
        Ok(Self {
            listener,
            tls,
            router,
            docs: docs.ok(),
            chat: chat.ok(),
            hub,
            alpaca,
            bus,
            codec,
            shutdown,
            connections,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn port(&self) -> u16 {
        self.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until the shutdown token fires, then closes connections and returns.
    pub async fn run(self) -> std::io::Result<()> {
        let fanout_shutdown = self.shutdown.clone();
        let fanout = tokio::spawn(hub::run(
            Arc::clone(&self.hub),
            self.bus.clone(),
            self.codec.clone(),
            fanout_shutdown,
        ));
        let alpaca = tokio::spawn(alpaca_stream::run(
            Arc::clone(&self.alpaca),
            self.bus.clone(),
            self.codec.clone(),
            self.shutdown.clone(),
        ));
        if let Some(docs) = &self.docs {
            tokio::spawn(docs::build_graph(Arc::clone(docs)));
            tokio::spawn(docs::index_chunks(
                Arc::clone(docs),
                self.bus.clone(),
                self.codec.clone(),
                self.shutdown.clone(),
            ));
        }
        if let Some(chat) = &self.chat {
            tokio::spawn(chat::run(
                Arc::clone(chat),
                self.bus.clone(),
                self.codec.clone(),
                self.shutdown.clone(),
            ));
        }
        let shutdown = self.shutdown.clone();
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let served = match self.tls {
            Some((acceptor, handshake)) => {
                use axum::serve::ListenerExt;
                tracing::info!(addr = %self.listener.local_addr()?, "gateway listening (TLS)");
                // `tap_io` gives the TLS listener axum's connect info (the peer address).
                let listener = crate::tls::TlsListener::new(self.listener, acceptor, handshake)?
                    .tap_io(|_| {});
                axum::serve(listener, service)
                    .with_graceful_shutdown(async move { shutdown.cancelled().await })
                    .await
            }
            None => {
                use axum::serve::ListenerExt;
                tracing::info!(addr = %self.listener.local_addr()?, "gateway listening");
                // Updates are written as soon as they are queued (a backlog goes in one
                // write): Nagle's algorithm would only hold them back for an ACK.
                let listener = self.listener.tap_io(|tcp| {
                    if let Err(e) = tcp.set_nodelay(true) {
                        tracing::debug!(error = %e, "could not set TCP_NODELAY");
                    }
                });
                axum::serve(listener, service)
                    .with_graceful_shutdown(async move { shutdown.cancelled().await })
                    .await
            }
        };
        // Upgraded connections are not the HTTP server's to wait for: without this, the
        // process could end before they have sent their close frames.
        self.connections.close();
        if tokio::time::timeout(CLOSING_GRACE, self.connections.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                open = self.connections.len(),
                "WebSocket connections still open after {} s of shutdown; dropping them",
                CLOSING_GRACE.as_secs()
            );
        }
        for (name, task) in [("fan-out", fanout), ("Alpaca stream", alpaca)] {
            match task.await {
                Ok(Err(e)) => tracing::error!(error = %e, "{name} stopped with an error"),
                Err(e) => tracing::error!(error = %e, "{name} task failed"),
                Ok(Ok(())) => {}
            }
        }
        served
    }
}

/// Serves `/metrics` and `/health` alone, for roles without the gateway (processors,
/// sources), until shutdown.
pub async fn serve_metrics(
    listen: &str,
    metrics: PrometheusHandle,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "metrics listening");
    let router = Router::new().route("/health", get(health)).route(
        "/metrics",
        get(move || std::future::ready(metrics.render())),
    );
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

/// The built-in page: live bars from `/v1/stream`, for `make demo`.
async fn index() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("../static/index.html"))
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "healthy"}))
}

async fn ready(State(state): State<AppState>) -> Response {
    let bus = state.bus.ping().await;
    let assigned = state.hub.stats.assigned_partitions.load(Ordering::Relaxed);
    let stream_ready = state.hub.stats.ready.load(Ordering::Relaxed);
    let store = match &state.store.hot {
        Some(s) => Some(s.ping().await),
        None => None,
    };
    let limiter = state.auth.limiter().ping().await;
    let ok =
        bus.is_ok() && stream_ready && store.as_ref().is_none_or(Result::is_ok) && limiter.is_ok();
    let body = serde_json::json!({
        "status": if ok { "ready" } else { "not ready" },
        "checks": {
            "bus": match &bus { Ok(()) => format!("ok ({})", state.bus.backend_name()), Err(e) => e.to_string() },
            "stream": if stream_ready { format!("ok ({assigned} partitions)") } else { "waiting for partition assignment".to_string() },
            "store": match &store { None => "not configured".to_string(), Some(Ok(())) => "ok".to_string(), Some(Err(e)) => e.to_string() },
            "rate_limits": match (&limiter, state.auth.limiter()) {
                (Err(e), _) => e.clone(),
                (Ok(()), RateLimiter::Redis(_)) => "ok (redis)".to_string(),
                (Ok(()), RateLimiter::Memory(_)) => "ok (in memory)".to_string(),
            },
        }
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn metrics_text(State(state): State<AppState>) -> Result<String, ApiError> {
    let stats = &state.hub.stats;
    metrics::gauge!("finstream_gateway_subscriptions").set(state.hub.subscriber_count() as f64);
    metrics::gauge!("finstream_gateway_delivered")
        .set(stats.delivered.load(Ordering::Relaxed) as f64);
    metrics::gauge!("finstream_gateway_duplicates_dropped")
        .set(stats.duplicates.load(Ordering::Relaxed) as f64);
    state
        .metrics
        .as_ref()
        .map(PrometheusHandle::render)
        .ok_or_else(|| ApiError::Unavailable("metrics are not enabled in this process".into()))
}

/// Latency and outcome of every routed request, by route template (`/v1/bars/{symbol}`,
/// not the symbol) and method: `finstream_http_request_seconds` and
/// `finstream_http_requests_total{status}`. Requests the auth guard refuses are counted by
/// the guard's audit log, not here: it runs before routing.
async fn http_metrics(
    route: Option<axum::extract::MatchedPath>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let route = route.map_or_else(|| "unmatched".to_string(), |r| r.as_str().to_string());
    let method = request.method().to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(
        "finstream_http_request_seconds",
        "route" => route.clone(),
        "method" => method.clone()
    )
    .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "finstream_http_requests_total",
        "route" => route,
        "method" => method,
        "status" => response.status().as_u16().to_string()
    )
    .increment(1);
    response
}

async fn stream_upgrade(
    State(state): State<AppState>,
    identity: Option<axum::Extension<auth::Identity>>,
    ws: WebSocketUpgrade,
) -> Response {
    // The guard has checked the credentials; without required auth the caller is admin.
    let role = identity.map_or(auth::Role::Admin, |i| i.0.role);
    // Small buffers: tungstenite's 128 KiB default read buffer per connection would
    // dominate the memory of idle connections; clients send only small requests here.
    ws.read_buffer_size(512)
        .write_buffer_size(4 * 1024)
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| {
            state.connections.track_future(stream::serve(
                socket,
                state.hub,
                state.log,
                state.limits,
                role,
                state.shutdown,
            ))
        })
}

/// `/v1/chat` and `/chat` as a WebSocket (a POST there is a question for the documents).
async fn chat_upgrade(
    State(state): State<AppState>,
    identity: Option<axum::Extension<auth::Identity>>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => {
            return ApiError::BadRequest(format!(
                "GET /v1/chat is the chat WebSocket: connect with a WebSocket client ({e}); POST /v1/chat asks the documents a question"
            ))
            .into_response();
        }
    };
    let chat = match state.chat.get() {
        Ok(c) => Arc::clone(c),
        Err(e) => return e.into_response(),
    };
    let caller = match chat.caller(
        identity.as_ref().map(|e| &e.0),
        query.get("user").map(String::as_str),
    ) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(256 * 1024)
        .on_upgrade(move |socket| {
            state.connections.track_future(chat::ws::serve(
                socket,
                chat,
                state.hub,
                state.log,
                state.limits,
                caller,
                state.shutdown,
            ))
        })
}

async fn alpaca_v2(
    state: State<AppState>,
    path: Path<String>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    alpaca_upgrade("v2", state, path, peer, headers, ws)
}

async fn alpaca_v1beta1(
    state: State<AppState>,
    path: Path<String>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    alpaca_upgrade("v1beta1", state, path, peer, headers, ws)
}

/// Alpaca's stream: the feed must be a stock feed Alpaca names; msgpack when the
/// handshake's `Content-Type` asks for it; credentials may come as handshake headers.
fn alpaca_upgrade(
    version: &str,
    State(state): State<AppState>,
    Path(feed): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if !alpaca_stream::STOCK_FEEDS.contains(&(version, feed.as_str())) {
        let message = if matches!(feed.as_str(), "indicative" | "opra") {
            format!(
                "the options stream /{version}/{feed} is not served yet: option quotes with Greeks are at /v1beta1/options/snapshots/{{underlying}}"
            )
        } else {
            format!(
                "no stream /{version}/{feed}: the stock feeds are /v2/iex, /v2/sip, /v2/delayed_sip, /v2/test, /v1beta1/boats and /v1beta1/overnight"
            )
        };
        return ApiError::NotFound(message).into_response();
    }
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => {
            return ApiError::BadRequest(format!(
                "/{version}/{feed} is a WebSocket endpoint: connect with a WebSocket client ({e})"
            ))
            .into_response();
        }
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let msgpack = header("content-type").is_some_and(|v| v.starts_with("application/msgpack"));
    let handshake = alpaca_stream::Handshake {
        encoding: Some(if msgpack {
            Encoding::MsgPack
        } else {
            Encoding::Json
        }),
        key: header("apca-api-key-id"),
        secret: header("apca-api-secret-key"),
        peer: peer.ip(),
    };
    // Client frames are small (subscribe lists); alpaca-py fragments those over 32 KiB.
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(1 << 20)
        .on_upgrade(move |socket| {
            state.connections.track_future(alpaca_stream::serve(
                socket,
                state.alpaca,
                state.auth,
                state.limits,
                handshake,
                state.shutdown,
            ))
        })
}

async fn not_found() -> ApiError {
    ApiError::NotFound(
        "no such endpoint: /v1/openapi.json lists the REST API; /v1/stream is the WebSocket stream"
            .into(),
    )
}
