//! Key to partition, the same way Kafka's Java clients do (murmur2 of the key bytes,
//! positive, modulo the partition count), so that finstream, librdkafka with
//! `partitioner=murmur2_random`, and any Java producer put a symbol on one partition.

/// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), seed 0x9747b28c.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let len = data.len();
    let mut h: u32 = SEED ^ (len as u32);
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= u32::from(rest[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition of a key among `partitions`.
pub fn partition_for(key: &[u8], partitions: i32) -> i32 {
    (murmur2(key) & 0x7fff_ffff) % partitions.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_kafka_java_client_reference_values() {
        // Values from Kafka's UtilsTest.testMurmur2, confirmed against kafka-clients 4.3.1's
        // Utils.murmur2 run on this machine.
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (input, expected) in cases {
            assert_eq!(
                murmur2(input),
                expected,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn partitions_are_in_range_and_stable() {
        for key in ["AAPL", "MSFT", "", "a-very-long-symbol-name"] {
            let p = partition_for(key.as_bytes(), 6);
            assert!((0..6).contains(&p));
            assert_eq!(p, partition_for(key.as_bytes(), 6));
        }
        assert_eq!(partition_for(b"x", 0), 0);
        // Where the Java client puts these keys among 6 partitions (kafka-clients 4.3.1).
        assert_eq!(partition_for(b"AAPL", 6), 3);
        assert_eq!(partition_for(b"MSFT", 6), 0);
    }
}
