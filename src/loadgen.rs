//! `finstream loadgen`: WebSocket load on running gateways, with figures.
//!
//! Opens `--connections` clients of `/v1/stream` (spread over `--gateway` URLs and the
//! `--source` addresses, so that neither one process's file limit nor one address's
//! ephemeral ports cap them), each subscribed to the bars of one room: `--room-size`
//! clients per symbol `LOAD00000`, `LOAD00001`, ... With `--symbols-per-connection K`,
//! each client watches K rooms instead (a watchlist), still `--room-size` clients a room.
//! Then:
//!
//! 1. idle: waits, and reports the resident memory of each `--gateway-pid` before the
//!    clients connected and with all of them connected and idle, per connection;
//! 2. load: publishes `--rate` bars per second (spread over the rooms) into the configured
//!    bus for `--seconds`, each stamped with the time it was due (its batch's scheduled
//!    tick, so a late batch counts as latency) as its event time, in batches every
//!    `--publish-every` milliseconds (10: an even stream; 1000: every
//!    room's bar of a second at once, as bars close on the same boundary), and reports
//!    the deliveries per second the clients received and the latency from event time to
//!    receipt (p50, p99, max). `--rate` 0 skips this phase.
//!
//! With `--chat`, the clients are members of chat rooms (`--gateway ws://.../v1/chat`,
//! on gateways that require no credentials and have chat rate limits off): each joins room
//! `load-N` as user `loadI`, and `--senders` more members send `--rate` messages per
//! second through the WebSocket (the whole path: validation, the bus, the fan-out), each
//! carrying its send time in `context.sent`; the figure is send to receipt.
//!
//! The gateways must read the same bus (`[bus] backend = "kafka"` and the same `[kafka]`
//! for both). Each delivery is parsed by the client, so on one machine the clients' CPU
//! is part of the figure.

use crate::roles::Transport;
use anyhow::{Context, bail};
use finstream_bus::OutRecord;
use finstream_schemas::Bar;
use futures::{SinkExt, StreamExt};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// `finstream loadgen` options.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadgenArgs {
    /// A gateway's stream URL; repeat for several gateway processes (clients alternate).
    #[arg(
        long = "gateway",
        value_name = "URL",
        default_value = "ws://127.0.0.1:8080/v1/stream"
    )]
    pub gateways: Vec<String>,
    /// A gateway's process id, for its memory figures; repeat as `--gateway`.
    #[arg(long = "gateway-pid", value_name = "PID")]
    pub gateway_pids: Vec<u32>,
    /// Local addresses the clients connect from, e.g. 127.0.0.2 (one holds ~28,000).
    #[arg(long = "source", value_name = "IP", default_value = "127.0.0.1")]
    pub sources: Vec<IpAddr>,
    /// WebSocket clients to open (this process's file limit caps it near 20,000).
    #[arg(long, default_value_t = 1000)]
    pub connections: usize,
    /// Clients per room (symbol).
    #[arg(long, default_value_t = 1000)]
    pub room_size: usize,
    /// Rooms each client subscribes to (at most the gateway's symbols per connection).
    #[arg(long, default_value_t = 1, value_name = "K")]
    pub symbols_per_connection: usize,
    /// Milliseconds between publishing batches: the rate is spread over them.
    #[arg(long, default_value_t = 10, value_name = "MS")]
    pub publish_every: u64,
    /// Bars published per second, over all rooms (deliveries = rate x room size).
    #[arg(long, default_value_t = 100)]
    pub rate: u64,
    /// Seconds of load.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Seconds the idle clients are left before memory is read.
    #[arg(long, default_value_t = 5)]
    pub idle_seconds: u64,
    /// Chat rooms instead of the market stream: `--rate` is messages per second sent by
    /// `--senders` members through `/v1/chat`.
    #[arg(long)]
    pub chat: bool,
    /// With `--chat`: the members that send (beside `--connections` that receive).
    #[arg(long, default_value_t = 10)]
    pub senders: usize,
}

/// Resident memory of a process, from /proc, in bytes.
fn rss(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading the memory of process {pid}"))?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .with_context(|| format!("no VmRSS for process {pid}"))?;
    Ok(kb * 1024)
}

fn room(i: usize) -> String {
    format!("LOAD{i:05}")
}

fn chat_room(i: usize) -> String {
    format!("load-{i}")
}

/// What the clients count, shared.
#[derive(Default)]
struct Counts {
    delivered: AtomicU64,
    failed: AtomicU64,
    /// When the newest delivery arrived (ns since the epoch).
    last_receipt: std::sync::atomic::AtomicI64,
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn connect(url: &str, source: IpAddr) -> anyhow::Result<Ws> {
    let parsed = url::Url::parse(url).with_context(|| format!("--gateway {url}"))?;
    if parsed.scheme() != "ws" {
        bail!("--gateway {url}: only ws:// URLs (terminate TLS in front of the load)");
    }
    let host = parsed.host_str().context("--gateway has no host")?;
    let port = parsed.port().unwrap_or(80);
    let addr: SocketAddr = tokio::net::lookup_host((host, port))
        .await?
        .find(|a| a.is_ipv4() == source.is_ipv4())
        .with_context(|| format!("{host}:{port} does not resolve"))?;
    let socket = if source.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.bind(SocketAddr::new(source, 0))?;
    let stream = socket.connect(addr).await?;
    // Small buffers: the clients are many and their frames small (a bar is about 450
    // bytes). tungstenite zeroes the read buffer's free part before each read, so a
    // larger one costs a memset per frame at no gain.
    let config = WebSocketConfig::default()
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(64 * 1024);
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config)).await?;
    Ok(ws)
}

/// Which rooms connection `i` of `connections` watches: `k` rooms, each watched by `size`
/// connections (`connections` at least `size` when `k` is more than 1, so that one
/// connection's rooms are distinct).
fn rooms_of(i: usize, connections: usize, size: usize, k: usize) -> Vec<usize> {
    (0..k).map(|j| (j * connections + i) / size).collect()
}

/// One client: subscribes to its rooms' bars (or joins a chat room), then records the
/// latency of every bar (or message) until `stop`.
async fn client(
    mut ws: Ws,
    rooms: Vec<usize>,
    chat: bool,
    run: i64,
    counts: Arc<Counts>,
    latencies: Arc<parking_lot::Mutex<Vec<u32>>>,
    stop: tokio_util::sync::CancellationToken,
) {
    let msg = if chat {
        serde_json::json!({"action": "join", "room": chat_room(rooms.first().copied().unwrap_or(0))})
    } else {
        let symbols: Vec<String> = rooms.iter().map(|&r| room(r)).collect();
        serde_json::json!({"action": "subscribe", "symbols": symbols, "channels": ["bars"]})
    };
    if ws.send(Message::text(msg.to_string())).await.is_err() {
        counts.failed.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let mut mine: Vec<u32> = Vec::new();
    // A token of its own: waiting on the shared one would have every client lock the same
    // waiter list at every frame.
    let stop = stop.child_token();
    loop {
        let frame = tokio::select! {
            _ = stop.cancelled() => break,
            f = ws.next() => f,
        };
        let text = match frame {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(_)) => continue,
            _ => {
                counts.failed.fetch_add(1, Ordering::Relaxed);
                break;
            }
        };
        let since = if chat {
            chat_sent_time(text.as_str(), run)
        } else {
            bar_event_time(text.as_str())
        };
        if let Some(since) = since {
            let now = finstream_schemas::now_nanos();
            counts.last_receipt.fetch_max(now, Ordering::Relaxed);
            let micros = (now - since).max(0) / 1_000;
            mine.push(micros.min(u32::MAX as i64) as u32);
            counts.delivered.fetch_add(1, Ordering::Relaxed);
        }
    }
    latencies.lock().extend(mine);
    let _ = ws.close(None).await;
}

/// When a `/v1/chat` message of this run was sent (its `context.sent`). A fresh join also
/// gets the room's recent messages: those of earlier runs are not this run's deliveries.
fn chat_sent_time(frame: &str, run: i64) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Sent {
        sent: Option<i64>,
        run: Option<i64>,
    }
    #[derive(serde::Deserialize)]
    struct Data {
        context: Option<Sent>,
    }
    #[derive(serde::Deserialize)]
    struct Frame {
        #[serde(rename = "type")]
        kind: String,
        data: Option<Data>,
    }
    let f: Frame = serde_json::from_str(frame).ok()?;
    match f.data?.context? {
        Sent {
            sent: Some(sent),
            run: Some(r),
        } if f.kind == "chat" && r == run => Some(sent),
        _ => None,
    }
}

/// The event time of a `/v1/stream` bar frame, found without parsing the frame: the
/// clients run on the gateway's cores, and parsing every frame in full took a quarter of a
/// core at 100,000 deliveries/s (`perf`), time the gateway then did not have.
fn bar_event_time(frame: &str) -> Option<i64> {
    const KEY: &str = "\"event_time\":";
    if !frame.contains("\"type\":\"bar\"") {
        return None;
    }
    let digits = &frame[frame.find(KEY)? + KEY.len()..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// When bar `n` (from 0) of a load is due, in nanoseconds after its start: the first tick
/// at or after the moment the rate owes it. Its event time, so that a batch published
/// late (the publisher was held up, or the brokers were slow to acknowledge the one
/// before) shows as latency instead of moving the clock along with it.
fn due_nanos(n: u64, rate: u64, tick_nanos: u64) -> i64 {
    let rate = u128::from(rate.max(1));
    let tick = u128::from(tick_nanos.max(1));
    let owed_at = (u128::from(n + 1) * 1_000_000_000).div_ceil(rate);
    i64::try_from(owed_at.div_ceil(tick) * tick).unwrap_or(i64::MAX)
}

fn bar(symbol: &str, t0: i64, n: u64, event_time: i64) -> Bar {
    Bar {
        id: format!("{symbol}:loadgen:{n}"),
        symbol: symbol.to_string(),
        timeframe: "1s".into(),
        // Unique and increasing per room, also across runs against the same gateways
        // (which drop a bar not newer than the last of its series); the event time
        // carries the time the bar was due.
        start_time: t0 + n as i64,
        end_time: t0 + n as i64 + 1,
        open: 100.0,
        high: 101.0,
        low: 99.0,
        close: 100.5,
        volume: 1_000.0,
        trade_count: n as i64,
        vwap: 100.2,
        revision: 0,
        event_time,
    }
}

/// A chat member names itself (the gateways require no credentials in a load run).
fn member_url(url: &str, chat: bool, i: usize) -> String {
    if chat {
        format!("{url}?user=load{i}")
    } else {
        url.to_string()
    }
}

/// The chat load: `--senders` more members, spread over the rooms, send `--rate`
/// messages a second in total through the WebSocket for `--seconds`; every member
/// records the time from send to receipt.
async fn chat_load(
    args: &LoadgenArgs,
    rooms: usize,
    run: i64,
    counts: Arc<Counts>,
    latencies: Arc<parking_lot::Mutex<Vec<u32>>>,
    stop: tokio_util::sync::CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
) -> anyhow::Result<()> {
    let senders = args.senders.max(1);
    let sent = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let load_start_nanos = finstream_schemas::now_nanos();
    let load_start = Instant::now();
    let delivered_before = counts.delivered.load(Ordering::Relaxed);
    let mut senders_done = Vec::with_capacity(senders);
    for s in 0..senders {
        let url = &args.gateways[s % args.gateways.len()];
        let source = args.sources[s % args.sources.len()];
        let ws = connect(&format!("{url}?user=sender{s}"), source)
            .await
            .with_context(|| format!("sender {s} to {url}"))?;
        let (mut sink, mut stream) = ws.split();
        let room = chat_room(s % rooms);
        let join = serde_json::json!({"action": "join", "room": room});
        sink.send(Message::text(join.to_string())).await?;
        // A sender reads its own socket (acks, the room's messages) so it is never slow.
        let refused_here = Arc::clone(&refused);
        tokio::spawn(async move {
            while let Some(Ok(m)) = stream.next().await {
                if let Message::Text(t) = m
                    && t.as_str().starts_with("{\"type\":\"error\"")
                {
                    refused_here.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        let per_second = args.rate as f64 / senders as f64;
        let seconds = args.seconds;
        let sent = Arc::clone(&sent);
        senders_done.push(tokio::spawn(async move {
            if per_second <= 0.0 {
                return;
            }
            let every = Duration::from_secs_f64(1.0 / per_second);
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let mut n = 0u64;
            while Instant::now() < deadline {
                interval.tick().await;
                n += 1;
                let msg = serde_json::json!({"action": "send", "room": room,
                    "content": format!("load message {n}"),
                    "context": {"sent": finstream_schemas::now_nanos(), "run": run}});
                if sink.send(Message::text(msg.to_string())).await.is_err() {
                    break;
                }
                sent.fetch_add(1, Ordering::Relaxed);
            }
            let _ = sink.close().await;
        }));
    }
    for s in senders_done {
        let _ = s.await;
    }
    let Outcome {
        offered,
        delivered,
        span,
        latencies: l,
    } = finish(
        &counts,
        &latencies,
        stop,
        tasks,
        (load_start, load_start_nanos),
        delivered_before,
        Duration::from_secs(3),
    )
    .await;
    let sent = sent.load(Ordering::Relaxed);
    let members_per_room = args.room_size.min(args.connections);
    println!(
        "sent {sent} chat messages in {offered:.1} s ({:.0}/s, {} refused); {delivered} of about {} deliveries in {span:.1} s ({:.0}/s); {} clients failed",
        sent as f64 / offered,
        refused.load(Ordering::Relaxed),
        sent * members_per_room as u64,
        delivered as f64 / span,
        counts.failed.load(Ordering::Relaxed)
    );
    print_latency("send to receipt", &l);
    Ok(())
}

/// What a load phase measured.
struct Outcome {
    /// Seconds of offered load.
    offered: f64,
    delivered: u64,
    /// Seconds from the first send to the last receipt (at least `offered`).
    span: f64,
    /// Microseconds, sorted.
    latencies: Vec<u32>,
}

/// Ends a load phase begun at `started` (instant, ns since the epoch): waits `settle`
/// for the last deliveries, stops the clients and collects what they measured.
async fn finish(
    counts: &Counts,
    latencies: &parking_lot::Mutex<Vec<u32>>,
    stop: tokio_util::sync::CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    started: (Instant, i64),
    delivered_before: u64,
    settle: Duration,
) -> Outcome {
    let offered = started.0.elapsed().as_secs_f64();
    tokio::time::sleep(settle).await;
    let delivered = counts.delivered.load(Ordering::Relaxed) - delivered_before;
    let span =
        ((counts.last_receipt.load(Ordering::Relaxed) - started.1) as f64 / 1e9).max(offered);
    stop.cancel();
    for t in tasks {
        let _ = t.await;
    }
    let mut l = std::mem::take(&mut *latencies.lock());
    l.sort_unstable();
    Outcome {
        offered,
        delivered,
        span,
        latencies: l,
    }
}

fn print_latency(what: &str, sorted: &[u32]) {
    println!(
        "latency {what} (ms): p50 {:.1}  p99 {:.1}  max {:.1}",
        percentile(sorted, 0.50),
        percentile(sorted, 0.99),
        percentile(sorted, 1.0)
    );
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1_000.0
}

pub async fn run(config: &crate::config::Config, args: LoadgenArgs) -> anyhow::Result<()> {
    if args.connections == 0 || args.room_size == 0 {
        bail!("--connections and --room-size must be at least 1");
    }
    if args.gateways.is_empty() || args.sources.is_empty() {
        bail!("give at least one --gateway and one --source");
    }
    let k = args.symbols_per_connection;
    if k == 0 || (k > 1 && (args.chat || args.connections < args.room_size)) {
        bail!(
            "--symbols-per-connection must be at least 1; above 1 it needs the market stream and --connections of at least --room-size"
        );
    }
    if args.publish_every == 0 {
        bail!("--publish-every must be at least 1 ms");
    }
    let rooms = (args.connections * k).div_ceil(args.room_size);
    let mut members = vec![0u64; rooms];
    let before: Vec<u64> = args
        .gateway_pids
        .iter()
        .map(|&p| rss(p))
        .collect::<Result<_, _>>()?;

    println!(
        "loadgen: {} connections watching {k} room(s) each, {rooms} rooms of {} over {} gateway(s), from {} address(es)",
        args.connections,
        args.room_size,
        args.gateways.len(),
        args.sources.len()
    );
    let counts = Arc::new(Counts::default());
    let latencies = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let stop = tokio_util::sync::CancellationToken::new();
    let started = Instant::now();
    let run_id = finstream_schemas::now_nanos();
    let mut tasks = Vec::with_capacity(args.connections);
    for i in 0..args.connections {
        let url = &args.gateways[i % args.gateways.len()];
        let source = args.sources[(i / args.gateways.len()) % args.sources.len()];
        let ws = connect(&member_url(url, args.chat, i), source)
            .await
            .with_context(|| format!("connection {i} to {url} from {source}"))?;
        let mine = rooms_of(i, args.connections, args.room_size, k);
        for &r in &mine {
            members[r] += 1;
        }
        tasks.push(tokio::spawn(client(
            ws,
            mine,
            args.chat,
            run_id,
            Arc::clone(&counts),
            Arc::clone(&latencies),
            stop.clone(),
        )));
        if (i + 1) % 5_000 == 0 {
            eprintln!("  {} connected", i + 1);
        }
    }
    println!(
        "connected {} in {:.1} s",
        args.connections,
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(args.idle_seconds)).await;
    for (k, &pid) in args.gateway_pids.iter().enumerate() {
        let now = rss(pid)?;
        let held = args.connections / args.gateway_pids.len().max(1);
        println!(
            "gateway pid {pid}: {:.1} MiB before, {:.1} MiB with {held} idle connections: {:.1} KiB per connection",
            before[k] as f64 / 1_048_576.0,
            now as f64 / 1_048_576.0,
            now.saturating_sub(before[k]) as f64 / 1024.0 / held.max(1) as f64
        );
    }
    if args.rate == 0 {
        stop.cancel();
        for t in tasks {
            let _ = t.await;
        }
        return Ok(());
    }

    if args.chat {
        return chat_load(&args, rooms, run_id, counts, latencies, stop, tasks).await;
    }
    // The load is published in batches every --publish-every ms already: the producer's
    // own wait for more records (linger.ms, 5 ms by default) would only add its delay to
    // every latency measured. kafka.properties still decides if it sets linger.ms.
    let mut config = config.clone();
    config.kafka.default_property("linger.ms", "0");
    let transport = Transport::from_config(&config).await?;
    let producer = transport.bus.producer()?;
    // Publish in ticks, each carrying what the rate owes by then: a tick missed while the
    // brokers acknowledged the previous batch is made up by the next one.
    let tick = Duration::from_millis(args.publish_every);
    let t0 = finstream_schemas::now_nanos();
    let mut published = 0u64;
    let mut expected = 0u64;
    let load_start = Instant::now();
    let load_start_nanos = finstream_schemas::now_nanos();
    let deadline = load_start + Duration::from_secs(args.seconds);
    let delivered_before = counts.delivered.load(Ordering::Relaxed);
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let tick_nanos = args.publish_every * 1_000_000;
    while Instant::now() < deadline {
        interval.tick().await;
        // In whole nanoseconds, as `due_nanos` counts: a bar is published at its due tick.
        let owed = load_start.elapsed().as_nanos() * u128::from(args.rate) / 1_000_000_000;
        let n = u64::try_from(owed)
            .unwrap_or(u64::MAX)
            .saturating_sub(published);
        let records: Vec<OutRecord> = (0..n)
            .map(|k| {
                let i = published + k;
                let due = load_start_nanos + due_nanos(i, args.rate, tick_nanos);
                let b = bar(&room((i % rooms as u64) as usize), t0, i, due);
                OutRecord::event(&transport.codec, &b)
            })
            .collect::<Result<_, _>>()?;
        for k in 0..n {
            expected += members[((published + k) % rooms as u64) as usize];
        }
        published += n;
        producer.send_all(records).await?;
    }
    let Outcome {
        offered,
        delivered,
        span,
        latencies: l,
    } = finish(
        &counts,
        &latencies,
        stop,
        tasks,
        (load_start, load_start_nanos),
        delivered_before,
        Duration::from_secs(2),
    )
    .await;
    println!(
        "published {published} bars in {offered:.1} s ({:.0}/s); {delivered} of {expected} deliveries in {span:.1} s ({:.0}/s); {} clients failed",
        published as f64 / offered,
        delivered as f64 / span,
        counts.failed.load(Ordering::Relaxed)
    );
    print_latency("event time to receipt", &l);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bar_is_due_at_the_first_tick_after_the_rate_owes_it() {
        const MS: u64 = 1_000_000;
        // 100/s in 10 ms ticks: bar n at tick n + 1.
        assert_eq!(super::due_nanos(0, 100, 10 * MS), 10_000_000);
        assert_eq!(super::due_nanos(99, 100, 10 * MS), 1_000_000_000);
        // 800/s: eight bars a tick, all due at its end.
        assert_eq!(super::due_nanos(0, 800, 10 * MS), 10_000_000);
        assert_eq!(super::due_nanos(7, 800, 10 * MS), 10_000_000);
        assert_eq!(super::due_nanos(8, 800, 10 * MS), 20_000_000);
        // 3/s: owed at 333.33... ms, published at the 340 ms tick.
        assert_eq!(super::due_nanos(0, 3, 10 * MS), 340_000_000);
    }

    use super::*;

    #[test]
    fn a_bar_frame_gives_its_event_time_and_nothing_else_does() {
        let bar = r#"{"type":"bar","symbol":"LOAD00001","topic":"t","partition":0,"offset":7,"data":{"id":"x","close":100.5,"event_time":1763800000123456789,"revision":0}}"#;
        assert_eq!(bar_event_time(bar), Some(1_763_800_000_123_456_789));
        let data_first = r#"{"data":{"event_time":42},"type":"bar"}"#;
        assert_eq!(bar_event_time(data_first), Some(42));
        assert_eq!(bar_event_time(r#"{"type":"heartbeat","time":5}"#), None);
        assert_eq!(bar_event_time(r#"{"type":"bar","data":{}}"#), None);
        assert_eq!(
            bar_event_time(r#"{"type":"bar","data":{"event_time":"soon"}}"#),
            None
        );
    }

    #[test]
    fn a_chat_message_of_this_run_gives_its_send_time() {
        let of = |run: i64| {
            format!(
                r#"{{"type":"chat","data":{{"content":"x","context":{{"sent":99,"run":{run}}}}}}}"#
            )
        };
        assert_eq!(chat_sent_time(&of(7), 7), Some(99));
        assert_eq!(chat_sent_time(&of(6), 7), None, "an earlier run's message");
        assert_eq!(
            chat_sent_time(r#"{"type":"ack","data":{"context":{"sent":1,"run":7}}}"#, 7),
            None
        );
        assert_eq!(chat_sent_time("not json", 7), None);
    }

    #[test]
    fn every_room_gets_its_size_and_a_connection_distinct_rooms() {
        for (connections, size, k) in [
            (1000usize, 1000usize, 100usize),
            (3000, 1000, 7),
            (2500, 1000, 2),
            (10, 4, 1),
        ] {
            let rooms = (connections * k).div_ceil(size);
            let mut members = vec![0usize; rooms];
            for i in 0..connections {
                let mine = rooms_of(i, connections, size, k);
                let mut distinct = mine.clone();
                distinct.sort_unstable();
                distinct.dedup();
                assert_eq!(
                    distinct.len(),
                    k,
                    "connection {i} watches a room twice: {mine:?}"
                );
                for r in mine {
                    members[r] += 1;
                }
            }
            let full = members.iter().filter(|&&m| m == size).count();
            assert!(full >= rooms - 1, "{members:?}");
            assert_eq!(members.iter().sum::<usize>(), connections * k);
        }
    }
}
