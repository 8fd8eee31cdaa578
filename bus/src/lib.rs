//! finstream's transport: how events move between roles.
//!
//! - [`Bus`] picks the backend: [`kafka`] (librdkafka through `rdkafka`) for clusters, or
//!   [`memory`], an in-process log with the same semantics (partitions by key hash,
//!   offsets, consumer groups, commits, replay) for `finstream run`.
//! - [`Producer`] and [`Consumer`] are the two handles every role uses; [`record`] holds
//!   what they carry.
//! - [`runner`] is the processor runner: decode, process, produce, commit after produce,
//!   dead letters, replay after a crash, graceful shutdown, metrics.
//! - [`schema_registry`] talks to a Confluent-compatible Schema Registry when configured.
//!
//! Start with `runner.rs`: it shows the guarantees the rest provides.

pub mod error;
pub mod kafka;
pub mod memory;
pub mod metrics;
pub mod partitioner;
pub mod record;
pub mod runner;
pub mod schema_registry;

pub use error::BusError;
pub use kafka::KafkaConfig;
pub use memory::MemoryLog;
pub use record::{CommitPosition, Delivery, OutRecord, Rebalance, Record, StartFrom};

use std::sync::Arc;
use std::time::Duration;

/// The event transport of a process.
#[derive(Debug, Clone)]
pub enum Bus {
    Memory(MemoryLog),
    Kafka(Arc<KafkaConfig>),
}

impl Bus {
    /// An in-process log keeping `retention` records per partition.
    pub fn memory(retention: usize) -> Self {
        Bus::Memory(MemoryLog::new(retention))
    }

    pub fn kafka(config: KafkaConfig) -> Self {
        Bus::Kafka(Arc::new(config))
    }

    pub fn producer(&self) -> Result<Producer, BusError> {
        Ok(match self {
            Bus::Memory(log) => Producer::Memory(log.clone()),
            Bus::Kafka(cfg) => Producer::Kafka(kafka::KafkaProducer::new(cfg)?),
        })
    }

    /// A member of consumer group `group` over the catalog topics `topics`.
    pub fn consumer(
        &self,
        group: &str,
        topics: &[&str],
        start: StartFrom,
    ) -> Result<Consumer, BusError> {
        let topics: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
        Ok(match self {
            Bus::Memory(log) => Consumer::Memory(log.consumer(group, &topics, start)?),
            Bus::Kafka(cfg) => {
                Consumer::Kafka(kafka::KafkaConsumer::new(cfg, group, &topics, start)?)
            }
        })
    }

    /// A reader of every partition of `topics`, outside any consumer group: for fan-out
    /// (each gateway reads everything) and tools. It starts at `start` (not a committed
    /// policy) on every partition, positioned before this returns, and never commits.
    pub async fn reader(&self, topics: &[&str], start: StartFrom) -> Result<Consumer, BusError> {
        let topics: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
        match self {
            Bus::Memory(log) => {
                let group = format!("finstream.reader.{}", log.next_reader_id());
                let mut c = log.consumer(&group, &topics, start)?;
                // Take the partitions (and their start positions) now, not at the first poll.
                c.poll_batch(0, Duration::ZERO).await?;
                Ok(Consumer::Memory(c))
            }
            Bus::Kafka(cfg) => {
                let cfg = Arc::clone(cfg);
                tokio::task::spawn_blocking(move || {
                    kafka::KafkaConsumer::new_reader(&cfg, &topics, start)
                })
                .await
                .map_err(|e| BusError::Kafka(e.to_string()))?
                .map(Consumer::Kafka)
            }
        }
    }

    /// [`reader`](Self::reader), retried every second until the bus answers (a broker
    /// still starting, topics not yet created); `None` if `shutdown` fires first. `who`
    /// names the reader in the warnings.
    pub async fn reader_when_ready(
        &self,
        topics: &[&str],
        start: StartFrom,
        who: &str,
        shutdown: &tokio_util::sync::CancellationToken,
    ) -> Option<Consumer> {
        loop {
            match self.reader(topics, start).await {
                Ok(c) => return Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "{who} cannot read its topics yet; retrying");
                    tokio::select! {
                        _ = shutdown.cancelled() => return None,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
    }

    /// Follows `topics` with a [`reader_when_ready`](Self::reader_when_ready) from
    /// `start`, handing each non-empty batch (at most `max` records) to `handle`, until
    /// `shutdown`; a failed poll is logged and retried. How a gateway keeps a per-process
    /// index (vectors, chat search) up to date with a topic.
    pub async fn follow<F, Fut>(
        &self,
        topics: &[&str],
        start: StartFrom,
        who: &str,
        max: usize,
        shutdown: &tokio_util::sync::CancellationToken,
        mut handle: F,
    ) where
        F: FnMut(Vec<Record>) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let Some(mut reader) = self.reader_when_ready(topics, start, who, shutdown).await else {
            return;
        };
        while !shutdown.is_cancelled() {
            let batch = tokio::select! {
                _ = shutdown.cancelled() => break,
                b = reader.poll_batch(max, Duration::from_millis(200)) => b,
            };
            match batch {
                Ok(b) if b.is_empty() => {}
                Ok(b) => handle(b).await,
                Err(e) => {
                    tracing::warn!(error = %e, "{who} failed to read {topics:?}; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    /// The record at one offset of one partition, if it is still there (on a compacted
    /// topic: still the newest of its key). How a processor finds the checkpoint its
    /// committed offset references.
    pub async fn read_at(
        &self,
        topic: &str,
        partition: i32,
        offset: i64,
    ) -> Result<Option<Record>, BusError> {
        match self {
            Bus::Memory(log) => log.read_at(topic, partition, offset),
            Bus::Kafka(cfg) => {
                let cfg = Arc::clone(cfg);
                let topic = topic.to_string();
                tokio::task::spawn_blocking(move || {
                    kafka::read_at(&cfg, &topic, partition, offset, Duration::from_secs(30))
                })
                .await
                .map_err(|e| BusError::Kafka(e.to_string()))?
            }
        }
    }

    /// Whether the transport answers (for readiness checks).
    pub async fn ping(&self) -> Result<(), BusError> {
        match self {
            Bus::Memory(_) => Ok(()),
            Bus::Kafka(cfg) => {
                let cfg = Arc::clone(cfg);
                tokio::task::spawn_blocking(move || kafka::ping(&cfg, Duration::from_secs(3)))
                    .await
                    .map_err(|e| BusError::Kafka(e.to_string()))?
                    .map(|_| ())
            }
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Bus::Memory(_) => "memory",
            Bus::Kafka(_) => "kafka",
        }
    }
}

/// Writes records to topics and reports where they landed once they are durable.
#[derive(Debug, Clone)]
pub enum Producer {
    Memory(MemoryLog),
    Kafka(kafka::KafkaProducer),
}

impl Producer {
    /// Sends every record; returns once all are acknowledged (or the first failure).
    pub async fn send_all(&self, records: Vec<OutRecord>) -> Result<Vec<Delivery>, BusError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Producer::Memory(log) => log.append(records),
            Producer::Kafka(p) => p.send_all(records).await,
        }
    }

    pub async fn send(&self, record: OutRecord) -> Result<Delivery, BusError> {
        let mut d = self.send_all(vec![record]).await?;
        d.pop()
            .ok_or_else(|| BusError::Kafka("no delivery report".into()))
    }

    pub fn flush(&self, timeout: Duration) -> Result<(), BusError> {
        match self {
            Producer::Memory(_) => Ok(()),
            Producer::Kafka(p) => p.flush(timeout),
        }
    }
}

/// Reads records as a member of a consumer group; commits only when told to.
#[derive(Debug)]
pub enum Consumer {
    Memory(memory::MemoryConsumer),
    Kafka(kafka::KafkaConsumer),
}

impl Consumer {
    pub async fn poll_batch(
        &mut self,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Record>, BusError> {
        match self {
            Consumer::Memory(c) => c.poll_batch(max, wait).await,
            Consumer::Kafka(c) => c.poll_batch(max, wait).await,
        }
    }

    pub async fn commit(&mut self, positions: &[CommitPosition]) -> Result<(), BusError> {
        if positions.is_empty() {
            return Ok(());
        }
        match self {
            Consumer::Memory(c) => c.commit(positions),
            Consumer::Kafka(c) => c.commit(positions).await,
        }
    }

    pub async fn committed(
        &self,
        topic: &str,
        partition: i32,
    ) -> Result<Option<(i64, String)>, BusError> {
        match self {
            Consumer::Memory(c) => Ok(c.committed(topic, partition)),
            Consumer::Kafka(c) => c.committed(topic, partition).await,
        }
    }

    /// Partition changes since the last call. New partitions are already positioned by
    /// the start policy when this reports them.
    pub fn take_rebalances(&mut self) -> Result<Vec<Rebalance>, BusError> {
        match self {
            Consumer::Memory(c) => Ok(c.take_rebalances()),
            Consumer::Kafka(c) => c.take_rebalances(),
        }
    }

    /// The first retained offset of one partition and the offset its next record will get.
    pub fn watermarks(&self, topic: &str, partition: i32) -> Result<(i64, i64), BusError> {
        match self {
            Consumer::Memory(c) => c.watermarks(topic, partition),
            Consumer::Kafka(c) => c.watermarks(topic, partition),
        }
    }

    pub fn seek(&mut self, topic: &str, partition: i32, offset: i64) -> Result<(), BusError> {
        match self {
            Consumer::Memory(c) => c.seek(topic, partition, offset),
            Consumer::Kafka(c) => c.seek_to(topic, partition, offset),
        }
    }

    /// Stops fetching without leaving the group (backpressure).
    pub fn pause(&mut self) -> Result<(), BusError> {
        match self {
            Consumer::Memory(c) => {
                c.pause();
                Ok(())
            }
            Consumer::Kafka(c) => c.pause(),
        }
    }

    pub fn resume(&mut self) -> Result<(), BusError> {
        match self {
            Consumer::Memory(c) => {
                c.resume();
                Ok(())
            }
            Consumer::Kafka(c) => c.resume(),
        }
    }

    /// Whether every assigned partition's read position is settled, so that anything
    /// produced from now on will be read.
    pub fn positioned(&self) -> Result<bool, BusError> {
        match self {
            Consumer::Memory(c) => Ok(!c.assignment().is_empty()),
            Consumer::Kafka(c) => c.positioned(),
        }
    }

    pub fn assignment(&self) -> Result<Vec<(String, i32)>, BusError> {
        match self {
            Consumer::Memory(c) => Ok(c.assignment()),
            Consumer::Kafka(c) => c.assignment(),
        }
    }
}
