//! The `indicators` processor: trades in, bars and indicator updates out.
//!
//! Per partition it tracks a watermark (the newest trade's event time minus the allowed
//! lateness); a bar closes when the watermark passes its end, so bars follow event time,
//! not arrival. Each closed bar is published to `market.bars.v1` and feeds the moving
//! average, published to `analytics.indicators.v1`. Ids derive from symbol, timeframe and
//! bar start, so a replay re-creates the same events.

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
    /// How long after a bar's end trades for it are still accepted, in milliseconds.
    pub allowed_lateness_ms: i64,
}

impl Default for IndicatorsConfig {
    fn default() -> Self {
        Self {
            timeframes: vec!["1s".into()],
            sma_period: 20,
            allowed_lateness_ms: 0,
        }
    }
}

#[derive(Debug)]
struct Series {
    bars: BarAggregator,
    sma: Sma,
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
        if config.allowed_lateness_ms < 0 {
            return Err("indicators.allowed_lateness_ms must not be negative".into());
        }
        Ok(Self {
            timeframes,
            sma_period: config.sma_period,
            lateness: config.allowed_lateness_ms * 1_000_000,
            smallest,
            partitions: HashMap::new(),
            late_trades: 0,
        })
    }

    /// Trades that arrived after their bar had closed.
    pub fn late_trades(&self) -> u64 {
        self.late_trades
    }

    fn new_series(&self) -> Vec<Series> {
        self.timeframes
            .iter()
            .map(|&tf| Series {
                bars: BarAggregator::new(tf),
                sma: Sma::new(self.sma_period),
                window_positions: VecDeque::new(),
            })
            .collect()
    }

    fn publish(
        symbol: &str,
        series: &mut Series,
        sma_period: usize,
        bar: ClosedBar,
        out: &mut Emitter,
    ) -> Result<(), ProcessError> {
        let tf = series.bars.timeframe().label();
        out.emit(&Bar {
            id: format!("{symbol}:{tf}:{}:r0", bar.start),
            symbol: symbol.to_string(),
            timeframe: tf.clone(),
            start_time: bar.start,
            end_time: bar.end,
            open: bar.open,
            high: bar.high,
            low: bar.low,
            close: bar.close,
            volume: bar.volume,
            trade_count: bar.trade_count,
            vwap: bar.vwap,
            revision: 0,
            event_time: bar.last_time,
        })?;
        series.sma.update(bar.close);
        series.window_positions.push_back(bar.first_position);
        while series.window_positions.len() >= sma_period {
            // The next average needs only the newest period-1 closes.
            series.window_positions.pop_front();
        }
        if let Some(value) = series.sma.value() {
            let spec = format!("sma({sma_period})");
            out.emit(&IndicatorUpdate {
                id: format!("{symbol}:{tf}:{spec}:{}:r0", bar.start),
                symbol: symbol.to_string(),
                timeframe: tf,
                indicator: spec,
                bar_start: bar.start,
                values: BTreeMap::from([("value".to_string(), value)]),
                bar_revision: 0,
                event_time: bar.last_time,
            })?;
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
        let state = self.partitions.entry(partition).or_default();
        let series = state.symbols.entry(trade.symbol.clone()).or_insert(fresh);
        for s in series.iter_mut() {
            match s
                .bars
                .add(trade.price, trade.size, trade.event_time, offset)
            {
                TradeOutcome::Added => {}
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
        let watermark = state.max_event_time - self.lateness;
        let step = self.smallest.bucket_start(watermark) / self.smallest.nanos();
        if step > state.advanced_to {
            state.advanced_to = step;
            for (symbol, series) in state.symbols.iter_mut() {
                for s in series.iter_mut() {
                    for bar in s.bars.advance(watermark) {
                        Self::publish(symbol, s, self.sma_period, bar, out)?;
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
