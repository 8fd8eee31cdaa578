//! Helpers of the black-box tests: start the `finstream` binary, talk to it as a user
//! would (HTTP, WebSocket, a plain Kafka client), and compute expected bars independently.

#![allow(dead_code)]

use finstream_schemas::{Bar, Codec, Trade};
use futures::{SinkExt, StreamExt};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

pub const SECOND: i64 = 1_000_000_000;

/// A running `finstream` process, killed when dropped.
pub struct Finstream {
    pub child: Child,
    pub url: Option<String>,
    lines: mpsc::Receiver<String>,
}

impl Finstream {
    /// Starts `finstream ARGS` with `env`, and waits for a line of stdout containing
    /// `http://` when `wait_for_url`.
    pub fn start(args: &[&str], env: &[(String, String)], wait_for_url: bool) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_finstream"));
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        cmd.env("RUST_LOG", "warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("finstream starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut me = Self {
            child,
            url: None,
            lines: rx,
        };
        if wait_for_url {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                match me.lines.recv_timeout(Duration::from_millis(200)) {
                    Ok(line) => {
                        if let Some(i) = line.find("http://") {
                            let url = line[i..]
                                .split_whitespace()
                                .next()
                                .unwrap_or("")
                                .trim_end_matches(['/', ',', ')']);
                            me.url = Some(url.to_string());
                            break;
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if let Ok(Some(status)) = me.child.try_wait() {
                            panic!("finstream {args:?} exited early with {status}");
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        panic!("finstream {args:?} closed stdout before printing its URL")
                    }
                }
            }
            assert!(
                me.url.is_some(),
                "finstream {args:?} printed no URL within 60 s"
            );
        }
        me
    }

    /// `finstream run` on a free loopback port over `data_dir`, once it prints its URL.
    pub fn run_in(data_dir: &std::path::Path, env: &[(String, String)]) -> Self {
        Self::start(
            &[
                "run",
                "--http",
                "127.0.0.1:0",
                "--data-dir",
                data_dir.to_str().expect("utf-8 path"),
            ],
            env,
            true,
        )
    }

    pub fn url(&self) -> &str {
        self.url.as_deref().expect("url")
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.url().replacen("http://", "ws://", 1))
    }

    /// Sends SIGKILL: no graceful shutdown, no final commit.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "finstream did not exit within {within:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Finstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `GET url` until it answers 200, for at most `within`.
pub async fn wait_http_ok(url: &str, within: Duration) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + within;
    let mut last = String::new();
    while Instant::now() < deadline {
        match client.get(url).send().await {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => last = format!("{} {}", r.status(), r.text().await.unwrap_or_default()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{url} did not become ready within {within:?}: {last}");
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects to `/v1/stream` and subscribes; returns once the subscription is confirmed.
pub async fn subscribe(ws_url: &str, symbols: &[&str]) -> Ws {
    subscribe_to(ws_url, symbols, None).await
}

/// Subscribes to some channels only (`bars`, `indicators`, `events`): a test that reads
/// only bars must not have them crowded out of its queue by a burst of indicators.
pub async fn subscribe_to(ws_url: &str, symbols: &[&str], channels: Option<&[&str]>) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("websocket connects");
    let mut msg = serde_json::json!({"action": "subscribe", "symbols": symbols});
    if let Some(channels) = channels {
        msg["channels"] = serde_json::json!(channels);
    }
    ws.send(Message::text(msg.to_string()))
        .await
        .expect("sends");
    loop {
        let v = next_json(&mut ws, Duration::from_secs(10))
            .await
            .expect("a reply to subscribe");
        if v["type"] == "subscribed" {
            return ws;
        }
    }
}

/// The next JSON text frame, or None after `within`.
pub async fn next_json(ws: &mut Ws, within: Duration) -> Option<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        match msg.ok()? {
            Message::Text(t) => return serde_json::from_str(t.as_str()).ok(),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

/// Deterministic trades for `symbols` from `t0`, `per_second` per symbol, for `seconds`.
pub fn trades(symbols: &[&str], t0: i64, seconds: i64, per_second: i64, tag: &str) -> Vec<Trade> {
    let mut out = Vec::new();
    for s in 0..seconds * per_second {
        for (k, symbol) in symbols.iter().enumerate() {
            let i = s * symbols.len() as i64 + k as i64;
            out.push(Trade {
                id: format!("{tag}:{symbol}:{s}"),
                symbol: symbol.to_string(),
                price: 50.0 + k as f64 * 10.0 + ((i * 7919) % 997) as f64 / 100.0,
                size: 1.0 + (i % 17) as f64,
                event_time: t0 + s * SECOND / per_second + (i % 5),
                trade_id: Some(s),
                exchange: None,
                conditions: vec![],
                tape: None,
                source: "external".into(),
            });
        }
    }
    out
}

/// One trade per symbol far past the others, so every earlier bar closes.
pub fn closing_trades(symbols: &[&str], after: i64, tag: &str) -> Vec<Trade> {
    symbols
        .iter()
        .map(|symbol| Trade {
            id: format!("{tag}:{symbol}:close"),
            symbol: symbol.to_string(),
            price: 1.0,
            size: 1.0,
            event_time: after + 60 * SECOND,
            trade_id: None,
            exchange: None,
            conditions: vec![],
            tape: None,
            source: "external".into(),
        })
        .collect()
}

/// A bar's identity: symbol and start.
pub type BarSlot = (String, i64);
/// A bar's numbers: open, high, low, close, volume, trade count.
pub type Ohlcvn = (f64, f64, f64, f64, f64, i64);

/// 1-second bars of `trades`, computed here without finstream's aggregator.
pub fn expected_bars(trades: &[Trade]) -> BTreeMap<BarSlot, Ohlcvn> {
    let mut groups: BTreeMap<(String, i64), Vec<&Trade>> = BTreeMap::new();
    for t in trades {
        groups
            .entry((t.symbol.clone(), t.event_time.div_euclid(SECOND) * SECOND))
            .or_default()
            .push(t);
    }
    groups
        .into_iter()
        .map(|(k, mut ts)| {
            ts.sort_by_key(|t| t.event_time);
            let high = ts.iter().map(|t| t.price).fold(f64::MIN, f64::max);
            let low = ts.iter().map(|t| t.price).fold(f64::MAX, f64::min);
            let volume: f64 = ts.iter().map(|t| t.size).sum();
            (
                k,
                (
                    ts[0].price,
                    high,
                    low,
                    ts[ts.len() - 1].price,
                    volume,
                    ts.len() as i64,
                ),
            )
        })
        .collect()
}

pub fn bar_key(b: &Bar) -> (BarSlot, Ohlcvn) {
    (
        (b.symbol.clone(), b.start_time),
        (b.open, b.high, b.low, b.close, b.volume, b.trade_count),
    )
}

/// A bar as the WebSocket delivers it.
pub fn bar_from_json(v: &serde_json::Value) -> Option<Bar> {
    (v["type"] == "bar")
        .then(|| serde_json::from_value(v["data"].clone()).ok())
        .flatten()
}

/// A one-second bar as the WebSocket delivers it (the processor builds longer ones too).
pub fn one_second_bar(v: &serde_json::Value) -> Option<Bar> {
    bar_from_json(v).filter(|b| b.timeframe == "1s")
}

/// Now, rounded down to a whole minute, minus an hour: recent enough for Kafka's
/// retention, old enough that nothing else writes there.
pub fn test_epoch() -> i64 {
    let now = finstream_schemas::now_nanos();
    (now / (60 * SECOND)) * 60 * SECOND - 3600 * SECOND
}

pub fn encode(codec: &Codec, t: &Trade) -> Vec<u8> {
    codec.encode(t).expect("encodes")
}

/// A name no other test run uses.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}x{}",
        std::process::id(),
        finstream_schemas::now_nanos() % 1_000_000_000
    )
}

/// Nanoseconds since the epoch as RFC 3339 in UTC.
pub fn rfc3339(nanos: i64) -> String {
    finstream_schemas::alpaca::format_rfc3339(nanos)
}

/// A service address from `deploy/local/services.sh env`, which `make test` loads.
pub fn service(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is set by `make test` (deploy/local/services.sh env)"))
}

/// The configuration of a `finstream` process on the Kafka and Cassandra of
/// `deploy/local`: topics under `prefix`, tables in `keyspace`, files in `data`.
pub fn distributed_env(
    prefix: &str,
    keyspace: &str,
    data: &std::path::Path,
) -> Vec<(String, String)> {
    vec![
        ("FINSTREAM__BUS__BACKEND".into(), "kafka".into()),
        (
            "FINSTREAM__KAFKA__BROKERS".into(),
            service("FINSTREAM_TEST_KAFKA"),
        ),
        ("FINSTREAM__KAFKA__TOPIC_PREFIX".into(), prefix.into()),
        ("FINSTREAM__STORE__BACKEND".into(), "scylla".into()),
        (
            "FINSTREAM__STORE__NODES".into(),
            format!("[\"{}\"]", service("FINSTREAM_TEST_CASSANDRA")),
        ),
        ("FINSTREAM__STORE__KEYSPACE".into(), keyspace.into()),
        ("FINSTREAM__DATA__DIR".into(), data.display().to_string()),
    ]
}
