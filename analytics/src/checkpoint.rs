//! State that survives a restart: every stateful type here (bars, indicators, patterns,
//! the movement detector) derives serde's `Serialize` and `Deserialize`, so a processor
//! can save its state in a checkpoint and resume bit for bit. Values round-trip exactly
//! in any binary serde format (f64 as its bits, NaN and infinities included). This
//! module holds what serde lacks: arrays of a const-generic length.

/// `#[serde(with = "crate::checkpoint::array")]` for a `[T; N]` field: written as a
/// sequence, read back only if it has exactly N elements.
pub(crate) mod array {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize, const N: usize>(
        value: &[T; N],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_slice().serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>, const N: usize>(
        deserializer: D,
    ) -> Result<[T; N], D::Error> {
        let items = Vec::<T>::deserialize(deserializer)?;
        let found = items.len();
        items
            .try_into()
            .map_err(|_| D::Error::invalid_length(found, &format!("{N} elements").as_str()))
    }
}

#[cfg(test)]
mod tests {
    use crate::indicators::Candle;
    use crate::indicators::spec::{DynIndicator, NAMES, parse};
    use crate::movement::{MovementConfig, MovementDetector};
    use crate::patterns::{CandlePattern, PatternKind};
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// A walk with flat stretches, a gap and a NaN-free volume spike, so that every
    /// indicator and most patterns have something to say.
    fn candles(n: usize) -> Vec<Candle> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut price = 50.0;
        (0..n)
            .map(|i| {
                let open = if i == 150 { price * 1.03 } else { price };
                if !(200..220).contains(&i) {
                    price = open * (1.0 + (next() - 0.5) * 0.02);
                }
                Candle {
                    open,
                    high: open.max(price) * (1.0 + next() * 0.004),
                    low: open.min(price) * (1.0 - next() * 0.004),
                    close: price,
                    volume: if i == 260 {
                        90_000.0
                    } else {
                        1_000.0 + next() * 4_000.0
                    },
                }
            })
            .collect()
    }

    fn round_trip<T: Serialize + DeserializeOwned>(value: &T) -> T {
        let bytes = postcard::to_stdvec(value).expect("serializes");
        postcard::from_bytes(&bytes).expect("deserializes")
    }

    fn bits(values: Option<Vec<f64>>) -> Option<Vec<u64>> {
        values.map(|v| v.iter().map(|x| x.to_bits()).collect())
    }

    /// Saved at every point of a run and restored, every indicator goes on exactly as the
    /// uninterrupted one: the same bits, not merely close values.
    #[test]
    fn every_indicator_resumes_bit_for_bit_from_its_serialized_state() {
        let input = candles(400);
        for name in NAMES {
            let spec = parse(name).expect("parses");
            let mut live = DynIndicator::from_spec(&spec).expect("builds");
            for cut in [0, 1, 37, 151, 300] {
                let mut reference = DynIndicator::from_spec(&spec).expect("builds");
                for c in &input[..cut] {
                    reference.update(c, false);
                }
                let mut restored = round_trip(&reference);
                for (i, c) in input[cut..].iter().enumerate() {
                    let session = i % 97 == 0;
                    reference.update(c, session);
                    restored.update(c, session);
                    assert_eq!(
                        bits(restored.values()),
                        bits(reference.values()),
                        "{name} restored after {cut} bars differs {i} bars later"
                    );
                }
            }
            for c in &input {
                live.update(c, false);
            }
            assert!(live.values().is_some(), "{name} never became ready");
        }
    }

    #[test]
    fn every_pattern_and_the_movement_detector_resume_from_their_serialized_state() {
        let input = candles(400);
        for kind in PatternKind::ALL {
            let mut reference = kind.build();
            for c in &input[..123] {
                reference.update(c);
            }
            let mut restored = round_trip(&reference);
            assert_eq!(restored.kind(), kind);
            for c in &input[123..] {
                reference.update(c);
                restored.update(c);
                assert_eq!(restored.value(), reference.value(), "{kind}");
            }
        }
        let mut reference = MovementDetector::new(MovementConfig::default()).expect("valid");
        for c in &input[..140] {
            reference.update(c);
        }
        let mut restored = round_trip(&reference);
        let mut seen = 0;
        for c in &input[140..] {
            let events = reference.update(c);
            seen += events.len();
            assert_eq!(restored.update(c), events);
        }
        assert!(seen > 0, "the walk raised no movement event to compare");
    }

    #[test]
    fn a_fixed_array_of_the_wrong_length_is_refused() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct Three {
            #[serde(with = "super::array")]
            values: [u8; 3],
        }
        let good = Three { values: [1, 2, 3] };
        assert_eq!(round_trip(&good), good);
        let two = postcard::to_stdvec(&vec![1u8, 2]).expect("serializes");
        let err = postcard::from_bytes::<Three>(&two).expect_err("two is not three");
        assert!(!err.to_string().is_empty());
        // A truncated state never decodes into a detector either.
        let mut reference = PatternKind::Engulfing.build();
        for c in candles(20) {
            reference.update(&c);
        }
        let mut bytes = postcard::to_stdvec(&reference).expect("serializes");
        bytes.truncate(bytes.len() / 2);
        assert!(postcard::from_bytes::<crate::patterns::AnyPattern>(&bytes).is_err());
    }
}
