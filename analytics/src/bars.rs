//! OHLCV bars in event time.
//!
//! A trade belongs to the bucket `[floor(t / len) * len, +len)` of its own event time, not
//! of its arrival. A bucket closes when the watermark (supplied by the caller, typically
//! the newest event time seen on the partition minus the allowed lateness) reaches its
//! end. A trade for a bucket that has already closed is reported as late.

use std::collections::BTreeMap;

const SECOND: i64 = 1_000_000_000;

/// A bar length.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Timeframe {
    nanos: i64,
}

impl Timeframe {
    pub const ONE_SECOND: Timeframe = Timeframe { nanos: SECOND };
    pub const ONE_MINUTE: Timeframe = Timeframe { nanos: 60 * SECOND };

    /// Parses `1s`, `1m`, `5m`, `15m`, `1h`, `1d` (any positive count of s, m, h, d).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (n, unit) = s.split_at(split);
        let n: i64 = n
            .parse()
            .map_err(|_| format!("timeframe {s:?}: expected a count then s, m, h or d, like 5m"))?;
        let unit = match unit {
            "s" => SECOND,
            "m" => 60 * SECOND,
            "h" => 3600 * SECOND,
            "d" => 86_400 * SECOND,
            _ => return Err(format!("timeframe {s:?}: unit must be s, m, h or d")),
        };
        if n <= 0 {
            return Err(format!("timeframe {s:?}: count must be positive"));
        }
        Ok(Self { nanos: n * unit })
    }

    pub fn nanos(self) -> i64 {
        self.nanos
    }

    /// Start of the bucket holding `t`.
    pub fn bucket_start(self, t: i64) -> i64 {
        t.div_euclid(self.nanos) * self.nanos
    }

    /// The canonical label, e.g. `1s`, `5m`, `1h`, `1d`.
    pub fn label(self) -> String {
        for (unit, suffix) in [
            (86_400 * SECOND, "d"),
            (3600 * SECOND, "h"),
            (60 * SECOND, "m"),
        ] {
            if self.nanos % unit == 0 {
                return format!("{}{suffix}", self.nanos / unit);
            }
        }
        format!("{}s", self.nanos / SECOND)
    }
}

/// A bar while trades still come in.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OpenBar {
    pub start: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub trade_count: i64,
    /// Sum of price times size, for the VWAP.
    pub notional: f64,
    /// Event time of the first and last trade by event time.
    pub first_time: i64,
    pub last_time: i64,
    /// The caller's position of the first trade (e.g. the record offset), for replay.
    pub first_position: i64,
}

/// A closed bar.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClosedBar {
    pub start: i64,
    pub end: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub trade_count: i64,
    pub vwap: f64,
    /// Event time of the newest trade in the bar.
    pub last_time: i64,
    pub first_position: i64,
    /// 0 when first closed; 1, 2, ... for each revision by a late trade.
    pub revision: i32,
}

/// What happened to a trade.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum TradeOutcome {
    /// Added to a bar that is still open.
    Added,
    /// Arrived after its bar closed but within the allowed lateness: the bar is revised
    /// and should be published again (Alpaca's "updated bars").
    Revised(ClosedBar),
    /// Arrived after its bar became final.
    Late,
    /// Price or size was not a positive finite number.
    Rejected,
}

/// Builds the bars of one symbol at one timeframe.
///
/// A bucket closes when the watermark reaches its end; for `allowed_lateness` after that
/// the latest closed bar still takes late trades and reports each as a revision. The
/// lateness is kept below the bar length, so only the latest closed bar is ever revised
/// and no later bar has been published when it is.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BarAggregator {
    timeframe: Timeframe,
    lateness: i64,
    open: BTreeMap<i64, OpenBar>,
    /// The latest closed bar while late trades may still revise it, with its revision.
    revisable: Option<(OpenBar, i32)>,
    /// Every bucket starting before this has closed.
    closed_before: i64,
}

impl BarAggregator {
    /// An aggregator without revisions: trades after their bar closed are late.
    pub fn new(timeframe: Timeframe) -> Self {
        Self::with_lateness(timeframe, 0)
    }

    /// An aggregator that revises the latest closed bar for `allowed_lateness` nanoseconds
    /// after it closed (at most the bar length minus one nanosecond).
    pub fn with_lateness(timeframe: Timeframe, allowed_lateness: i64) -> Self {
        Self {
            timeframe,
            lateness: allowed_lateness.clamp(0, timeframe.nanos - 1),
            open: BTreeMap::new(),
            revisable: None,
            closed_before: i64::MIN,
        }
    }

    pub fn timeframe(&self) -> Timeframe {
        self.timeframe
    }

    /// Changes the allowed lateness (capped as by [`with_lateness`](Self::with_lateness)),
    /// e.g. when an aggregator restored from a checkpoint meets a new configuration.
    pub fn set_lateness(&mut self, allowed_lateness: i64) {
        self.lateness = allowed_lateness.clamp(0, self.timeframe.nanos - 1);
    }

    /// Adds a trade at event time `t`; `position` is remembered for replay.
    pub fn add(&mut self, price: f64, size: f64, t: i64, position: i64) -> TradeOutcome {
        if !(price.is_finite() && price > 0.0 && size.is_finite() && size >= 0.0) {
            return TradeOutcome::Rejected;
        }
        let start = self.timeframe.bucket_start(t);
        if start < self.closed_before {
            return match &mut self.revisable {
                Some((bar, revision)) if bar.start == start => {
                    bar.add(price, size, t, position);
                    *revision += 1;
                    TradeOutcome::Revised(bar.close(self.timeframe.nanos, *revision))
                }
                _ => TradeOutcome::Late,
            };
        }
        self.open
            .entry(start)
            .or_insert_with(|| OpenBar::new(start, price, t, position))
            .add(price, size, t, position);
        TradeOutcome::Added
    }

    /// Closes every bucket whose end is at or before `watermark`, oldest first, and
    /// finalises the revisable bar once the watermark passes its end plus the lateness.
    pub fn advance(&mut self, watermark: i64) -> Vec<ClosedBar> {
        let len = self.timeframe.nanos;
        let mut out = Vec::new();
        while let Some(entry) = self.open.first_entry() {
            if entry.key().saturating_add(len) > watermark {
                break;
            }
            let bar = entry.remove();
            out.push(bar.close(len, 0));
            self.revisable = Some((bar, 0));
        }
        if let Some((bar, _)) = &self.revisable
            && bar.start.saturating_add(len).saturating_add(self.lateness) <= watermark
        {
            self.revisable = None;
        }
        // A bucket [s, s+len) is closed once s + len <= watermark, so every bucket
        // starting before bucket_start(watermark) is closed, empty ones included.
        self.closed_before = self
            .closed_before
            .max(self.timeframe.bucket_start(watermark));
        out
    }

    /// Whether the latest closed bar can still be revised by a late trade.
    pub fn is_revisable(&self) -> bool {
        self.revisable.is_some()
    }

    /// The earliest caller position an open or still revisable bar depends on.
    pub fn oldest_open_position(&self) -> Option<i64> {
        self.open
            .values()
            .chain(self.revisable.as_ref().map(|(b, _)| b))
            .map(|b| b.first_position)
            .min()
    }

    pub fn open_bars(&self) -> impl Iterator<Item = &OpenBar> {
        self.open.values()
    }
}

impl OpenBar {
    fn new(start: i64, price: f64, t: i64, position: i64) -> Self {
        Self {
            start,
            open: price,
            high: price,
            low: price,
            close: price,
            volume: 0.0,
            trade_count: 0,
            notional: 0.0,
            first_time: t,
            last_time: t,
            first_position: position,
        }
    }

    fn add(&mut self, price: f64, size: f64, t: i64, position: i64) {
        if t < self.first_time {
            self.open = price;
            self.first_time = t;
        }
        if t >= self.last_time {
            self.close = price;
            self.last_time = t;
        }
        self.high = self.high.max(price);
        self.low = self.low.min(price);
        self.volume += size;
        self.notional += price * size;
        self.trade_count += 1;
        self.first_position = self.first_position.min(position);
    }

    fn close(&self, len: i64, revision: i32) -> ClosedBar {
        ClosedBar {
            start: self.start,
            end: self.start + len,
            open: self.open,
            high: self.high,
            low: self.low,
            close: self.close,
            volume: self.volume,
            trade_count: self.trade_count,
            vwap: if self.volume > 0.0 {
                self.notional / self.volume
            } else {
                self.close
            },
            last_time: self.last_time,
            first_position: self.first_position,
            revision,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = SECOND;

    #[test]
    fn timeframes_parse_and_label() {
        for (s, n) in [
            ("1s", S),
            ("1m", 60 * S),
            ("5m", 300 * S),
            ("15m", 900 * S),
            ("1h", 3600 * S),
            ("1d", 86_400 * S),
        ] {
            let tf = Timeframe::parse(s).expect("parses");
            assert_eq!(tf.nanos(), n);
            assert_eq!(tf.label(), s);
        }
        for bad in ["", "m", "0s", "-1m", "5x", "1.5m"] {
            assert!(Timeframe::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Timeframe::ONE_SECOND.bucket_start(-1), -S);
    }

    #[test]
    fn ohlcv_and_vwap_in_event_time_order_even_when_trades_arrive_out_of_order() {
        let mut agg = BarAggregator::new(Timeframe::ONE_SECOND);
        // Arrival order differs from event time order within the bucket.
        assert_eq!(agg.add(10.0, 100.0, 10 * S + 500, 1), TradeOutcome::Added);
        assert_eq!(agg.add(12.0, 50.0, 10 * S + 900, 2), TradeOutcome::Added);
        assert_eq!(agg.add(9.0, 50.0, 10 * S + 100, 3), TradeOutcome::Added);
        assert!(agg.advance(11 * S - 1).is_empty(), "bucket not over yet");
        let bars = agg.advance(11 * S);
        assert_eq!(bars.len(), 1);
        let b = &bars[0];
        assert_eq!((b.open, b.high, b.low, b.close), (9.0, 12.0, 9.0, 12.0));
        assert_eq!(
            (b.volume, b.trade_count, b.start, b.end),
            (200.0, 3, 10 * S, 11 * S)
        );
        assert!((b.vwap - (1000.0 + 600.0 + 450.0) / 200.0).abs() < 1e-12);
        assert_eq!(b.first_position, 1);
    }

    #[test]
    fn late_trades_after_close_are_reported_and_bad_ones_rejected() {
        let mut agg = BarAggregator::new(Timeframe::ONE_SECOND);
        agg.add(10.0, 1.0, 5 * S, 0);
        agg.advance(7 * S);
        assert_eq!(
            agg.add(10.0, 1.0, 6 * S + 3, 1),
            TradeOutcome::Late,
            "empty bucket 6s also closed"
        );
        assert_eq!(agg.add(10.0, 1.0, 7 * S, 2), TradeOutcome::Added);
        for (p, s) in [
            (0.0, 1.0),
            (-1.0, 1.0),
            (f64::NAN, 1.0),
            (1.0, -1.0),
            (f64::INFINITY, 1.0),
        ] {
            assert_eq!(agg.add(p, s, 8 * S, 3), TradeOutcome::Rejected);
        }
        assert_eq!(agg.oldest_open_position(), Some(2));
    }

    #[test]
    fn late_trades_within_the_lateness_revise_the_latest_bar() {
        let mut agg = BarAggregator::with_lateness(Timeframe::ONE_SECOND, 500_000_000);
        agg.add(10.0, 1.0, 5 * S + 100, 0);
        assert_eq!(agg.advance(6 * S).len(), 1);
        match agg.add(12.0, 2.0, 5 * S + 900, 1) {
            TradeOutcome::Revised(b) => {
                assert_eq!(
                    (b.revision, b.high, b.close, b.volume, b.trade_count),
                    (1, 12.0, 12.0, 3.0, 2)
                );
            }
            other => panic!("expected a revision, got {other:?}"),
        }
        match agg.add(9.0, 1.0, 5 * S + 50, 2) {
            TradeOutcome::Revised(b) => {
                assert_eq!((b.revision, b.open, b.low, b.close), (2, 9.0, 9.0, 12.0))
            }
            other => panic!("expected a revision, got {other:?}"),
        }
        assert_eq!(
            agg.oldest_open_position(),
            Some(0),
            "the revisable bar pins its replay point"
        );
        agg.advance(6 * S + 500_000_000);
        assert_eq!(
            agg.add(10.0, 1.0, 5 * S + 10, 3),
            TradeOutcome::Late,
            "final after the lateness"
        );
        assert_eq!(agg.oldest_open_position(), None);
    }

    #[test]
    fn lateness_is_kept_below_the_bar_length() {
        let mut agg = BarAggregator::with_lateness(Timeframe::ONE_SECOND, 10 * S);
        agg.add(10.0, 1.0, 5 * S, 0);
        agg.add(10.0, 1.0, 6 * S, 1);
        agg.advance(7 * S);
        assert_eq!(
            agg.add(11.0, 1.0, 5 * S + 1, 2),
            TradeOutcome::Late,
            "only the latest closed bar is revisable"
        );
        assert!(matches!(
            agg.add(11.0, 1.0, 6 * S + 1, 3),
            TradeOutcome::Revised(_)
        ));
    }

    #[test]
    fn several_buckets_close_in_order() {
        let mut agg = BarAggregator::new(Timeframe::ONE_SECOND);
        for i in 0..5 {
            agg.add(1.0 + i as f64, 1.0, i * S, i);
        }
        let bars = agg.advance(3 * S);
        assert_eq!(
            bars.iter().map(|b| b.start).collect::<Vec<_>>(),
            vec![0, S, 2 * S]
        );
        assert_eq!(agg.open_bars().count(), 2);
    }
}
