//! The persist processor neither loses nor duplicates, whatever kills it: a million
//! trades go through the real Kafka of `deploy/local` into `finstream process persist`,
//! which is killed with SIGKILL at moments drawn at random while it works; after the
//! restarts, Cassandra (through CQL) and the Parquet history (through `finstream sql`)
//! each hold exactly the million trades, every id once.

mod common;

use common::*;
use finstream_schemas::{Codec, Trade, catalog};
use finstream_storage::hot::{ScyllaConfig, ScyllaStore, Space};
use rand::{Rng, SeedableRng};
use rdkafka::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use std::time::{Duration, Instant};

const TRADES: usize = 1_000_000;

fn persist_env(prefix: &str, keyspace: &str, data: &std::path::Path) -> Vec<(String, String)> {
    let mut env = distributed_env(prefix, keyspace, data);
    env.extend([
        ("FINSTREAM__PERSIST__MAX_EVENTS".into(), "20000".into()),
        ("FINSTREAM__PERSIST__MAX_AGE_MS".into(), "500".into()),
    ]);
    env
}

fn sql_count(data: &std::path::Path, query: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(["sql", query, "--format", "csv", "--data-dir"])
        .arg(data)
        .output()
        .expect("finstream sql runs");
    assert!(
        out.status.success(),
        "sql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Kafka and Cassandra: make test"]
async fn persist_killed_at_random_keeps_every_trade_exactly_once() {
    let prefix = unique("crash");
    let keyspace = format!("crash_{}", std::process::id());
    let data = tempfile::tempdir().expect("tempdir");
    let envs = persist_env(&prefix, &keyspace, data.path());
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_finstream"))
        .args(["topics", "create"])
        .envs(envs.clone())
        .status()
        .expect("topics create");
    assert!(status.success());

    // A million trades, 200 symbols, on the trades topic, as an external producer would.
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", service("FINSTREAM_TEST_KAFKA"))
        .set("linger.ms", "20")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "500000")
        .create()
        .expect("producer");
    let codec = Codec::embedded();
    let topic = format!("{prefix}{}", catalog::TRADES);
    let t0 = test_epoch();
    let produce = {
        let (producer, topic) = (producer.clone(), topic.clone());
        tokio::spawn(async move {
            for chunk in (0..TRADES).collect::<Vec<_>>().chunks(20_000) {
                let sends: Vec<_> = chunk
                    .iter()
                    .map(|&i| {
                        let symbol = format!("S{:03}", i % 200);
                        let trade = Trade {
                            id: format!("crash-{i}"),
                            symbol: symbol.clone(),
                            price: 100.0 + (i % 1000) as f64 / 100.0,
                            size: 100.0,
                            event_time: t0 + i as i64 * 1_000_000,
                            trade_id: Some(i as i64),
                            exchange: None,
                            conditions: vec![],
                            tape: None,
                            source: "crash-test".into(),
                        };
                        let payload = encode(&codec, &trade);
                        let (producer, topic) = (producer.clone(), topic.clone());
                        async move {
                            producer
                                .send(
                                    FutureRecord::to(&topic).key(&symbol).payload(&payload),
                                    Duration::from_secs(30),
                                )
                                .await
                                .map(|_| ())
                                .map_err(|(e, _)| e.to_string())
                        }
                    })
                    .collect();
                for r in futures::future::join_all(sends).await {
                    r.expect("delivered");
                }
            }
        })
    };

    // Kill the processor at random moments while it works, then let it finish.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut kills = 0;
    let started = Instant::now();
    while kills < 6 {
        let mut p = Finstream::start(&["process", "persist"], &envs, false);
        tokio::time::sleep(Duration::from_millis(rng.random_range(1_500..6_000))).await;
        p.kill_hard();
        kills += 1;
    }
    produce.await.expect("producer task");
    let mut p = Finstream::start(&["process", "persist"], &envs, false);

    let deadline = Instant::now() + Duration::from_secs(600);
    let mut rows = String::new();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(3)).await;
        rows = sql_count(data.path(), "SELECT count(*) AS n FROM trades");
        if rows.ends_with(&TRADES.to_string()) {
            break;
        }
    }
    let status = p.terminate(Duration::from_secs(60));
    assert!(status.success(), "persist exited with {status}");
    eprintln!(
        "{kills} kills; {} s until the history held every trade",
        started.elapsed().as_secs()
    );

    // Parquet, by SQL: every trade, each once.
    let counted = sql_count(
        data.path(),
        "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM trades",
    );
    assert_eq!(
        counted,
        format!("n,ids\n{TRADES},{TRADES}"),
        "after {kills} kills (last count {rows})"
    );

    // Cassandra, by CQL: every trade, once (rows are keyed by the trade).
    let store = ScyllaStore::connect(ScyllaConfig {
        nodes: vec![service("FINSTREAM_TEST_CASSANDRA")],
        keyspace: keyspace.clone(),
        ..ScyllaConfig::default()
    })
    .await
    .expect("connect");
    assert_eq!(
        store.count(Space::Trades).await.expect("count"),
        TRADES as i64
    );
    assert_eq!(store.count(Space::LatestTrade).await.expect("count"), 200);
    store.drop_keyspace().await.expect("drop");
}
