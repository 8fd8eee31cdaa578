//! The last few candles a pattern looks at, in a fixed ring: O(1) push, no allocation.

use crate::indicators::Candle;

/// Stands in for candles not seen yet; patterns only read them once enough have arrived.
const UNSEEN: Candle = Candle {
    open: f64::NAN,
    high: f64::NAN,
    low: f64::NAN,
    close: f64::NAN,
    volume: f64::NAN,
};

/// The last `N` candles and how many candles have arrived in all.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct RecentCandles<const N: usize> {
    #[serde(with = "crate::checkpoint::array")]
    slots: [Candle; N],
    newest: usize,
    count: usize,
}

impl<const N: usize> RecentCandles<N> {
    pub(crate) fn new() -> Self {
        Self {
            slots: [UNSEEN; N],
            newest: 0,
            count: 0,
        }
    }

    pub(crate) fn push(&mut self, candle: Candle) {
        self.newest = (self.newest + 1) % N;
        self.slots[self.newest] = candle;
        self.count += 1;
    }

    /// The candle `bars` before the newest (0 is the newest); `bars` must be below `N`.
    pub(crate) fn ago(&self, bars: usize) -> &Candle {
        debug_assert!(
            bars < N,
            "RecentCandles<{N}> keeps no candle {bars} bars ago"
        );
        &self.slots[(self.newest + N - bars % N) % N]
    }

    /// How many candles have been pushed since creation.
    pub(crate) fn count(&self) -> usize {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(x: f64) -> Candle {
        Candle {
            open: x,
            high: x,
            low: x,
            close: x,
            volume: 0.0,
        }
    }

    #[test]
    fn keeps_the_last_n_newest_first() {
        let mut recent = RecentCandles::<3>::new();
        for x in 1..=5 {
            recent.push(bar(f64::from(x)));
        }
        assert_eq!(recent.count(), 5);
        let closes: Vec<f64> = (0..3).map(|k| recent.ago(k).close).collect();
        assert_eq!(closes, vec![5.0, 4.0, 3.0]);
    }

    #[test]
    fn unseen_candles_are_nan() {
        let mut recent = RecentCandles::<2>::new();
        recent.push(bar(1.0));
        assert_eq!(recent.ago(0).close, 1.0);
        assert!(recent.ago(1).close.is_nan());
    }
}
