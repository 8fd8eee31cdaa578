//! The highest or lowest value of the last `len` inputs and how many inputs ago it came,
//! in amortised O(1) per input (a monotonic deque: each value enters and leaves once).
//!
//! Ties go to the newest input, as in TA-Lib's AROON (its `>=`/`<=` scans); STOCH, the
//! Donchian channel and WILLR only read the value, which a tie does not change.
//!
//! A NaN is never an extreme in TA-Lib's scans, but whether one is ignored or returned
//! depends on where it falls relative to TA-Lib's cached extreme. Here it is explicit:
//! while a NaN is in the window the extreme is NaN, and once it leaves the window the
//! extreme is that of the remaining values.

use std::collections::VecDeque;

/// Which end of the window to track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Extreme {
    Highest,
    Lowest,
}

/// Rolling highest or lowest value over a fixed number of inputs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct RollingExtreme {
    extreme: Extreme,
    len: u64,
    /// Inputs seen since the last reset; the sequence number of the next input.
    seen: u64,
    /// (sequence number, value), values strictly decreasing (Highest) or increasing
    /// (Lowest) from the front, so the front is the extreme and the newest of its ties.
    candidates: VecDeque<(u64, f64)>,
    last_nan: Option<u64>,
}

impl RollingExtreme {
    /// `len` is at least 1.
    pub(crate) fn new(extreme: Extreme, len: usize) -> Self {
        let len = len.max(1);
        Self {
            extreme,
            len: len as u64,
            seen: 0,
            candidates: VecDeque::with_capacity(len),
            last_nan: None,
        }
    }

    /// Adds one input; amortised O(1).
    pub(crate) fn push(&mut self, x: f64) {
        let seq = self.seen;
        self.seen += 1;
        if x.is_nan() {
            self.last_nan = Some(seq);
        } else {
            let extreme = self.extreme;
            while let Some(&(_, back)) = self.candidates.back() {
                // `<=`/`>=` drops equal older values: the newest of a tie is the one kept.
                let dominated = match extreme {
                    Extreme::Highest => back <= x,
                    Extreme::Lowest => back >= x,
                };
                if !dominated {
                    break;
                }
                self.candidates.pop_back();
            }
            self.candidates.push_back((seq, x));
        }
        while let Some(&(front_seq, _)) = self.candidates.front() {
            if front_seq + self.len > seq {
                break;
            }
            self.candidates.pop_front();
        }
    }

    /// Whether the window holds `len` inputs.
    pub(crate) fn is_full(&self) -> bool {
        self.seen >= self.len
    }

    /// The extreme of the window and how many inputs ago it arrived (0 = the latest),
    /// or NaN (with age 0) while a NaN is in the window; None before any input.
    pub(crate) fn extreme(&self) -> Option<(f64, u64)> {
        let newest = self.seen.checked_sub(1)?;
        if self.last_nan.is_some_and(|n| n + self.len > newest) {
            return Some((f64::NAN, 0));
        }
        self.candidates
            .front()
            .map(|&(seq, value)| (value, newest - seq))
    }

    pub(crate) fn clear(&mut self) {
        self.seen = 0;
        self.candidates.clear();
        self.last_nan = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(extreme: Extreme, len: usize, xs: &[f64]) -> Vec<Option<(f64, u64)>> {
        let mut r = RollingExtreme::new(extreme, len);
        xs.iter()
            .map(|&x| {
                r.push(x);
                r.extreme()
            })
            .collect()
    }

    #[test]
    fn tracks_the_window_extreme_and_the_newest_of_ties() {
        let xs = [3.0, 5.0, 5.0, 1.0, 2.0, 2.0, 0.5];
        let highs = scan(Extreme::Highest, 3, &xs);
        assert_eq!(
            highs,
            vec![
                Some((3.0, 0)),
                Some((5.0, 0)),
                Some((5.0, 0)), // the tie goes to the newer 5
                Some((5.0, 1)),
                Some((5.0, 2)),
                Some((2.0, 0)),
                Some((2.0, 1)),
            ]
        );
        let lows = scan(Extreme::Lowest, 2, &xs);
        assert_eq!(lows[3], Some((1.0, 0)));
        assert_eq!(lows[5], Some((2.0, 0)));
        assert_eq!(lows[6], Some((0.5, 0)));
    }

    #[test]
    fn agrees_with_a_brute_force_scan() {
        let xs: Vec<f64> = (0..500).map(|i| ((i * 7919) % 37) as f64).collect();
        for len in [1, 2, 5, 36] {
            let mut r = RollingExtreme::new(Extreme::Lowest, len);
            for (i, &x) in xs.iter().enumerate() {
                r.push(x);
                let window = &xs[(i + 1).saturating_sub(len)..=i];
                let min = window.iter().copied().fold(f64::INFINITY, f64::min);
                let newest = window.iter().rposition(|&v| v == min).expect("non-empty");
                let age = (window.len() - 1 - newest) as u64;
                assert_eq!(r.extreme(), Some((min, age)), "len {len} at {i}");
            }
        }
    }

    #[test]
    fn nan_is_the_extreme_only_while_in_the_window() {
        let out = scan(Extreme::Highest, 2, &[1.0, f64::NAN, 0.5, 0.25]);
        assert_eq!(out[0], Some((1.0, 0)));
        assert!(out[1].is_some_and(|(v, _)| v.is_nan()));
        assert!(out[2].is_some_and(|(v, _)| v.is_nan()));
        assert_eq!(out[3], Some((0.5, 1)));

        let mut r = RollingExtreme::new(Extreme::Lowest, 2);
        assert_eq!(r.extreme(), None);
        r.push(1.0);
        assert!(!r.is_full());
        r.push(2.0);
        assert!(r.is_full());
        r.clear();
        assert_eq!(r.extreme(), None);
    }
}
