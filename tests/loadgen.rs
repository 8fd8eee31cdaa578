//! `finstream loadgen`, the load generator behind `scripts/bench/*_load.sh`, run small
//! against a real gateway on the Kafka of `deploy/local`: its figures must add up (every
//! published bar and chat message reaches every subscriber of its room, no client fails)
//! before the large runs' figures mean anything.

mod common;

use common::{Finstream, service, unique};
use std::process::Command;
use std::time::Duration;

fn env(prefix: &str, data: &std::path::Path) -> Vec<(String, String)> {
    vec![
        ("FINSTREAM__BUS__BACKEND".into(), "kafka".into()),
        (
            "FINSTREAM__KAFKA__BROKERS".into(),
            service("FINSTREAM_TEST_KAFKA"),
        ),
        ("FINSTREAM__KAFKA__TOPIC_PREFIX".into(), prefix.into()),
        ("FINSTREAM__DATA__DIR".into(), data.display().to_string()),
        ("FINSTREAM__GATEWAY__AUTH__REQUIRED".into(), "false".into()),
        // One address opens every connection and a few members send everything.
        (
            "FINSTREAM__GATEWAY__LIMITS__REQUESTS_PER_IP".into(),
            "100000000".into(),
        ),
        (
            "FINSTREAM__GATEWAY__CHAT__MESSAGES_PER_USER".into(),
            "0".into(),
        ),
        (
            "FINSTREAM__GATEWAY__CHAT__MESSAGES_PER_ROOM".into(),
            "0".into(),
        ),
    ]
}

/// Runs `finstream loadgen ARGS` to the end; its stdout.
fn loadgen(env: &[(String, String)], args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_finstream"))
        .arg("loadgen")
        .args(args)
        .envs(env.iter().cloned())
        .env("RUST_LOG", "warn")
        .output()
        .expect("finstream loadgen runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "loadgen {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The numbers of the line that starts with `start`, in order.
fn numbers(stdout: &str, start: &str) -> Vec<f64> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in {stdout}"));
    line.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|w| w.trim_matches('.').parse::<f64>().ok())
        .collect()
}

/// A market-stream run's figures add up: at least 20 bars published, each delivered to all
/// `room` members of its room, no client failed.
fn every_bar_reached_its_room(out: &str, room: f64) {
    // "published N bars in S s (R/s); D of E deliveries in S s (R/s); F clients failed"
    let load = numbers(out, "published");
    let (bars, delivered, expected, failed) = (load[0], load[3], load[4], load[7]);
    assert!(bars >= 20.0, "bars were published: {out}");
    assert_eq!(
        expected,
        bars * room,
        "each bar has a room of {room}: {out}"
    );
    assert_eq!(delivered, expected, "every bar reached its room: {out}");
    assert_eq!(failed, 0.0, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Kafka from deploy/local: run `make test`"]
async fn loadgen_figures_add_up_on_a_real_gateway() {
    let data = tempfile::tempdir().expect("tempdir");
    let prefix = format!("{}.", unique("loadgen"));
    let env = env(&prefix, data.path());
    let created = Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(["topics", "create"])
        .envs(env.iter().cloned())
        .output()
        .expect("topics create runs");
    assert!(created.status.success(), "topics create failed");
    let gateway = Finstream::start(&["gateway", "--http", "127.0.0.1:0"], &env, true);
    // Ready once the fan-out holds its partitions: a bar published before that is not
    // the gateway's to deliver (it starts reading at the log's end).
    common::wait_http_ok(&format!("{}/ready", gateway.url()), Duration::from_secs(60)).await;
    let pid = gateway.child.id().to_string();
    let stream = gateway.ws_url("/v1/stream");
    let chat = gateway.ws_url("/v1/chat");

    // The market stream: 300 clients in rooms of 100, 30 bars a second for 4 s.
    let out = loadgen(
        &env,
        &[
            "--gateway",
            &stream,
            "--gateway-pid",
            &pid,
            "--connections",
            "300",
            "--room-size",
            "100",
            "--rate",
            "30",
            "--seconds",
            "4",
            "--idle-seconds",
            "1",
        ],
    );
    // "gateway pid P: A MiB before, B MiB with N idle connections: K KiB per connection"
    let idle = numbers(&out, "gateway pid");
    assert_eq!(idle.get(3), Some(&300.0), "{out}");
    // About 120 bars; fewer when a freshly started broker is slow to give the producer
    // its id.
    every_bar_reached_its_room(&out, 100.0);
    // "latency event time to receipt (ms): p50 A  p99 B  max C"
    let latency: Vec<f64> = ["p50 ", "p99 ", "max "]
        .iter()
        .map(|key| {
            let rest = out.split(key).nth(1).unwrap_or("");
            let word = rest.split_whitespace().next().unwrap_or("");
            word.parse::<f64>()
                .unwrap_or_else(|_| panic!("no figure after {key:?}: {out}"))
        })
        .collect();
    assert!(
        latency[0] <= latency[1] && latency[1] <= latency[2],
        "p50, p99 and max, in order: {out}"
    );

    // Watchlists: 200 clients each watching 5 of 10 rooms of 100, bars published in
    // batches every 100 ms, 30 a second for 3 s.
    let out = loadgen(
        &env,
        &[
            "--gateway",
            &stream,
            "--connections",
            "200",
            "--room-size",
            "100",
            "--symbols-per-connection",
            "5",
            "--publish-every",
            "100",
            "--rate",
            "30",
            "--seconds",
            "3",
            "--idle-seconds",
            "1",
        ],
    );
    assert!(
        out.contains("watching 5 room(s) each, 10 rooms of 100"),
        "{out}"
    );
    every_bar_reached_its_room(&out, 100.0);

    // Chat: one room of 50 members, 20 messages a second from 2 senders for 3 s.
    let out = loadgen(
        &env,
        &[
            "--chat",
            "--gateway",
            &chat,
            "--connections",
            "50",
            "--room-size",
            "50",
            "--senders",
            "2",
            "--rate",
            "20",
            "--seconds",
            "3",
            "--idle-seconds",
            "1",
        ],
    );
    // "sent S chat messages in T s (R/s, N refused); D of about E deliveries in ..."
    let sent = numbers(&out, "sent");
    let (messages, refused, delivered, expected) = (sent[0], sent[3], sent[4], sent[5]);
    assert!(messages >= 20.0, "messages were sent: {out}");
    assert_eq!(refused, 0.0, "{out}");
    assert_eq!(expected, messages * 50.0, "{out}");
    assert_eq!(
        delivered, expected,
        "every message reached every member: {out}"
    );
    assert!(out.contains(" 0 clients failed"), "{out}");
}
