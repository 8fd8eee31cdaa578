//! Kafka transport over librdkafka (the `rdkafka` crate): an idempotent producer that
//! reports every delivery, consumers in groups that commit only what they are told to,
//! seek by offset or time, pause and resume, and the admin calls behind `finstream topics`.

use crate::error::BusError;
use crate::record::{CommitPosition, Delivery, OutRecord, Rebalance, Record, StartFrom};
use bytes::{Bytes, BytesMut};
use finstream_schemas::TopicSpec;
use parking_lot::Mutex;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::{ClientContext, util::Timeout};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// How to reach a Kafka cluster.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaConfig {
    /// Bootstrap servers, comma-separated `host:port`.
    pub brokers: String,
    /// Prefix put in front of every catalog topic name (e.g. `staging.`), for sharing a
    /// cluster between deployments or tests.
    pub topic_prefix: String,
    /// Client id reported to the brokers.
    pub client_id: String,
    /// Replication factor for `finstream topics create`.
    pub replication_factor: i32,
    /// URL of a Confluent-compatible Schema Registry; the embedded ids are used without one.
    pub schema_registry_url: Option<String>,
    /// Static group membership id for this process's consumers (e.g. the pod name): a
    /// restarted process takes its partitions back at once instead of waiting for the
    /// session of its previous incarnation to time out.
    pub group_instance_id: Option<String>,
    /// Extra librdkafka properties (e.g. `security.protocol`, `sasl.mechanism`), applied
    /// to every client. Values here are never logged.
    pub properties: BTreeMap<String, String>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            brokers: "127.0.0.1:9092".into(),
            topic_prefix: String::new(),
            client_id: "finstream".into(),
            replication_factor: 1,
            schema_registry_url: None,
            group_instance_id: None,
            properties: BTreeMap::new(),
        }
    }
}

impl KafkaConfig {
    fn client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers)
            .set("client.id", &self.client_id);
        for (k, v) in &self.properties {
            c.set(k, v);
        }
        c
    }

    pub fn physical(&self, topic: &str) -> String {
        format!("{}{}", self.topic_prefix, topic)
    }

    fn logical<'a>(&self, topic: &'a str) -> &'a str {
        topic
            .strip_prefix(self.topic_prefix.as_str())
            .unwrap_or(topic)
    }
}

/// An idempotent producer (acks=all, no duplicates from retries within a session).
#[derive(Clone)]
pub struct KafkaProducer {
    producer: FutureProducer,
    config: Arc<KafkaConfig>,
}

impl std::fmt::Debug for KafkaProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaProducer")
            .field("brokers", &self.config.brokers)
            .finish()
    }
}

/// Producer settings that `kafka.properties` may change (under either of librdkafka's
/// names): batching and compression trade latency against throughput, and that is the
/// deployment's choice.
const PRODUCING: [(&str, &str, &str); 3] = [
    ("linger.ms", "queue.buffering.max.ms", "5"),
    ("compression.type", "compression.codec", "lz4"),
    ("message.timeout.ms", "delivery.timeout.ms", "60000"),
];

/// librdkafka's other names for the settings the producer fixes: dropped from the
/// properties, so that the value in force is never a matter of which name is applied last.
const FIXED_ALIASES: [&str; 1] = ["request.required.acks"];

impl KafkaConfig {
    /// Sets a property unless `properties` already does, under either of librdkafka's
    /// names for it (those of [`PRODUCING`]): a default the deployment can still change.
    pub fn default_property(&mut self, key: &str, value: &str) {
        let alias = PRODUCING.iter().find(|p| p.0 == key).map(|p| p.1);
        if !self.properties.contains_key(key)
            && !alias.is_some_and(|a| self.properties.contains_key(a))
        {
            self.properties.insert(key.into(), value.into());
        }
    }
}

/// The producer's librdkafka settings: `kafka.properties`, [`PRODUCING`] where they say
/// nothing, and what they cannot change.
fn producer_config(config: &KafkaConfig) -> ClientConfig {
    let mut config = config.clone();
    for (key, _, value) in PRODUCING {
        config.default_property(key, value);
    }
    let mut client = config.client_config();
    for alias in FIXED_ALIASES {
        client.remove(alias);
    }
    // These are not the deployment's to change: exactly-once processing relies on
    // idempotent, fully acknowledged writes, and keyed records on the partitioner the Java
    // clients use.
    client
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("partitioner", "murmur2_random")
        // Processor checkpoints are single records of up to CHECKPOINT_MAX_BYTES (their
        // topic takes them); everything else stays far below librdkafka's 1 MB default.
        .set(
            "message.max.bytes",
            (finstream_schemas::catalog::CHECKPOINT_MAX_BYTES + 64 * 1024).to_string(),
        );
    client
}

impl KafkaProducer {
    pub fn new(config: &KafkaConfig) -> Result<Self, BusError> {
        let producer: FutureProducer = producer_config(config)
            .create()
            .map_err(|e| BusError::Config(e.to_string()))?;
        Ok(Self {
            producer,
            config: Arc::new(config.clone()),
        })
    }

    /// Sends every record and waits until the brokers acknowledged all of them.
    pub async fn send_all(&self, records: Vec<OutRecord>) -> Result<Vec<Delivery>, BusError> {
        let mut futures = Vec::with_capacity(records.len());
        for r in &records {
            let topic = self.config.physical(&r.topic);
            let mut record = FutureRecord::to(&topic)
                .payload(r.payload.as_ref())
                .timestamp(r.timestamp_ms);
            if let Some(k) = &r.key {
                record = record.key(k.as_ref());
            }
            loop {
                match self.producer.send_result(record) {
                    Ok(f) => {
                        futures.push(f);
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        // The local queue is full: wait for deliveries to drain it.
                        record = back;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err((e, _)) => return Err(e.into()),
                }
            }
        }
        let mut out = Vec::with_capacity(futures.len());
        for f in futures {
            match f.await {
                Ok(Ok(d)) => out.push(Delivery {
                    partition: d.partition,
                    offset: d.offset,
                }),
                Ok(Err((e, _))) => return Err(e.into()),
                Err(_) => {
                    return Err(BusError::Kafka(
                        "producer dropped the delivery report".into(),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Waits for everything in flight.
    pub fn flush(&self, timeout: Duration) -> Result<(), BusError> {
        self.producer
            .flush(Timeout::After(timeout))
            .map_err(BusError::from)
    }
}

/// The consumer's side of rebalances: positions newly assigned partitions by the start
/// policy (inside the callback, before any record of them is fetched), and collects the
/// changes for the consumer's owner to act on.
#[derive(Debug)]
pub struct RebalanceLog {
    events: Mutex<Vec<Rebalance>>,
    prefix: String,
    start: StartFrom,
    /// Next offset per partition this consumer has read up to, so that a partition that
    /// comes back after a rebalance continues where it was instead of starting over.
    next: Mutex<HashMap<(String, i32), i64>>,
}

impl RebalanceLog {
    fn logical<'a>(&self, topic: &'a str) -> &'a str {
        topic.strip_prefix(self.prefix.as_str()).unwrap_or(topic)
    }

    /// Where a freshly assigned partition starts, for policies that ignore commits.
    fn start_offset(
        &self,
        consumer: &BaseConsumer<Self>,
        topic: &str,
        partition: i32,
    ) -> Result<Option<Offset>, KafkaError> {
        if let Some(&next) = self
            .next
            .lock()
            .get(&(self.logical(topic).to_string(), partition))
        {
            return Ok(Some(Offset::Offset(next)));
        }
        Ok(match self.start {
            StartFrom::CommittedOrEarliest | StartFrom::CommittedOrLatest => None,
            StartFrom::Earliest => Some(Offset::Beginning),
            // Settled outside the callback (see `KafkaConsumer::take_rebalances`): reading
            // the high watermark from inside it stalls the consumer.
            StartFrom::Latest => None,
            StartFrom::Offset(o) => Some(Offset::Offset(o)),
            StartFrom::Timestamp(ts) => {
                let mut tpl = TopicPartitionList::new();
                tpl.add_partition_offset(topic, partition, Offset::Offset(ts))?;
                let found = consumer.offsets_for_times(tpl, Duration::from_secs(10))?;
                found.elements().first().map(|e| e.offset())
            }
        })
    }
}

impl ClientContext for RebalanceLog {}

impl ConsumerContext for RebalanceLog {
    fn post_rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        rebalance: &rdkafka::consumer::Rebalance<'_>,
    ) {
        let list = |tpl: &TopicPartitionList| {
            tpl.elements()
                .iter()
                .map(|e| (self.logical(e.topic()).to_string(), e.partition()))
                .collect::<Vec<_>>()
        };
        let event = match rebalance {
            rdkafka::consumer::Rebalance::Assign(tpl) => {
                let ignores_commits = matches!(
                    self.start,
                    StartFrom::Earliest | StartFrom::Offset(_) | StartFrom::Timestamp(_)
                );
                if ignores_commits || !self.next.lock().is_empty() {
                    let mut positioned = TopicPartitionList::new();
                    let mut changed = false;
                    for e in tpl.elements() {
                        let offset = match self.start_offset(consumer, e.topic(), e.partition()) {
                            Ok(Some(o)) => {
                                changed = true;
                                o
                            }
                            Ok(None) => e.offset(),
                            Err(err) => {
                                tracing::warn!(topic = e.topic(), partition = e.partition(), error = %err, "could not position a new partition; it starts at the reset policy");
                                e.offset()
                            }
                        };
                        if let Err(err) =
                            positioned.add_partition_offset(e.topic(), e.partition(), offset)
                        {
                            tracing::warn!(error = %err, "invalid start offset");
                        }
                    }
                    if changed && let Err(err) = consumer.assign(&positioned) {
                        tracing::warn!(error = %err, "re-assigning partitions at their start offsets failed");
                    }
                }
                Rebalance::Assigned(list(tpl))
            }
            rdkafka::consumer::Rebalance::Revoke(tpl) => Rebalance::Revoked(list(tpl)),
            rdkafka::consumer::Rebalance::Error(e) => {
                tracing::warn!(error = %e, "consumer group rebalance failed");
                return;
            }
        };
        self.events.lock().push(event);
    }
}

/// A consumer group member that never commits on its own.
pub struct KafkaConsumer {
    consumer: Arc<BaseConsumer<RebalanceLog>>,
    config: Arc<KafkaConfig>,
    start: StartFrom,
    paused: bool,
    /// Partitions whose start position is settled (for `StartFrom::Latest`, once they have
    /// been moved to the high watermark read after assignment).
    settled: std::collections::HashSet<(String, i32)>,
}

impl std::fmt::Debug for KafkaConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaConsumer")
            .field("brokers", &self.config.brokers)
            .finish()
    }
}

/// Fetch settings of every consumer; `kafka.properties` still overrides them.
///
/// - `fetch.queue.backoff.ms`: librdkafka stops fetching a partition once its local queue
///   holds `queued.min.messages`, then waits this long (1 s by default) before asking
///   again, so a consumer that drains its queue within that second idles for the rest of
///   it. Reading 1,000,000 trades over 6 partitions with the broker on the same 2 cores:
///   about 210,000 records/s with the default, 1.1 to 1.6 million with 10 ms.
/// - `max.partition.fetch.bytes`: fewer, larger fetches; each request costs the broker more
///   than its bytes.
const FETCHING: [(&str, &str); 3] = [
    ("fetch.wait.max.ms", "20"),
    ("fetch.queue.backoff.ms", "10"),
    ("max.partition.fetch.bytes", "4194304"),
];

fn tune_fetching(client: &mut ClientConfig) -> &mut ClientConfig {
    for (key, value) in FETCHING {
        if client.get(key).is_none() {
            client.set(key, value);
        }
    }
    client
}

fn own<M: Message>(config: &KafkaConfig, m: &M) -> Record {
    own_into(config, m, &mut BytesMut::new())
}

/// Payloads and keys of one batch are copied into shared chunks of this size, one
/// allocation per chunk instead of two per record.
const ARENA_CHUNK: usize = 256 * 1024;

/// `bytes` as a slice of the current chunk of `arena`.
fn copy_into(arena: &mut BytesMut, bytes: &[u8]) -> Bytes {
    if arena.capacity() - arena.len() < bytes.len() {
        *arena = BytesMut::with_capacity(ARENA_CHUNK.max(bytes.len()));
    }
    arena.extend_from_slice(bytes);
    arena.split().freeze()
}

fn own_into<M: Message>(config: &KafkaConfig, m: &M, arena: &mut BytesMut) -> Record {
    Record {
        topic: config.logical(m.topic()).to_string(),
        partition: m.partition(),
        offset: m.offset(),
        key: m.key().map(|k| copy_into(arena, k)),
        payload: m.payload().map(|p| copy_into(arena, p)).unwrap_or_default(),
        timestamp_ms: m.timestamp().to_millis().unwrap_or(0),
    }
}

impl KafkaConsumer {
    /// A consumer of every partition of `topics` by direct assignment (no group join, no
    /// coordinator, no rebalances), positioned by `start` before it returns. Blocking.
    pub fn new_reader(
        config: &KafkaConfig,
        topics: &[String],
        start: StartFrom,
    ) -> Result<Self, BusError> {
        let context = RebalanceLog {
            events: Mutex::new(Vec::new()),
            prefix: config.topic_prefix.clone(),
            start,
            next: Mutex::new(HashMap::new()),
        };
        let mut client = config.client_config();
        client
            .set(
                "group.id",
                format!("finstream.reader.{}", std::process::id()),
            )
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("isolation.level", "read_committed");
        let consumer: BaseConsumer<RebalanceLog> = tune_fetching(&mut client)
            .create_with_context(context)
            .map_err(|e| BusError::Config(e.to_string()))?;
        let timeout = Duration::from_secs(10);
        let mut tpl = TopicPartitionList::new();
        let mut settled = std::collections::HashSet::new();
        for topic in topics {
            let physical = config.physical(topic);
            let md = consumer.fetch_metadata(Some(&physical), timeout)?;
            let partitions: Vec<i32> = md
                .topics()
                .iter()
                .filter(|t| t.name() == physical && t.error().is_none())
                .flat_map(|t| t.partitions().iter().map(|p| p.id()))
                .collect();
            if partitions.is_empty() {
                return Err(BusError::UnknownTopic(physical));
            }
            for p in partitions {
                let offset = match start {
                    StartFrom::Earliest => Offset::Beginning,
                    StartFrom::Latest | StartFrom::CommittedOrLatest => {
                        Offset::Offset(consumer.fetch_watermarks(&physical, p, timeout)?.1)
                    }
                    StartFrom::CommittedOrEarliest => Offset::Beginning,
                    StartFrom::Offset(o) => Offset::Offset(o),
                    StartFrom::Timestamp(ts) => {
                        let mut one = TopicPartitionList::new();
                        one.add_partition_offset(&physical, p, Offset::Offset(ts))?;
                        consumer
                            .offsets_for_times(one, timeout)?
                            .elements()
                            .first()
                            .map(|e| e.offset())
                            .unwrap_or(Offset::End)
                    }
                };
                tpl.add_partition_offset(&physical, p, offset)?;
                settled.insert((topic.clone(), p));
            }
        }
        consumer.assign(&tpl)?;
        Ok(Self {
            consumer: Arc::new(consumer),
            config: Arc::new(config.clone()),
            start,
            paused: false,
            settled,
        })
    }

    pub fn new(
        config: &KafkaConfig,
        group: &str,
        topics: &[String],
        start: StartFrom,
    ) -> Result<Self, BusError> {
        let reset = match start {
            StartFrom::CommittedOrLatest | StartFrom::Latest => "latest",
            _ => "earliest",
        };
        let context = RebalanceLog {
            events: Mutex::new(Vec::new()),
            prefix: config.topic_prefix.clone(),
            start,
            next: Mutex::new(HashMap::new()),
        };
        let mut client = config.client_config();
        if let Some(id) = &config.group_instance_id {
            client.set("group.instance.id", id);
        }
        client
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", reset)
            .set("isolation.level", "read_committed")
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "1000")
            // Notice topics created after the subscription within seconds, not minutes.
            .set("topic.metadata.refresh.interval.ms", "5000");
        let consumer: BaseConsumer<RebalanceLog> = tune_fetching(&mut client)
            .create_with_context(context)
            .map_err(|e| BusError::Config(e.to_string()))?;
        let physical: Vec<String> = topics.iter().map(|t| config.physical(t)).collect();
        let refs: Vec<&str> = physical.iter().map(String::as_str).collect();
        consumer
            .subscribe(&refs)
            .map_err(|e| BusError::Config(e.to_string()))?;
        Ok(Self {
            consumer: Arc::new(consumer),
            config: Arc::new(config.clone()),
            start,
            paused: false,
            settled: std::collections::HashSet::new(),
        })
    }

    /// Up to `max` records, waiting at most `wait` for the first.
    /// Up to `max` records, waiting at most `wait` for the first. librdkafka's consumer
    /// queue is polled directly on a blocking thread: an async stream per message costs
    /// several times more.
    pub async fn poll_batch(
        &mut self,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Record>, BusError> {
        let consumer = Arc::clone(&self.consumer);
        let config = Arc::clone(&self.config);
        let out = tokio::task::spawn_blocking(move || -> Result<Vec<Record>, BusError> {
            let mut out = Vec::new();
            let mut arena = BytesMut::new();
            match consumer.poll(wait) {
                None => return Ok(out),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(m)) => {
                    out.reserve(max.min(4_096));
                    out.push(own_into(&config, &m, &mut arena));
                }
            }
            while out.len() < max {
                match consumer.poll(Duration::ZERO) {
                    Some(Ok(m)) => out.push(own_into(&config, &m, &mut arena)),
                    Some(Err(e)) => {
                        // Records already taken from the queue must not be dropped: hand
                        // them over and let the next poll report the error again.
                        tracing::warn!(error = %e, "consumer error after {} records; returning them first", out.len());
                        break;
                    }
                    None => break,
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| BusError::Kafka(format!("poll task failed: {e}")))??;
        // One position per partition, not per record.
        let mut newest: HashMap<(&str, i32), i64> = HashMap::new();
        for r in &out {
            let e = newest
                .entry((r.topic.as_str(), r.partition))
                .or_insert(r.offset);
            *e = (*e).max(r.offset);
        }
        let mut next = self.consumer.context().next.lock();
        for ((topic, partition), offset) in newest {
            next.insert((topic.to_string(), partition), offset + 1);
        }
        drop(next);
        Ok(out)
    }

    /// Commits positions and their metadata, waiting for the broker's answer.
    pub async fn commit(&mut self, positions: &[CommitPosition]) -> Result<(), BusError> {
        let mut tpl = TopicPartitionList::new();
        for p in positions {
            let mut e = tpl.add_partition(&self.config.physical(&p.topic), p.partition);
            e.set_offset(Offset::Offset(p.offset))?;
            e.set_metadata(p.metadata.as_str());
        }
        // A synchronous commit blocks; keep it off the async workers.
        let consumer = Arc::clone(&self.consumer);
        tokio::task::spawn_blocking(move || consumer.commit(&tpl, CommitMode::Sync))
            .await
            .map_err(|e| BusError::Kafka(format!("commit task failed: {e}")))?
            .map_err(BusError::from)
    }

    /// The group's committed position on a partition, with its metadata.
    pub async fn committed(
        &self,
        topic: &str,
        partition: i32,
    ) -> Result<Option<(i64, String)>, BusError> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition(&self.config.physical(topic), partition);
        let consumer = Arc::clone(&self.consumer);
        let got = tokio::task::spawn_blocking(move || {
            consumer.committed_offsets(tpl, Duration::from_secs(10))
        })
        .await
        .map_err(|e| BusError::Kafka(format!("committed-offsets task failed: {e}")))??;
        Ok(got.elements().first().and_then(|e| match e.offset() {
            Offset::Offset(o) => Some((o, e.metadata().to_string())),
            _ => None,
        }))
    }

    fn seek(&self, topic: &str, partition: i32, offset: Offset) -> Result<(), BusError> {
        let physical = self.config.physical(topic);
        // A seek right after assignment can race the fetcher's start; retry briefly.
        let mut last = None;
        for _ in 0..50 {
            match self
                .consumer
                .seek(&physical, partition, offset, Duration::from_secs(5))
            {
                Ok(()) => return Ok(()),
                Err(e) => {
                    last = Some(e);
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        Err(last
            .map(BusError::from)
            .unwrap_or(BusError::Timeout(Duration::from_secs(5), "seek")))
    }

    pub fn watermarks(&self, topic: &str, partition: i32) -> Result<(i64, i64), BusError> {
        Ok(self.consumer.fetch_watermarks(
            &self.config.physical(topic),
            partition,
            Duration::from_secs(10),
        )?)
    }

    pub fn seek_to(&self, topic: &str, partition: i32, offset: i64) -> Result<(), BusError> {
        self.seek(topic, partition, Offset::Offset(offset))
    }

    pub fn pause(&mut self) -> Result<(), BusError> {
        if !self.paused {
            let a = self.consumer.assignment()?;
            self.consumer.pause(&a)?;
            self.paused = true;
        }
        Ok(())
    }

    pub fn resume(&mut self) -> Result<(), BusError> {
        if self.paused {
            let a = self.consumer.assignment()?;
            self.consumer.resume(&a)?;
            self.paused = false;
        }
        Ok(())
    }

    /// Partition changes since the last call. With `StartFrom::Latest`, partitions seen for
    /// the first time are moved to their high watermark as of now, so that everything
    /// produced after this returns is read.
    pub fn take_rebalances(&mut self) -> Result<Vec<Rebalance>, BusError> {
        let events = std::mem::take(&mut *self.consumer.context().events.lock());
        for event in &events {
            if let Rebalance::Assigned(tps) = event {
                for (topic, partition) in tps {
                    let tp = (topic.clone(), *partition);
                    let resumed = self.consumer.context().next.lock().contains_key(&tp);
                    if self.start == StartFrom::Latest && !resumed && !self.settled.contains(&tp) {
                        let (_, high) = self.consumer.fetch_watermarks(
                            &self.config.physical(topic),
                            *partition,
                            Duration::from_secs(10),
                        )?;
                        self.seek(topic, *partition, Offset::Offset(high))?;
                    }
                    self.settled.insert(tp);
                }
            }
        }
        Ok(events)
    }

    /// Whether every assigned partition's start position is settled.
    pub fn positioned(&self) -> Result<bool, BusError> {
        let assigned = self.assignment()?;
        Ok(!assigned.is_empty() && assigned.iter().all(|tp| self.settled.contains(tp)))
    }

    pub fn assignment(&self) -> Result<Vec<(String, i32)>, BusError> {
        Ok(self
            .consumer
            .assignment()?
            .elements()
            .iter()
            .map(|e| (self.config.logical(e.topic()).to_string(), e.partition()))
            .collect())
    }
}

/// The outcome of creating one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicOutcome {
    Created,
    AlreadyExists,
}

/// One topic as the cluster describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDescription {
    pub name: String,
    pub partitions: i32,
    pub replicas: usize,
}

/// Creates the catalog's topics (idempotently).
pub async fn create_topics(
    config: &KafkaConfig,
    specs: &[TopicSpec],
) -> Result<Vec<(String, TopicOutcome)>, BusError> {
    let admin: AdminClient<DefaultClientContext> = config
        .client_config()
        .create()
        .map_err(|e| BusError::Config(e.to_string()))?;
    let names: Vec<String> = specs.iter().map(|s| config.physical(s.name)).collect();
    let retention: Vec<String> = specs
        .iter()
        .map(|s| s.retention_ms.unwrap_or(-1).to_string())
        .collect();
    let max_bytes: Vec<Option<String>> = specs
        .iter()
        .map(|s| s.max_record_bytes.map(|b| b.to_string()))
        .collect();
    let topics: Vec<NewTopic<'_>> = specs
        .iter()
        .zip(&names)
        .zip(retention.iter().zip(&max_bytes))
        .map(|((s, name), (ret, max))| {
            let mut topic = NewTopic::new(
                name,
                s.partitions,
                TopicReplication::Fixed(config.replication_factor),
            )
            .set("retention.ms", ret);
            if s.compacted {
                topic = topic.set("cleanup.policy", "compact");
            }
            if let Some(max) = max {
                topic = topic.set("max.message.bytes", max);
            }
            topic
        })
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let results = admin.create_topics(&topics, &opts).await?;
    let mut out = Vec::new();
    for r in results {
        match r {
            Ok(name) => out.push((name, TopicOutcome::Created)),
            Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => {
                out.push((name, TopicOutcome::AlreadyExists))
            }
            Err((name, code)) => return Err(BusError::Kafka(format!("creating {name}: {code}"))),
        }
    }
    // Return only once the cluster's metadata lists every topic with its partitions, so
    // that clients started right after see them.
    let wanted = specs.to_vec();
    let cfg = config.clone();
    tokio::task::spawn_blocking(move || {
        for _ in 0..100 {
            if describe_topics(&cfg, &wanted).is_ok_and(|found| {
                found.len() == wanted.len() && found.iter().all(|d| d.partitions > 0)
            }) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(BusError::Timeout(
            Duration::from_secs(10),
            "the new topics to appear in the cluster's metadata",
        ))
    })
    .await
    .map_err(|e| BusError::Kafka(e.to_string()))??;
    Ok(out)
}

/// The record at `offset` of one partition, read by a short-lived consumer assigned there
/// (no group), or None if the partition no longer holds it (expired, or compacted away).
/// Blocking.
pub fn read_at(
    config: &KafkaConfig,
    topic: &str,
    partition: i32,
    offset: i64,
    timeout: Duration,
) -> Result<Option<Record>, BusError> {
    let physical = config.physical(topic);
    let consumer: BaseConsumer = config
        .client_config()
        .set(
            "group.id",
            format!("finstream.read-at.{}", std::process::id()),
        )
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("isolation.level", "read_committed")
        // Checkpoints can be large single records.
        .set(
            "receive.message.max.bytes",
            (2 * finstream_schemas::catalog::CHECKPOINT_MAX_BYTES).to_string(),
        )
        .set(
            "fetch.max.bytes",
            (finstream_schemas::catalog::CHECKPOINT_MAX_BYTES + 1024 * 1024).to_string(),
        )
        .create()
        .map_err(|e| BusError::Config(e.to_string()))?;
    let (low, high) = consumer.fetch_watermarks(&physical, partition, timeout)?;
    if offset < low || offset >= high {
        return Ok(None);
    }
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(&physical, partition, Offset::Offset(offset))?;
    consumer.assign(&tpl)?;
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) if m.offset() == offset => return Ok(Some(own(config, &m))),
            // Compaction removed it: the partition goes on past the offset.
            Some(Ok(m)) if m.offset() > offset => return Ok(None),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => {}
        }
    }
    Err(BusError::Timeout(timeout, "a record at a given offset"))
}

/// Describes the catalog's topics as they exist on the cluster (missing ones are absent).
pub fn describe_topics(
    config: &KafkaConfig,
    specs: &[TopicSpec],
) -> Result<Vec<TopicDescription>, BusError> {
    let consumer: BaseConsumer = config
        .client_config()
        .create()
        .map_err(|e| BusError::Config(e.to_string()))?;
    let md = consumer.fetch_metadata(None, Duration::from_secs(10))?;
    let wanted: Vec<String> = specs.iter().map(|s| config.physical(s.name)).collect();
    Ok(md
        .topics()
        .iter()
        .filter(|t| wanted.iter().any(|w| w == t.name()) && t.error().is_none())
        .map(|t| TopicDescription {
            name: t.name().to_string(),
            partitions: t.partitions().len() as i32,
            replicas: t
                .partitions()
                .first()
                .map(|p| p.replicas().len())
                .unwrap_or(0),
        })
        .collect())
}

/// Checks that the cluster answers a metadata request.
pub fn ping(config: &KafkaConfig, timeout: Duration) -> Result<usize, BusError> {
    let consumer: BaseConsumer = config
        .client_config()
        .create()
        .map_err(|e| BusError::Config(e.to_string()))?;
    let md = consumer.fetch_metadata(None, timeout)?;
    Ok(md.brokers().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_tune_the_producer_but_not_its_guarantees() {
        let defaults = producer_config(&KafkaConfig::default());
        assert_eq!(defaults.get("linger.ms"), Some("5"));
        assert_eq!(defaults.get("compression.type"), Some("lz4"));

        let mut config = KafkaConfig::default();
        for (k, v) in [
            ("linger.ms", "0"),
            ("compression.codec", "zstd"),
            ("acks", "1"),
            ("request.required.acks", "1"),
        ] {
            config.properties.insert(k.into(), v.into());
        }
        let tuned = producer_config(&config);
        assert_eq!(tuned.get("linger.ms"), Some("0"));
        // Set under its other name: no default under the first one to compete with it.
        assert_eq!(tuned.get("compression.codec"), Some("zstd"));
        assert_eq!(tuned.get("compression.type"), None);
        assert_eq!(tuned.get("acks"), Some("all"), "acks=all is not negotiable");
        assert_eq!(tuned.get("request.required.acks"), None);
        assert_eq!(tuned.get("enable.idempotence"), Some("true"));
    }
}
