//! Throughput of the `indicators` processor (trades → bars + indicators) through the
//! whole runner: decode, process, encode, produce, commit. Prints trades per second.
//!
//!     cargo bench -p finstream-processors --bench throughput
//!     FINSTREAM_BENCH_KAFKA=127.0.0.1:9092 cargo bench -p finstream-processors --bench throughput
//!
//! The in-process run always happens; the Kafka run needs a broker (`make services-up`).
//! Trades are produced before the clock starts, so the figure is the processor's rate.

use finstream_bus::runner::{self, RunnerConfig};
use finstream_bus::{Bus, KafkaConfig, OutRecord, kafka};
use finstream_processors::indicators::{IndicatorsConfig, IndicatorsProcessor};
use finstream_schemas::{Codec, Trade, catalog};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const SYMBOLS: usize = 500;

fn trades(n: usize) -> Vec<Trade> {
    let t0 = 1_704_205_800_000_000_000i64;
    (0..n)
        .map(|i| {
            let s = i % SYMBOLS;
            Trade {
                id: format!("bench:{i}"),
                symbol: format!("S{s:04}"),
                price: 100.0 + (i % 97) as f64 / 10.0,
                size: 1.0 + (i % 13) as f64,
                // 20,000 trades per second of market time.
                event_time: t0 + i as i64 * 50_000,
                trade_id: Some(i as i64),
                exchange: None,
                conditions: vec![],
                tape: None,
                source: "bench".into(),
            }
        })
        .collect()
}

fn records(codec: &Codec, trades: &[Trade]) -> Vec<OutRecord> {
    trades
        .iter()
        .map(|t| OutRecord::event(codec, t).expect("encodes"))
        .collect()
}

/// Runs the processor until `total` input records are committed; returns the elapsed time.
async fn run_until_committed(bus: Bus, codec: Codec, total: u64) -> Duration {
    let shutdown = CancellationToken::new();
    let mut config = RunnerConfig::new("indicators", &[catalog::TRADES]);
    config.batch_size = 20_000;
    let processor = IndicatorsProcessor::new(&IndicatorsConfig::default()).expect("valid");
    let started = Instant::now();
    let handle = tokio::spawn(runner::run(
        bus,
        codec,
        None,
        config,
        processor,
        shutdown.clone(),
    ));
    // The runner reports its totals when stopped; poll its metrics-free stats by stopping
    // once the input is drained: the consumer lag is observed through a probe group.
    let last_print = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if handle.is_finished() {
            break;
        }
        if last_print.elapsed() > Duration::from_secs(60) {
            panic!("the processor did not finish {total} trades in a minute");
        }
        if DONE.load(std::sync::atomic::Ordering::SeqCst) >= total {
            break;
        }
    }
    let elapsed = started.elapsed();
    shutdown.cancel();
    let stats = handle.await.expect("joins").expect("runs");
    assert!(
        stats.records_in >= total,
        "processed {} of {total}",
        stats.records_in
    );
    elapsed
}

static DONE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn main() {
    let n: usize = std::env::var("FINSTREAM_BENCH_TRADES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let codec = Codec::embedded();
    let input = trades(n);
    let recs = records(&codec, &input);

    // Pure processing, no bus: the ceiling.
    {
        use finstream_analytics::bars::Timeframe;
        let _ = Timeframe::ONE_SECOND;
        let started = Instant::now();
        let mut decoded = 0u64;
        for r in &recs {
            let t: Trade = codec.decode(&r.payload).expect("decodes");
            decoded += t.size as u64;
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "decode only:            {:>10.0} trades/s ({n} trades, checksum {decoded})",
            n as f64 / secs
        );
    }

    rt.block_on(async {
        let bus = Bus::memory(n + 10);
        bus.producer()
            .expect("producer")
            .send_all(recs.clone())
            .await
            .expect("produce");
        let probe = watch_progress(bus.clone(), n as u64);
        let elapsed = run_until_committed(bus, codec.clone(), n as u64).await;
        probe.abort();
        println!(
            "in-process bus:         {:>10.0} trades/s ({n} trades in {:.2} s)",
            n as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64()
        );
    });

    if let Ok(brokers) = std::env::var("FINSTREAM_BENCH_KAFKA") {
        rt.block_on(async {
            let cfg = KafkaConfig {
                brokers,
                topic_prefix: format!("bench{}.", std::process::id()),
                ..KafkaConfig::default()
            };
            kafka::create_topics(&cfg, &finstream_schemas::CATALOG)
                .await
                .expect("topics");
            let bus = Bus::kafka(cfg);
            let started = Instant::now();
            let producer = bus.producer().expect("producer");
            for chunk in recs.chunks(50_000) {
                producer.send_all(chunk.to_vec()).await.expect("produce");
            }
            println!(
                "kafka produce:          {:>10.0} trades/s",
                n as f64 / started.elapsed().as_secs_f64()
            );
            // Reading alone, to tell the consumer's cost from the processor's.
            let mut reader = bus
                .reader(&[catalog::TRADES], finstream_bus::StartFrom::Earliest)
                .await
                .expect("reader");
            let started = Instant::now();
            let mut read = 0usize;
            let mut batches = 0usize;
            while read < n {
                batches += 1;
                let batch = reader
                    .poll_batch(20_000, Duration::from_secs(5))
                    .await
                    .expect("poll");
                if batch.is_empty() {
                    break;
                }
                read += batch.len();
            }
            println!(
                "kafka consume only:     {:>10.0} trades/s ({read} read in {batches} batches)",
                read as f64 / started.elapsed().as_secs_f64()
            );
            drop(reader);
            DONE.store(0, std::sync::atomic::Ordering::SeqCst);
            let probe = watch_progress(bus.clone(), n as u64);
            let elapsed = run_until_committed(bus, codec.clone(), n as u64).await;
            probe.abort();
            println!(
                "kafka (processor):      {:>10.0} trades/s ({n} trades in {:.2} s)",
                n as f64 / elapsed.as_secs_f64(),
                elapsed.as_secs_f64()
            );
        });
    }
}

fn kafka_progress(cfg: &KafkaConfig) -> u64 {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let consumer: BaseConsumer = match rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &cfg.brokers)
        .set("group.id", "finstream.indicators")
        .create()
    {
        Ok(c) => c,
        Err(_) => return 0,
    };
    let mut tpl = rdkafka::TopicPartitionList::new();
    for p in 0..catalog::MARKET_PARTITIONS {
        tpl.add_partition(&cfg.physical(catalog::TRADES), p);
    }
    consumer
        .committed_offsets(tpl, Duration::from_secs(5))
        .map(|got| {
            got.elements()
                .iter()
                .map(|e| {
                    e.metadata()
                        .rsplit('=')
                        .next()
                        .and_then(|s| s.parse::<u64>().ok())
                        .map_or(0, |m| m + 1)
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Follows the processor's committed progress through its group's commits.
fn watch_progress(bus: Bus, total: u64) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let done = match &bus {
                Bus::Memory(log) => (0..catalog::MARKET_PARTITIONS)
                    .filter_map(|p| log.committed("finstream.indicators", catalog::TRADES, p))
                    .map(|(_, meta)| {
                        meta.rsplit('=')
                            .next()
                            .and_then(|s| s.parse::<u64>().ok())
                            .map_or(0, |m| m + 1)
                    })
                    .sum(),
                Bus::Kafka(cfg) => {
                    // Read the group's commits without joining it (joining would take
                    // partitions away from the processor being measured).
                    let cfg = cfg.clone();
                    tokio::task::spawn_blocking(move || kafka_progress(&cfg))
                        .await
                        .unwrap_or(0)
                }
            };
            DONE.store(done, std::sync::atomic::Ordering::SeqCst);
            if done >= total {
                return;
            }
        }
    })
}
