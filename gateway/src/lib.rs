//! The gateway: what users and their programs connect to.
//!
//! - [`app`]: [`Application::build`] binds the listener and returns the port; `run` serves
//!   until shutdown. Routes: `/health`, `/ready`, `/metrics`, `/v1/stream`, and [`rest`].
//! - [`hub`]: consumes the analytics topics once per process, drops replayed duplicates,
//!   serializes each update once and fans it out to the subscribers of its symbol, each
//!   through an `Outbox` that conflates when the connection falls behind.
//! - [`stream`]: the `/v1/stream` WebSocket protocol (subscribe and unsubscribe by symbol
//!   and channel; every update carries its topic, partition and offset).
//! - [`alpaca_stream`]: Alpaca's market-data stream (`/v2/{feed}`) from finstream's trades,
//!   quotes and bars, JSON or msgpack, so that Alpaca's SDKs connect unchanged.
//! - [`auth`]: API keys, JWTs, roles, IP lists, rate limits (Redis or memory), audit log.
//! - [`rest`]: the REST API: finstream's `/v1` (bars, snapshot, options, SQL, analyze),
//!   Alpaca's market-data paths (`/v2/stocks/...`, `/v1beta1/options/snapshots/...`) from
//!   the hot store, and the OpenAPI document generated from the handlers.
//! - [`chat`]: chat rooms over WebSocket and REST: messages on `chat.messages.v1`,
//!   history from the hot store, presence and signals in Redis, search with tantivy,
//!   attachments, masking, the assistant.
//! - [`error`]: the one HTTP error type, `{"code","message"}` with the right status.
//!
//! Start with `app.rs`.

pub mod alpaca_stream;
pub mod app;
pub mod auth;
pub mod chat;
pub mod docs;
pub mod error;
pub mod hub;
pub mod rest;
pub mod stream;
pub mod tls;

pub use app::{Application, Backends, GatewayConfig};
