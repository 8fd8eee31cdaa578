//! The `indicators` processor: trades in, bars and indicator updates out.
//!
//! Per partition it tracks a watermark (the newest trade's event time minus a small
//! out-of-order delay); a bar closes when the watermark passes its end, so bars follow
//! event time, not arrival. A late trade within the allowed lateness revises the latest
//! closed bar, which is published again with a higher revision, and its indicator values
//! are recomputed from the state before that bar. Each closed bar is published to
//! `market.bars.v1` and feeds the moving average, published to `analytics.indicators.v1`.
//! Ids derive from symbol, timeframe, bar start and revision, so a replay re-creates the
//! same events.

use finstream_analytics::bars::{BarAggregator, ClosedBar, Timeframe, TradeOutcome};
use finstream_analytics::indicators::average::Sma;
use finstream_bus::runner::{Emitter, Input, ProcessError, Processor};
use finstream_schemas::{Bar, Event, IndicatorUpdate, Trade, catalog};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Configuration of the `indicators` processor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IndicatorsConfig {
    /// Bar timeframes to build, e.g. `["1s", "1m"]`.
    pub timeframes: Vec<String>,
    /// Period of the simple moving average of closes, in bars.
    pub sma_period: usize,
    /// How far behind the newest trade of a partition the watermark runs, in
    /// milliseconds: trades out of order by less than this still land in an open bar.
    pub watermark_delay_ms: i64,
    /// How long after a bar closed a late trade still revises it (the bar is published
    /// again with a higher revision, Alpaca's updated bars), in milliseconds; capped per
    /// timeframe just below the bar length.
    pub allowed_lateness_ms: i64,
}

impl Default for IndicatorsConfig {
    fn default() -> Self {
        Self {
            timeframes: ["1s", "1m", "5m", "15m", "1h", "1d"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            sma_period: 20,
            watermark_delay_ms: 0,
            allowed_lateness_ms: 30_000,
        }
    }
}

#[derive(Debug)]
struct Series {
    bars: BarAggregator,
    sma: Sma,
    /// The average as it was before the latest closed bar, to recompute it on a revision.
    sma_before_last: Option<Sma>,
    /// First input offsets of the closed bars the moving average still holds.
    window_positions: VecDeque<i64>,
}

#[derive(Debug, Default)]
struct PartitionState {
    max_event_time: i64,
    /// Watermark at the last advance, in units of the smallest timeframe.
    advanced_to: i64,
    symbols: BTreeMap<String, Vec<Series>>,
}

/// Builds bars and indicators from trades.
#[derive(Debug)]
pub struct IndicatorsProcessor {
    timeframes: Vec<Timeframe>,
    sma_period: usize,
    delay: i64,
    lateness: i64,
    smallest: Timeframe,
    partitions: HashMap<i32, PartitionState>,
    late_trades: u64,
}

impl IndicatorsProcessor {
    pub fn new(config: &IndicatorsConfig) -> Result<Self, String> {
        let mut timeframes = config
            .timeframes
            .iter()
            .map(|s| Timeframe::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        timeframes.sort();
        timeframes.dedup();
        let smallest = *timeframes
            .first()
            .ok_or("indicators.timeframes must name at least one timeframe")?;
        if config.sma_period == 0 {
            return Err("indicators.sma_period must be at least 1".into());
        }
        if config.allowed_lateness_ms < 0 || config.watermark_delay_ms < 0 {
            return Err("indicators.allowed_lateness_ms and indicators.watermark_delay_ms must not be negative".into());
        }
        Ok(Self {
            timeframes,
            sma_period: config.sma_period,
            delay: config.watermark_delay_ms * 1_000_000,
            lateness: config.allowed_lateness_ms * 1_000_000,
            smallest,
            partitions: HashMap::new(),
            late_trades: 0,
        })
    }

    /// Trades that arrived after their bar had become final.
    pub fn late_trades(&self) -> u64 {
        self.late_trades
    }

    fn new_series(&self) -> Vec<Series> {
        self.timeframes
            .iter()
            .map(|&tf| Series {
                bars: BarAggregator::with_lateness(tf, self.lateness),
                sma: Sma::new(self.sma_period),
                sma_before_last: None,
                window_positions: VecDeque::new(),
            })
            .collect()
    }

    fn emit_bar(
        symbol: &str,
        tf: &str,
        bar: &ClosedBar,
        out: &mut Emitter,
    ) -> Result<(), ProcessError> {
        out.emit(&Bar {
            id: format!("{symbol}:{tf}:{}:r{}", bar.start, bar.revision),
            symbol: symbol.to_string(),
            timeframe: tf.to_string(),
            start_time: bar.start,
            end_time: bar.end,
            open: bar.open,
            high: bar.high,
            low: bar.low,
            close: bar.close,
            volume: bar.volume,
            trade_count: bar.trade_count,
            vwap: bar.vwap,
            revision: bar.revision,
            event_time: bar.last_time,
        })
    }

    fn emit_sma(
        symbol: &str,
        tf: &str,
        series: &Series,
        period: usize,
        bar: &ClosedBar,
        out: &mut Emitter,
    ) -> Result<(), ProcessError> {
        let Some(value) = series.sma.value() else {
            return Ok(());
        };
        let spec = format!("sma({period})");
        out.emit(&IndicatorUpdate {
            id: format!("{symbol}:{tf}:{spec}:{}:r{}", bar.start, bar.revision),
            symbol: symbol.to_string(),
            timeframe: tf.to_string(),
            indicator: spec,
            bar_start: bar.start,
            values: BTreeMap::from([("value".to_string(), value)]),
            bar_revision: bar.revision,
            event_time: bar.last_time,
        })
    }

    /// A bar closed for the first time.
    fn publish(
        symbol: &str,
        series: &mut Series,
        period: usize,
        bar: &ClosedBar,
        out: &mut Emitter,
    ) -> Result<(), ProcessError> {
        let tf = series.bars.timeframe().label();
        Self::emit_bar(symbol, &tf, bar, out)?;
        series.sma_before_last = Some(series.sma.clone());
        series.sma.update(bar.close);
        series.window_positions.push_back(bar.first_position);
        while series.window_positions.len() > period {
            // The average as it was before the latest bar (kept for revisions) needs the
            // period closes before it; the next average needs only the newest period-1.
            series.window_positions.pop_front();
        }
        Self::emit_sma(symbol, &tf, series, period, bar, out)
    }

    /// The latest closed bar was revised by a late trade.
    fn republish(
        symbol: &str,
        series: &mut Series,
        period: usize,
        bar: &ClosedBar,
        out: &mut Emitter,
    ) -> Result<(), ProcessError> {
        let tf = series.bars.timeframe().label();
        Self::emit_bar(symbol, &tf, bar, out)?;
        if let Some(before) = &series.sma_before_last {
            series.sma = before.clone();
            series.sma.update(bar.close);
            Self::emit_sma(symbol, &tf, series, period, bar, out)?;
        }
        Ok(())
    }

    fn on_trade(
        &mut self,
        partition: i32,
        offset: i64,
        trade: &Trade,
        out: &mut Emitter,
    ) -> Result<(), ProcessError> {
        if trade.symbol.is_empty() {
            return Err(ProcessError::Invalid("trade has an empty symbol".into()));
        }
        let fresh = self.new_series();
        let period = self.sma_period;
        let state = self.partitions.entry(partition).or_default();
        let series = state.symbols.entry(trade.symbol.clone()).or_insert(fresh);
        for s in series.iter_mut() {
            match s
                .bars
                .add(trade.price, trade.size, trade.event_time, offset)
            {
                TradeOutcome::Added => {}
                TradeOutcome::Revised(bar) => Self::republish(&trade.symbol, s, period, &bar, out)?,
                TradeOutcome::Late => self.late_trades += 1,
                TradeOutcome::Rejected => {
                    return Err(ProcessError::Invalid(format!(
                        "trade {} has price {} and size {}: price must be a positive number and size not negative",
                        trade.id, trade.price, trade.size
                    )));
                }
            }
        }
        state.max_event_time = state.max_event_time.max(trade.event_time);
        let watermark = state.max_event_time - self.delay;
        let step = self.smallest.bucket_start(watermark) / self.smallest.nanos();
        if step > state.advanced_to {
            state.advanced_to = step;
            for (symbol, series) in state.symbols.iter_mut() {
                for s in series.iter_mut() {
                    for bar in s.bars.advance(watermark) {
                        Self::publish(symbol, s, period, &bar, out)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Processor for IndicatorsProcessor {
    fn process(&mut self, input: Input<'_>, out: &mut Emitter) -> Result<(), ProcessError> {
        match &input.event {
            Event::Trade(t) => self.on_trade(input.partition, input.offset, t, out),
            other => Err(ProcessError::Invalid(format!(
                "the indicators processor reads {} only, got a {:?} event",
                catalog::TRADES,
                other.kind()
            ))),
        }
    }

    fn replay_from(&self, _topic: &str, partition: i32) -> Option<i64> {
        let state = self.partitions.get(&partition)?;
        state
            .symbols
            .values()
            .flatten()
            .flat_map(|s| {
                s.bars
                    .oldest_open_position()
                    .into_iter()
                    .chain(s.window_positions.front().copied())
            })
            .min()
    }

    fn on_revoked(&mut self, _topic: &str, partition: i32) {
        self.partitions.remove(&partition);
    }
}
