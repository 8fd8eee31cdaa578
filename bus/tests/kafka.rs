//! The Kafka transport against the real broker from `deploy/local` (`make test`): where
//! keys land, commits with metadata, starting from an offset or a time, pause and resume.

use bytes::Bytes;
use finstream_bus::{Bus, CommitPosition, KafkaConfig, OutRecord, StartFrom, kafka, partitioner};
use finstream_schemas::catalog;
use std::time::Duration;

fn config(prefix: &str) -> KafkaConfig {
    KafkaConfig {
        brokers: std::env::var("FINSTREAM_TEST_KAFKA")
            .expect("FINSTREAM_TEST_KAFKA is set by `make test`"),
        topic_prefix: prefix.to_string(),
        ..KafkaConfig::default()
    }
}

fn unique() -> String {
    format!(
        "bus{}x{}.",
        std::process::id(),
        finstream_schemas::now_nanos() % 1_000_000_000
    )
}

fn rec(key: &str, value: u32, timestamp_ms: i64) -> OutRecord {
    OutRecord {
        topic: catalog::TRADES.into(),
        key: Some(Bytes::from(key.to_string())),
        payload: Bytes::from(value.to_be_bytes().to_vec()),
        timestamp_ms,
    }
}

async fn poll_until(c: &mut finstream_bus::Consumer, n: usize) -> Vec<finstream_bus::Record> {
    // A deadline, not a tight budget: the first join of a group waits on the broker's group
    // coordinator, which can take many seconds on a freshly started, busy two-core machine.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut out = Vec::new();
    while std::time::Instant::now() < deadline {
        out.extend(
            c.poll_batch(100, Duration::from_millis(200))
                .await
                .expect("poll"),
        );
        c.take_rebalances().expect("rebalances");
        if out.len() >= n {
            break;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Kafka from deploy/local: run `make test`"]
async fn offsets_times_commits_and_pause_work_on_a_real_broker() {
    let cfg = config(&unique());
    kafka::create_topics(&cfg, &[*catalog::topic(catalog::TRADES).expect("catalog")])
        .await
        .expect("topics");
    let bus = Bus::kafka(cfg.clone());
    let producer = bus.producer().expect("producer");
    let base = 1_700_000_000_000;
    let records: Vec<OutRecord> = (0..10)
        .map(|i| rec("AAPL", i, base + i64::from(i) * 1000))
        .collect();
    let deliveries = producer.send_all(records).await.expect("acknowledged");
    // Keys land where Kafka's Java clients put them.
    let p = partitioner::partition_for(b"AAPL", catalog::MARKET_PARTITIONS);
    assert!(
        deliveries.iter().all(|d| d.partition == p),
        "{deliveries:?}"
    );
    let first = deliveries[0].offset;
    assert!(
        deliveries
            .windows(2)
            .all(|w| w[1].offset == w[0].offset + 1)
    );

    // A group reads everything, commits a position with metadata, and a new member of the
    // same group starts from it.
    let mut c = bus
        .consumer("g1", &[catalog::TRADES], StartFrom::CommittedOrEarliest)
        .expect("consumer");
    let got = poll_until(&mut c, 10).await;
    assert_eq!(got.len(), 10);
    assert_eq!(got[3].timestamp_ms, base + 3000);
    c.commit(&[CommitPosition {
        topic: catalog::TRADES.into(),
        partition: p,
        offset: first + 7,
        metadata: "finstream.processed=9".into(),
    }])
    .await
    .expect("commit");
    assert_eq!(
        c.committed(catalog::TRADES, p).await.expect("committed"),
        Some((first + 7, "finstream.processed=9".into()))
    );
    drop(c);
    let mut c = bus
        .consumer("g1", &[catalog::TRADES], StartFrom::CommittedOrEarliest)
        .expect("consumer");
    let got = poll_until(&mut c, 3).await;
    assert_eq!(
        got.iter().map(|r| r.offset).collect::<Vec<_>>(),
        vec![first + 7, first + 8, first + 9]
    );
    drop(c);

    // Start from a time, and from an offset.
    let mut c = bus
        .consumer("g2", &[catalog::TRADES], StartFrom::Timestamp(base + 5500))
        .expect("consumer");
    let got = poll_until(&mut c, 4).await;
    assert_eq!(got.first().map(|r| r.offset), Some(first + 6));
    drop(c);
    let mut c = bus
        .consumer("g3", &[catalog::TRADES], StartFrom::Offset(first + 8))
        .expect("consumer");
    let got = poll_until(&mut c, 2).await;
    assert_eq!(
        got.iter().map(|r| r.offset).collect::<Vec<_>>(),
        vec![first + 8, first + 9]
    );

    // Paused, the consumer stays in its group but reads nothing; resumed, it goes on.
    c.pause().expect("pause");
    producer
        .send_all(vec![rec("AAPL", 10, base + 10_000)])
        .await
        .expect("produce");
    assert!(
        c.poll_batch(100, Duration::from_secs(2))
            .await
            .expect("poll")
            .is_empty()
    );
    c.resume().expect("resume");
    let got = poll_until(&mut c, 1).await;
    assert_eq!(
        got.iter().map(|r| r.offset).collect::<Vec<_>>(),
        vec![first + 10]
    );
    assert!(bus.ping().await.is_ok());
}
