//! What the gateway's black-box tests share: a gateway on a loopback port, WebSocket
//! frames as JSON, and bars to publish.

#![allow(dead_code)] // each test binary uses a part

use finstream_bus::Bus;
use finstream_gateway::auth::AuthConfig;
use finstream_gateway::{Application, Backends, GatewayConfig};
use finstream_schemas::{Bar, Codec};
use futures::StreamExt;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub const T0: i64 = 1_700_000_000_000_000_000;
pub const SECOND: i64 = 1_000_000_000;

/// A gateway configuration open to anyone, as `finstream run` (auth has its own tests,
/// `tests/auth.rs`), on a free port.
pub fn open_config() -> GatewayConfig {
    GatewayConfig {
        listen: "127.0.0.1:0".into(),
        auth: AuthConfig {
            required: Some(false),
            ..AuthConfig::default()
        },
        ..GatewayConfig::default()
    }
}

/// Binds a gateway (on a free port, whatever `config.listen` says) and serves it until
/// `shutdown`; returns its port.
pub async fn start(
    config: &GatewayConfig,
    bus: Bus,
    backends: Backends,
    shutdown: &CancellationToken,
) -> u16 {
    let config = GatewayConfig {
        listen: "127.0.0.1:0".into(),
        ..config.clone()
    };
    let app = Application::build(
        &config,
        bus,
        Codec::embedded(),
        backends,
        None,
        shutdown.clone(),
    )
    .await
    .expect("bind");
    let port = app.port();
    tokio::spawn(app.run());
    port
}

/// The next JSON text frame, or None when nothing comes within `within`; panics if the
/// stream ends.
pub async fn next_json(ws: &mut Ws, within: Duration) -> Option<serde_json::Value> {
    loop {
        match tokio::time::timeout(within, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                return Some(serde_json::from_str(t.as_str()).expect("JSON frame"));
            }
            Ok(Some(Ok(_))) => {}
            Ok(other) => panic!("the stream ended: {other:?}"),
            Err(_) => return None,
        }
    }
}

/// Bar `i` (a second long, from `T0`) of symbol `S{symbol}`.
pub fn bar(symbol: usize, i: i64) -> Bar {
    Bar {
        id: format!("S{symbol}-{i}"),
        symbol: format!("S{symbol}"),
        timeframe: "1s".into(),
        start_time: T0 + i * SECOND,
        end_time: T0 + (i + 1) * SECOND,
        open: 1.0,
        high: 2.0,
        low: 0.5,
        close: 1.5,
        volume: 100.0,
        trade_count: i,
        vwap: 1.25,
        revision: 0,
        event_time: T0 + (i + 1) * SECOND,
    }
}
