//! Throughput of the `indicators` processor (trades → bars + indicators + events) through
//! the whole runner: decode, process, encode, produce, commit. Criterion reports trades
//! per second (`thrpt`).
//!
//!     cargo bench -p finstream-processors --bench throughput
//!     FINSTREAM_BENCH_KAFKA=127.0.0.1:9092 cargo bench -p finstream-processors --bench throughput
//!
//! - `processor/in_process_bus`: a fresh in-process log per run, loaded before the clock
//!   starts;
//! - `processor/kafka` (with `FINSTREAM_BENCH_KAFKA`, a broker as from `deploy/local`):
//!   the trades are produced once to fresh topics; every run is a new consumer group that
//!   reads them from the start;
//! - diagnostics: `decode_only` (Avro decoding alone) and `kafka_consume_only` (our Kafka
//!   consumer alone, no processing), to tell where the time goes.
//!
//! A run's clock starts when the processor sees its first trade (so group joins and
//! topic metadata are not counted) and stops when the runner returns after producing and
//! committing the last batch. `FINSTREAM_BENCH_TRADES` changes the 1,000,000 trades per run.
//! The Kafka topics (prefix `bench<pid>.`) are deleted at the end.

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use finstream_bus::runner::{self, Emitter, Input, ProcessError, Processor, RunnerConfig};
use finstream_bus::{Bus, KafkaConfig, OutRecord, StartFrom, kafka};
use finstream_processors::indicators::{IndicatorsConfig, IndicatorsProcessor};
use finstream_schemas::{Codec, Trade, catalog};
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const SYMBOLS: usize = 500;

fn trades(n: usize) -> Vec<Trade> {
    // Event times from the current minute on: Kafka's time-based retention deletes records
    // stamped further back than the topic keeps (7 days for trades), mid-run.
    let minute = 60_000_000_000;
    let t0 = finstream_schemas::now_nanos() / minute * minute;
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

fn trade_count() -> usize {
    std::env::var("FINSTREAM_BENCH_TRADES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

/// The processor under test, timed: the clock starts at its first input, and once it has
/// seen `total` inputs it asks the runner to stop (which produces and commits that last
/// batch before returning).
struct Timed<P> {
    inner: P,
    seen: u64,
    total: u64,
    first: Arc<Mutex<Option<Instant>>>,
    stop: CancellationToken,
}

impl<P: Processor> Processor for Timed<P> {
    fn process(&mut self, input: Input<'_>, out: &mut Emitter) -> Result<(), ProcessError> {
        if self.seen == 0
            && let Ok(mut first) = self.first.lock()
        {
            *first = Some(Instant::now());
        }
        self.seen += 1;
        if self.seen == self.total {
            self.stop.cancel();
        }
        self.inner.process(input, out)
    }

    fn replay_from(&self, topic: &str, partition: i32) -> Option<i64> {
        self.inner.replay_from(topic, partition)
    }

    fn on_revoked(&mut self, topic: &str, partition: i32) {
        self.inner.on_revoked(topic, partition)
    }

    fn on_tick(&mut self, now_nanos: i64, out: &mut Emitter) -> Result<(), ProcessError> {
        self.inner.on_tick(now_nanos, out)
    }
}

/// One full run of the processor over `total` trades already on the bus, as group
/// `group`; returns the time from its first trade to its last commit.
async fn timed_run(bus: Bus, codec: Codec, group: String, total: u64) -> Duration {
    let stop = CancellationToken::new();
    let mut config = RunnerConfig::new("indicators", &[catalog::TRADES]);
    config.group = group;
    config.batch_size = 20_000;
    let first = Arc::new(Mutex::new(None));
    let processor = Timed {
        inner: IndicatorsProcessor::new(&IndicatorsConfig::default()).expect("valid"),
        seen: 0,
        total,
        first: Arc::clone(&first),
        stop: stop.clone(),
    };
    let guard = stop.clone();
    let watchdog = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(300)).await;
        guard.cancel();
    });
    let stats = runner::run(bus, codec, None, config, processor, stop)
        .await
        .expect("runs");
    let end = Instant::now();
    watchdog.abort();
    assert_eq!(
        stats.records_in, total,
        "the processor stopped before the end of its input"
    );
    let started = first.lock().ok().and_then(|f| *f).expect("saw a trade");
    end - started
}

fn throughput(c: &mut Criterion) {
    let n = trade_count();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let codec = Codec::embedded();
    let recs = records(&codec, &trades(n));

    let mut group = c.benchmark_group("processor");
    let decode_n = recs.len().min(100_000);
    group
        .throughput(Throughput::Elements(decode_n as u64))
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("decode_only", |b| {
        b.iter(|| {
            for r in &recs[..decode_n] {
                black_box(codec.decode::<Trade>(&r.payload).expect("decodes"));
            }
        })
    });

    group
        .throughput(Throughput::Elements(n as u64))
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(20));
    group.bench_function("in_process_bus", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let bus = Bus::memory(n + 10);
                    bus.producer()
                        .expect("producer")
                        .send_all(recs.clone())
                        .await
                        .expect("produce");
                    total += timed_run(bus, codec.clone(), "finstream.indicators".into(), n as u64)
                        .await;
                }
                total
            })
        })
    });

    if let Ok(brokers) = std::env::var("FINSTREAM_BENCH_KAFKA") {
        let cfg = KafkaConfig {
            brokers,
            topic_prefix: format!("bench{}.", std::process::id()),
            ..KafkaConfig::default()
        };
        let bus = Bus::kafka(cfg.clone());
        rt.block_on(async {
            kafka::create_topics(&cfg, &finstream_schemas::CATALOG)
                .await
                .expect("topics");
            let started = Instant::now();
            let producer = bus.producer().expect("producer");
            for chunk in recs.chunks(50_000) {
                producer.send_all(chunk.to_vec()).await.expect("produce");
            }
            println!(
                "kafka produce (once, setup): {:.0} trades/s",
                n as f64 / started.elapsed().as_secs_f64()
            );
        });

        group.measurement_time(Duration::from_secs(40));
        group.bench_function("kafka_consume_only", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let mut reader = bus
                            .reader(&[catalog::TRADES], StartFrom::Earliest)
                            .await
                            .expect("reader");
                        let mut read = 0usize;
                        let mut started = None;
                        while read < n {
                            let batch = reader
                                .poll_batch(20_000, Duration::from_secs(10))
                                .await
                                .expect("poll");
                            assert!(!batch.is_empty(), "only {read} of {n} trades came back");
                            started.get_or_insert_with(Instant::now);
                            read += batch.len();
                            black_box(&batch);
                        }
                        total += started.map_or(Duration::ZERO, |s| s.elapsed());
                    }
                    total
                })
            })
        });

        let mut run = 0u64;
        group.bench_function("kafka", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        run += 1;
                        let group = format!("finstream.bench.{}.{run}", std::process::id());
                        total += timed_run(bus.clone(), codec.clone(), group, n as u64).await;
                    }
                    total
                })
            })
        });
        rt.block_on(delete_topics(&cfg));
    }
    group.finish();
}

/// Deletes the bench's topics, so that runs do not pile up data on the broker.
async fn delete_topics(cfg: &KafkaConfig) {
    use rdkafka::admin::{AdminClient, AdminOptions};
    use rdkafka::client::DefaultClientContext;
    let Ok(admin) = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &cfg.brokers)
        .create::<AdminClient<DefaultClientContext>>()
    else {
        return;
    };
    let names: Vec<String> = finstream_schemas::CATALOG
        .iter()
        .map(|t| cfg.physical(t.name))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    if let Err(e) = admin.delete_topics(&refs, &AdminOptions::new()).await {
        eprintln!(
            "could not delete the bench topics {}*: {e}",
            cfg.topic_prefix
        );
    }
}

criterion_group!(benches, throughput);
criterion_main!(benches);
