//! The in-process log: Kafka's semantics in memory, for `finstream run`.
//!
//! Topics have the catalog's partition counts, records go to a partition by the key's
//! murmur2 hash (as Kafka's clients do), offsets grow per partition, consumer groups
//! share partitions among members and remember committed offsets (with metadata), and
//! any consumer can start from an offset or a time. Each partition keeps its newest
//! `retention` records; older ones are dropped and their offsets never reused. Compacted
//! topics (the catalog's checkpoints) keep only the newest record of each key, as Kafka's
//! log cleaner eventually does, here at once: older ones become holes that readers skip.

use crate::error::BusError;
use crate::partitioner::partition_for;
use crate::record::{CommitPosition, Delivery, OutRecord, Rebalance, Record, StartFrom};
use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
struct Stored {
    key: Option<Bytes>,
    payload: Bytes,
    timestamp_ms: i64,
    /// Removed by compaction: a newer record has the same key. Its offset stays taken.
    compacted: bool,
}

#[derive(Debug, Default)]
struct PartitionLog {
    /// Offset of `records[0]`.
    base: i64,
    records: VecDeque<Stored>,
    /// For compacted topics: the newest offset of each key.
    newest_by_key: HashMap<Bytes, i64>,
}

impl PartitionLog {
    fn end(&self) -> i64 {
        self.base + self.records.len() as i64
    }
}

#[derive(Debug)]
struct TopicLog {
    partitions: Vec<RwLock<PartitionLog>>,
    compacted: bool,
}

#[derive(Debug, Default)]
struct Group {
    generation: u64,
    /// Member id to its subscribed topics.
    members: BTreeMap<u64, Vec<String>>,
    committed: HashMap<(String, i32), (i64, String)>,
}

#[derive(Debug)]
struct Inner {
    topics: RwLock<HashMap<String, Arc<TopicLog>>>,
    groups: Mutex<HashMap<String, Group>>,
    appended: Notify,
    retention: usize,
    next_member: AtomicU64,
}

/// A shared in-process log. Clone it to share.
#[derive(Debug, Clone)]
pub struct MemoryLog {
    inner: Arc<Inner>,
}

impl MemoryLog {
    /// A log that keeps at most `retention` records per partition.
    pub fn new(retention: usize) -> Self {
        let log = Self {
            inner: Arc::new(Inner {
                topics: RwLock::new(HashMap::new()),
                groups: Mutex::new(HashMap::new()),
                appended: Notify::new(),
                retention: retention.max(1),
                next_member: AtomicU64::new(1),
            }),
        };
        for spec in finstream_schemas::CATALOG {
            log.create(spec.name, spec.partitions, spec.compacted);
        }
        log
    }

    /// Creates a topic if it does not exist yet.
    pub fn create_topic(&self, name: &str, partitions: i32) {
        self.create(name, partitions, false);
    }

    fn create(&self, name: &str, partitions: i32, compacted: bool) {
        let mut topics = self.inner.topics.write();
        topics.entry(name.to_string()).or_insert_with(|| {
            Arc::new(TopicLog {
                partitions: (0..partitions.max(1))
                    .map(|_| RwLock::new(PartitionLog::default()))
                    .collect(),
                compacted,
            })
        });
    }

    fn topic(&self, name: &str) -> Result<Arc<TopicLog>, BusError> {
        self.inner
            .topics
            .read()
            .get(name)
            .cloned()
            .ok_or_else(|| BusError::UnknownTopic(name.to_string()))
    }

    pub fn partitions(&self, topic: &str) -> Result<i32, BusError> {
        Ok(self.topic(topic)?.partitions.len() as i32)
    }

    /// Appends records; each lands on its key's partition.
    pub fn append(&self, records: Vec<OutRecord>) -> Result<Vec<Delivery>, BusError> {
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            let topic = self.topic(&r.topic)?;
            let n = topic.partitions.len() as i32;
            let partition = match &r.key {
                Some(k) => partition_for(k, n),
                None => 0,
            };
            let mut log = topic.partitions[partition as usize].write();
            let offset = log.end();
            if topic.compacted
                && let Some(key) = &r.key
                && let Some(older) = log.newest_by_key.insert(key.clone(), offset)
            {
                let base = log.base;
                if let Some(old) = usize::try_from(older - base)
                    .ok()
                    .and_then(|i| log.records.get_mut(i))
                {
                    old.payload = Bytes::new();
                    old.compacted = true;
                }
            }
            log.records.push_back(Stored {
                key: r.key,
                payload: r.payload,
                timestamp_ms: r.timestamp_ms,
                compacted: false,
            });
            while log.records.len() > self.inner.retention {
                if let Some(gone) = log.records.pop_front()
                    && !gone.compacted
                    && let Some(key) = gone.key
                {
                    let expired = log.base;
                    if log.newest_by_key.get(&key) == Some(&expired) {
                        log.newest_by_key.remove(&key);
                    }
                }
                log.base += 1;
            }
            out.push(Delivery { partition, offset });
        }
        self.inner.appended.notify_waiters();
        Ok(out)
    }

    /// The record at `offset`, if it is still retained (and, on a compacted topic, still the
    /// newest of its key).
    pub fn read_at(
        &self,
        topic: &str,
        partition: i32,
        offset: i64,
    ) -> Result<Option<Record>, BusError> {
        let t = self.topic(topic)?;
        let log = t
            .partitions
            .get(partition as usize)
            .ok_or_else(|| BusError::UnknownTopic(format!("{topic}[{partition}]")))?
            .read();
        let stored = usize::try_from(offset - log.base)
            .ok()
            .and_then(|i| log.records.get(i))
            .filter(|r| !r.compacted);
        Ok(stored.map(|r| Record {
            topic: topic.to_string(),
            partition,
            offset,
            key: r.key.clone(),
            payload: r.payload.clone(),
            timestamp_ms: r.timestamp_ms,
        }))
    }

    /// The first retained offset and the next offset to be written.
    pub fn watermarks(&self, topic: &str, partition: i32) -> Result<(i64, i64), BusError> {
        let t = self.topic(topic)?;
        let log = t
            .partitions
            .get(partition as usize)
            .ok_or_else(|| BusError::UnknownTopic(format!("{topic}[{partition}]")))?
            .read();
        Ok((log.base, log.end()))
    }

    fn offset_for_time(&self, topic: &str, partition: i32, ts: i64) -> Result<i64, BusError> {
        let t = self.topic(topic)?;
        let log = t.partitions[partition as usize].read();
        let idx = log
            .records
            .iter()
            .position(|r| r.timestamp_ms >= ts)
            .unwrap_or(log.records.len());
        Ok(log.base + idx as i64)
    }

    /// A fresh number for a group-less reader's private group.
    pub fn next_reader_id(&self) -> u64 {
        self.inner.next_member.fetch_add(1, Ordering::Relaxed)
    }

    /// A consumer in `group` over `topics`.
    pub fn consumer(
        &self,
        group: &str,
        topics: &[String],
        start: StartFrom,
    ) -> Result<MemoryConsumer, BusError> {
        for t in topics {
            self.topic(t)?;
        }
        let member = self.inner.next_member.fetch_add(1, Ordering::Relaxed);
        {
            let mut groups = self.inner.groups.lock();
            let g = groups.entry(group.to_string()).or_default();
            g.members.insert(member, topics.to_vec());
            g.generation += 1;
        }
        Ok(MemoryConsumer {
            log: self.clone(),
            group: group.to_string(),
            member,
            topics: topics.to_vec(),
            start,
            generation: 0,
            positions: BTreeMap::new(),
            paused: false,
            rebalances: Vec::new(),
        })
    }

    /// A group's committed position on a partition, with its metadata.
    pub fn committed(&self, group: &str, topic: &str, partition: i32) -> Option<(i64, String)> {
        self.inner
            .groups
            .lock()
            .get(group)
            .and_then(|g| g.committed.get(&(topic.to_string(), partition)).cloned())
    }
}

/// A member of a consumer group on the in-process log.
#[derive(Debug)]
pub struct MemoryConsumer {
    log: MemoryLog,
    group: String,
    member: u64,
    topics: Vec<String>,
    start: StartFrom,
    generation: u64,
    /// Next offset to read per assigned partition.
    positions: BTreeMap<(String, i32), i64>,
    paused: bool,
    rebalances: Vec<Rebalance>,
}

impl MemoryConsumer {
    /// Recomputes this member's share of partitions when the group changed.
    fn sync_group(&mut self) -> Result<(), BusError> {
        let (generation, members) = {
            let groups = self.log.inner.groups.lock();
            let g = groups
                .get(&self.group)
                .ok_or_else(|| BusError::Config("group vanished".into()))?;
            (g.generation, g.members.keys().copied().collect::<Vec<_>>())
        };
        if generation == self.generation {
            return Ok(());
        }
        self.generation = generation;
        let index = members.iter().position(|m| *m == self.member).unwrap_or(0);
        let mut all = Vec::new();
        for t in &self.topics {
            for p in 0..self.log.partitions(t)? {
                all.push((t.clone(), p));
            }
        }
        let mine: Vec<(String, i32)> = all
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % members.len().max(1) == index)
            .map(|(_, tp)| tp)
            .collect();
        let revoked: Vec<(String, i32)> = self
            .positions
            .keys()
            .filter(|tp| !mine.contains(tp))
            .cloned()
            .collect();
        for tp in &revoked {
            self.positions.remove(tp);
        }
        if !revoked.is_empty() {
            self.rebalances.push(Rebalance::Revoked(revoked));
        }
        let mut assigned = Vec::new();
        for (topic, partition) in mine {
            if self.positions.contains_key(&(topic.clone(), partition)) {
                continue;
            }
            let (low, high) = self.log.watermarks(&topic, partition)?;
            let committed = self
                .log
                .committed(&self.group, &topic, partition)
                .map(|(o, _)| o);
            let pos = match self.start {
                StartFrom::CommittedOrEarliest => committed.unwrap_or(low),
                StartFrom::CommittedOrLatest => committed.unwrap_or(high),
                StartFrom::Earliest => low,
                StartFrom::Latest => high,
                StartFrom::Offset(o) => o,
                StartFrom::Timestamp(ts) => self.log.offset_for_time(&topic, partition, ts)?,
            };
            self.positions
                .insert((topic.clone(), partition), pos.clamp(low, high));
            assigned.push((topic, partition));
        }
        if !assigned.is_empty() {
            self.rebalances.push(Rebalance::Assigned(assigned));
        }
        Ok(())
    }

    fn read_available(&mut self, max: usize) -> Result<Vec<Record>, BusError> {
        let mut out = Vec::new();
        if self.paused {
            return Ok(out);
        }
        let keys: Vec<(String, i32)> = self.positions.keys().cloned().collect();
        let per_partition = (max / keys.len().max(1)).max(1);
        for (topic, partition) in keys {
            if out.len() >= max {
                break;
            }
            let t = self.log.topic(&topic)?;
            let log = t.partitions[partition as usize].read();
            let pos = self
                .positions
                .get_mut(&(topic.clone(), partition))
                .ok_or_else(|| BusError::Config("lost position".into()))?;
            if *pos < log.base {
                tracing::warn!(topic = %topic, partition, from = *pos, to = log.base, "records expired before they were read; skipping ahead");
                *pos = log.base;
            }
            let take = per_partition.min(max - out.len());
            let start = (*pos - log.base) as usize;
            for (i, r) in log.records.iter().skip(start).take(take).enumerate() {
                if r.compacted {
                    continue;
                }
                out.push(Record {
                    topic: topic.clone(),
                    partition,
                    offset: *pos + i as i64,
                    key: r.key.clone(),
                    payload: r.payload.clone(),
                    timestamp_ms: r.timestamp_ms,
                });
            }
            // Holes left by compaction are passed over, not returned.
            *pos += log.records.len().saturating_sub(start).min(take) as i64;
        }
        Ok(out)
    }

    /// Up to `max` records, waiting at most `wait` for the first.
    pub async fn poll_batch(
        &mut self,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Record>, BusError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Register interest before reading, so an append between the read and the
            // wait still wakes us.
            let log = self.log.clone();
            let notified = log.inner.appended.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            self.sync_group()?;
            let batch = self.read_available(max)?;
            if !batch.is_empty() {
                return Ok(batch);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Ok(Vec::new());
            }
        }
    }

    /// Commits positions (synchronously: it is memory).
    pub fn commit(&mut self, positions: &[CommitPosition]) -> Result<(), BusError> {
        let mut groups = self.log.inner.groups.lock();
        let g = groups.entry(self.group.clone()).or_default();
        for p in positions {
            g.committed.insert(
                (p.topic.clone(), p.partition),
                (p.offset, p.metadata.clone()),
            );
        }
        Ok(())
    }

    /// The group's committed position on a partition, with its metadata.
    pub fn committed(&self, topic: &str, partition: i32) -> Option<(i64, String)> {
        self.log.committed(&self.group, topic, partition)
    }

    pub fn watermarks(&self, topic: &str, partition: i32) -> Result<(i64, i64), BusError> {
        self.log.watermarks(topic, partition)
    }

    pub fn seek(&mut self, topic: &str, partition: i32, offset: i64) -> Result<(), BusError> {
        let (low, high) = self.log.watermarks(topic, partition)?;
        match self.positions.get_mut(&(topic.to_string(), partition)) {
            Some(pos) => {
                *pos = offset.clamp(low, high);
                Ok(())
            }
            None => Err(BusError::Config(format!(
                "{topic}[{partition}] is not assigned to this consumer"
            ))),
        }
    }

    pub fn pause(&mut self) {
        self.paused = true;
    }

    pub fn resume(&mut self) {
        self.paused = false;
    }

    pub fn take_rebalances(&mut self) -> Vec<Rebalance> {
        std::mem::take(&mut self.rebalances)
    }

    pub fn assignment(&self) -> Vec<(String, i32)> {
        self.positions.keys().cloned().collect()
    }

    /// Records between this consumer's positions and the ends of its partitions.
    pub fn lag(&self) -> i64 {
        self.positions
            .iter()
            .map(|((t, p), pos)| {
                self.log
                    .watermarks(t, *p)
                    .map(|(_, high)| high - pos)
                    .unwrap_or(0)
            })
            .sum()
    }
}

impl Drop for MemoryConsumer {
    fn drop(&mut self) {
        let mut groups = self.log.inner.groups.lock();
        if let Some(g) = groups.get_mut(&self.group) {
            g.members.remove(&self.member);
            g.generation += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(topic: &str, key: &str, v: u8) -> OutRecord {
        OutRecord {
            topic: topic.into(),
            key: Some(Bytes::from(key.to_string())),
            payload: Bytes::from(vec![v]),
            timestamp_ms: i64::from(v),
        }
    }

    #[tokio::test]
    async fn keys_keep_their_partition_and_offsets_grow() {
        let log = MemoryLog::new(100);
        log.create_topic("t", 4);
        let d = log
            .append(vec![
                rec("t", "AAPL", 1),
                rec("t", "AAPL", 2),
                rec("t", "MSFT", 3),
            ])
            .expect("append");
        assert_eq!(d[0].partition, d[1].partition);
        assert_eq!(d[1].offset, d[0].offset + 1);
        assert_eq!(d[0].partition, partition_for(b"AAPL", 4));
    }

    #[tokio::test]
    async fn a_group_resumes_from_its_commit_and_replays_from_an_offset() {
        let log = MemoryLog::new(100);
        log.create_topic("t", 1);
        log.append((0..5).map(|i| rec("t", "k", i)).collect())
            .expect("append");
        let mut c = log
            .consumer("g", &["t".into()], StartFrom::CommittedOrEarliest)
            .expect("consumer");
        let batch = c
            .poll_batch(3, Duration::from_millis(10))
            .await
            .expect("poll");
        assert_eq!(
            batch.iter().map(|r| r.offset).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        c.commit(&[CommitPosition {
            topic: "t".into(),
            partition: 0,
            offset: 3,
            metadata: "m".into(),
        }])
        .expect("commit");
        drop(c);
        let mut c = log
            .consumer("g", &["t".into()], StartFrom::CommittedOrEarliest)
            .expect("consumer");
        assert_eq!(c.committed("t", 0), Some((3, "m".into())));
        let batch = c
            .poll_batch(10, Duration::from_millis(10))
            .await
            .expect("poll");
        assert_eq!(
            batch.iter().map(|r| r.offset).collect::<Vec<_>>(),
            vec![3, 4]
        );
        c.seek("t", 0, 1).expect("seek");
        let batch = c
            .poll_batch(10, Duration::from_millis(10))
            .await
            .expect("poll");
        assert_eq!(batch.first().map(|r| r.offset), Some(1));
        let mut other = log
            .consumer("other", &["t".into()], StartFrom::Timestamp(3))
            .expect("consumer");
        let batch = other
            .poll_batch(10, Duration::from_millis(10))
            .await
            .expect("poll");
        assert_eq!(batch.first().map(|r| r.offset), Some(3));
    }

    #[tokio::test]
    async fn members_of_a_group_split_partitions_and_take_over_on_leave() {
        let log = MemoryLog::new(100);
        log.create_topic("t", 4);
        let mut a = log
            .consumer("g", &["t".into()], StartFrom::Earliest)
            .expect("a");
        let mut b = log
            .consumer("g", &["t".into()], StartFrom::Earliest)
            .expect("b");
        a.poll_batch(1, Duration::from_millis(1))
            .await
            .expect("poll");
        b.poll_batch(1, Duration::from_millis(1))
            .await
            .expect("poll");
        assert_eq!(a.assignment().len() + b.assignment().len(), 4);
        assert!(a.assignment().iter().all(|tp| !b.assignment().contains(tp)));
        drop(b);
        a.poll_batch(1, Duration::from_millis(1))
            .await
            .expect("poll");
        assert_eq!(a.assignment().len(), 4);
    }

    #[tokio::test]
    async fn retention_drops_the_oldest_and_a_waiting_poll_wakes_on_append() {
        let log = MemoryLog::new(3);
        log.create_topic("t", 1);
        log.append((0..5).map(|i| rec("t", "k", i)).collect())
            .expect("append");
        assert_eq!(log.watermarks("t", 0).expect("wm"), (2, 5));
        let mut c = log
            .consumer("g", &["t".into()], StartFrom::Latest)
            .expect("c");
        let writer = log.clone();
        let handle = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            writer.append(vec![rec("t", "k", 9)]).expect("append");
        });
        let batch = c
            .poll_batch(10, Duration::from_secs(5))
            .await
            .expect("poll");
        assert_eq!(batch.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![5]);
        handle.await.expect("joined");
        assert!(
            log.consumer("g", &["nope".into()], StartFrom::Latest)
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_compacted_topic_keeps_the_newest_record_of_each_key() {
        let log = MemoryLog::new(100);
        log.create("c", 1, true);
        log.append(vec![
            rec("c", "slot0", 1),
            rec("c", "slot1", 2),
            rec("c", "slot0", 3),
        ])
        .expect("append");
        assert_eq!(log.read_at("c", 0, 0).expect("read"), None, "replaced");
        let one = log.read_at("c", 0, 1).expect("read").expect("kept");
        assert_eq!((one.offset, one.payload.as_ref()), (1, &[2u8][..]));
        assert_eq!(
            log.read_at("c", 0, 2).expect("read").map(|r| r.payload),
            Some(Bytes::from(vec![3]))
        );
        assert_eq!(
            log.read_at("c", 0, 3).expect("read"),
            None,
            "not written yet"
        );
        let mut reader = log
            .consumer("g", &["c".into()], StartFrom::Earliest)
            .expect("consumer");
        let batch = reader
            .poll_batch(10, Duration::from_millis(10))
            .await
            .expect("poll");
        assert_eq!(
            batch.iter().map(|r| r.offset).collect::<Vec<_>>(),
            vec![1, 2]
        );
        // A plain topic keeps every record.
        log.create_topic("t", 1);
        log.append(vec![rec("t", "k", 1), rec("t", "k", 2)])
            .expect("append");
        assert!(log.read_at("t", 0, 0).expect("read").is_some());
    }
}
