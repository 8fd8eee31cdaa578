//! The `indicators` processor: trades in; bars, indicator values and market events out.
//!
//! Per partition it tracks a watermark (the newest trade's event time minus a small
//! out-of-order delay); a bar closes when the watermark passes its end, so bars follow
//! event time, not arrival. Each closed bar of every timeframe is published to
//! `market.bars.v1`, feeds the configured indicators (one `analytics.indicators.v1` update
//! per indicator once it is ready), the candlestick patterns and the movement detector
//! (one `analytics.events.v1` record per pattern found and per gap, breakout, new high or
//! low, or volume spike).
//!
//! A late trade within the allowed lateness revises the latest closed bar: the bar is
//! published again with a higher revision, and its indicators, patterns and movements are
//! recomputed from the state before that bar and published with that revision; an event
//! the earlier revision showed and this one does not is published as retracted. Ids derive
//! from symbol, timeframe, name, bar start and revision, so a replay re-creates the same
//! events.
//!
//! EMAs, RSI, MACD and their kin remember every bar they saw, so no bounded replay could
//! rebuild them after a restart. The processor's state per input partition is therefore
//! checkpointed by the runner ([`Processor::snapshot`]); see `docs/architecture.md`.

use finstream_analytics::bars::{BarAggregator, ClosedBar, Timeframe, TradeOutcome};
use finstream_analytics::indicators::Candle;
use finstream_analytics::indicators::spec::{DynIndicator, parse};
use finstream_analytics::movement::{MovementConfig, MovementDetector, MovementEvent};
use finstream_analytics::patterns::{AnyPattern, CandlePattern, PatternKind};
use finstream_bus::runner::{Emitter, Input, ProcessError, Processor};
use finstream_schemas::{
    Bar, Event, IndicatorUpdate, MarketEvent, MarketEventCategory, MarketEventDirection, Trade,
    catalog,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

const DAY_NANOS: i64 = 86_400 * 1_000_000_000;

/// Configuration of the `indicators` processor (`[indicators]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IndicatorsConfig {
    /// Bar timeframes to build, e.g. `["1s", "1m"]` (a count and s, m, h or d).
    pub timeframes: Vec<String>,
    /// Indicators published for every bar of every timeframe, as TA-Lib specs: the
    /// lower-case name with parameters in TA-Lib's order, e.g. `sma(20)`, `ema(20)`,
    /// `rsi(14)`, `macd(12,26,9)`, `bbands(20,2)`, `stoch(5,3,3)`, `obv` (every name:
    /// `finstream analyze bars --help`). A multi-output indicator publishes its outputs
    /// together (`macd`, `signal`, `hist`).
    pub indicators: Vec<String>,
    /// Candlestick patterns looked for on every bar, by TA-Lib name (`cdlengulfing`,
    /// `cdlhammer`, ...), or `["all"]` for all 32; `[]` for none.
    pub patterns: Vec<String>,
    /// Gaps, breakouts, new highs and lows, and volume spikes.
    pub movement: MovementSettings,
    /// How far behind the newest trade of a partition the watermark runs, in
    /// milliseconds: trades out of order by less than this still land in an open bar.
    pub watermark_delay_ms: i64,
    /// How long after a bar closed a late trade still revises it (the bar is published
    /// again with a higher revision, Alpaca's updated bars), in milliseconds; capped per
    /// timeframe just below the bar length.
    pub allowed_lateness_ms: i64,
    /// Offset of the session's time zone from UTC in minutes (e.g. -300 for New York in
    /// winter): session indicators (VWAP) restart at the first bar of each local day.
    pub session_utc_offset_minutes: i64,
    /// How often the state of each input partition is checkpointed, in milliseconds; a
    /// restart replays at most about this much input. 0 checkpoints after every batch.
    pub checkpoint_interval_ms: u64,
}

/// `[indicators.movement]`: the movement events and their thresholds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MovementSettings {
    /// Publish movement events at all.
    pub enabled: bool,
    /// Bars each bar is compared with.
    pub lookback: usize,
    /// Smallest open-to-previous-close move that is a gap, as a fraction (0.005 = 0.5%).
    pub gap_threshold: f64,
    /// Smallest volume, as a multiple of the lookback's average, that is a spike.
    pub volume_spike_ratio: f64,
}

impl Default for MovementSettings {
    fn default() -> Self {
        let d = MovementConfig::default();
        Self {
            enabled: true,
            lookback: d.lookback,
            gap_threshold: d.gap_threshold,
            volume_spike_ratio: d.volume_spike_ratio,
        }
    }
}

impl MovementSettings {
    fn detector_config(&self) -> MovementConfig {
        MovementConfig {
            lookback: self.lookback,
            gap_threshold: self.gap_threshold,
            volume_spike_ratio: self.volume_spike_ratio,
        }
    }
}

/// The indicators most charts show, one or more per family.
pub const DEFAULT_INDICATORS: [&str; 10] = [
    "sma(20)",
    "ema(20)",
    "rsi(14)",
    "macd(12,26,9)",
    "bbands(20,2)",
    "atr(14)",
    "stoch(5,3,3)",
    "adx(14)",
    "obv",
    "vwap",
];

/// The candlestick patterns traders ask for most.
pub const DEFAULT_PATTERNS: [&str; 13] = [
    "cdldoji",
    "cdlhammer",
    "cdlinvertedhammer",
    "cdlhangingman",
    "cdlshootingstar",
    "cdlengulfing",
    "cdlharami",
    "cdlpiercing",
    "cdldarkcloudcover",
    "cdlmorningstar",
    "cdleveningstar",
    "cdl3whitesoldiers",
    "cdl3blackcrows",
];

impl Default for IndicatorsConfig {
    fn default() -> Self {
        Self {
            timeframes: ["1s", "1m", "5m", "15m", "1h", "1d"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            indicators: DEFAULT_INDICATORS.iter().map(|s| s.to_string()).collect(),
            patterns: DEFAULT_PATTERNS.iter().map(|s| s.to_string()).collect(),
            movement: MovementSettings::default(),
            watermark_delay_ms: 0,
            allowed_lateness_ms: 30_000,
            session_utc_offset_minutes: 0,
            checkpoint_interval_ms: 10_000,
        }
    }
}

/// Everything computed from one series' closed bars.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Analysis {
    /// One per configured indicator, in the order of the configuration.
    indicators: Vec<DynIndicator>,
    /// One per configured pattern, in the order of the configuration.
    patterns: Vec<AnyPattern>,
    movement: Option<MovementDetector>,
    /// Local day of the latest bar, for session indicators.
    session_day: Option<i64>,
}

/// An event published for a bar, remembered so that a revision can retract it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Published {
    name: String,
    category: MarketEventCategory,
    direction: MarketEventDirection,
    pattern_value: Option<i32>,
}

/// One symbol at one timeframe.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Series {
    bars: BarAggregator,
    analysis: Analysis,
    /// The analysis as it was before the latest closed bar, to recompute it when that bar
    /// is revised; dropped once the bar is final.
    before_last: Option<Analysis>,
    /// Events published for the latest closed bar's newest revision, while it is revisable.
    last_events: Vec<Published>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct PartitionState {
    max_event_time: i64,
    /// Watermark at the last advance, in units of the smallest timeframe.
    advanced_to: i64,
    /// Per symbol, one series per configured timeframe (in the processor's order).
    symbols: BTreeMap<String, Vec<Series>>,
}

/// What the state's vectors are indexed by: a checkpoint carries it, so that a restart
/// with another configuration keeps what still applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Layout {
    timeframes: Vec<String>,
    indicators: Vec<String>,
    patterns: Vec<String>,
    movement: Option<MovementConfig>,
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    layout: &'a Layout,
    state: &'a PartitionState,
}

#[derive(Deserialize)]
struct Snapshot {
    layout: Layout,
    state: PartitionState,
}

/// One configured indicator.
#[derive(Debug, Clone)]
struct IndicatorSlot {
    spec: String,
    template: DynIndicator,
    /// Output names: `value` for one output, else the indicator's field names.
    outputs: Vec<String>,
}

/// Builds bars, indicators and market events from trades.
#[derive(Debug)]
pub struct IndicatorsProcessor {
    timeframes: Vec<Timeframe>,
    labels: Vec<String>,
    indicators: Vec<IndicatorSlot>,
    patterns: Vec<PatternKind>,
    movement: Option<MovementConfig>,
    layout: Layout,
    delay: i64,
    lateness: i64,
    session_offset: i64,
    smallest: Timeframe,
    partitions: HashMap<i32, PartitionState>,
    late_trades: u64,
}

/// The state format this processor writes in checkpoints; change it with the layout.
pub const CHECKPOINT_FORMAT: &str = "indicators/1";

/// The most uncompressed state a checkpoint may claim (a corrupt size must not exhaust
/// memory).
const MAX_STATE_BYTES: u32 = 1 << 30;

impl IndicatorsProcessor {
    pub fn new(config: &IndicatorsConfig) -> Result<Self, String> {
        let mut timeframes = config
            .timeframes
            .iter()
            .map(|s| Timeframe::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("indicators.timeframes: {e}"))?;
        timeframes.sort();
        timeframes.dedup();
        let smallest = *timeframes
            .first()
            .ok_or("indicators.timeframes must name at least one timeframe")?;
        let mut indicators: Vec<IndicatorSlot> = Vec::new();
        for text in &config.indicators {
            let spec = parse(text).map_err(|e| format!("indicators.indicators: {e}"))?;
            let template = DynIndicator::from_spec(&spec)
                .map_err(|e| format!("indicators.indicators: {e}"))?;
            if indicators.iter().any(|s| s.spec == spec.text) {
                return Err(format!("indicators.indicators lists {} twice", spec.text));
            }
            let outputs = match template.outputs() {
                [_] => vec!["value".to_string()],
                many => many.iter().map(|s| s.to_string()).collect(),
            };
            indicators.push(IndicatorSlot {
                spec: spec.text,
                template,
                outputs,
            });
        }
        let mut patterns: Vec<PatternKind> = Vec::new();
        for name in &config.patterns {
            if name.eq_ignore_ascii_case("all") {
                patterns.extend(PatternKind::ALL);
            } else {
                patterns.push(
                    name.parse()
                        .map_err(|e| format!("indicators.patterns: {e}"))?,
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        patterns.retain(|k| seen.insert(*k));
        let movement = if config.movement.enabled {
            let c = config.movement.detector_config();
            MovementDetector::new(c).map_err(|e| format!("indicators.movement: {e}"))?;
            Some(c)
        } else {
            None
        };
        if config.allowed_lateness_ms < 0 || config.watermark_delay_ms < 0 {
            return Err("indicators.allowed_lateness_ms and indicators.watermark_delay_ms must not be negative".into());
        }
        if config.session_utc_offset_minutes.abs() > 24 * 60 {
            return Err(format!(
                "indicators.session_utc_offset_minutes must be within a day of UTC, got {}",
                config.session_utc_offset_minutes
            ));
        }
        let labels: Vec<String> = timeframes.iter().map(|t| t.label()).collect();
        let layout = Layout {
            timeframes: labels.clone(),
            indicators: indicators.iter().map(|s| s.spec.clone()).collect(),
            patterns: patterns.iter().map(|k| k.name().to_string()).collect(),
            movement,
        };
        Ok(Self {
            timeframes,
            labels,
            indicators,
            patterns,
            movement,
            layout,
            delay: config.watermark_delay_ms * 1_000_000,
            lateness: config.allowed_lateness_ms * 1_000_000,
            session_offset: config.session_utc_offset_minutes * 60 * 1_000_000_000,
            smallest,
            partitions: HashMap::new(),
            late_trades: 0,
        })
    }

    /// Trades that arrived after their bar had become final.
    pub fn late_trades(&self) -> u64 {
        self.late_trades
    }

    fn new_analysis(&self) -> Analysis {
        Analysis {
            indicators: self.indicators.iter().map(|s| s.template.clone()).collect(),
            patterns: self.patterns.iter().map(|k| k.build()).collect(),
            movement: self.movement.and_then(|c| MovementDetector::new(c).ok()),
            session_day: None,
        }
    }

    fn new_series(&self, tf: Timeframe) -> Series {
        Series {
            bars: BarAggregator::with_lateness(tf, self.lateness),
            analysis: self.new_analysis(),
            before_last: None,
            last_events: Vec::new(),
        }
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
        if !self
            .partitions
            .get(&partition)
            .is_some_and(|p| p.symbols.contains_key(&trade.symbol))
        {
            let fresh: Vec<Series> = self
                .timeframes
                .iter()
                .map(|&tf| self.new_series(tf))
                .collect();
            self.partitions
                .entry(partition)
                .or_default()
                .symbols
                .insert(trade.symbol.clone(), fresh);
        }
        let Some(state) = self.partitions.get_mut(&partition) else {
            return Ok(());
        };
        let Some(series) = state.symbols.get_mut(&trade.symbol) else {
            return Ok(());
        };
        let publisher = Publisher {
            labels: &self.labels,
            indicators: &self.indicators,
            session_offset: self.session_offset,
        };
        for (i, s) in series.iter_mut().enumerate() {
            match s
                .bars
                .add(trade.price, trade.size, trade.event_time, offset)
            {
                TradeOutcome::Added => {}
                TradeOutcome::Revised(bar) => publisher.revised(&trade.symbol, i, s, &bar, out)?,
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
                for (i, s) in series.iter_mut().enumerate() {
                    for bar in s.bars.advance(watermark) {
                        publisher.closed(symbol, i, s, &bar, out)?;
                    }
                    if !s.bars.is_revisable() {
                        // The latest bar is final: nothing will be recomputed from before it.
                        s.before_last = None;
                        s.last_events.clear();
                    }
                }
            }
        }
        Ok(())
    }

    /// Brings a checkpoint taken under another configuration into this one's layout:
    /// series, indicators and patterns that still exist keep their state, new ones start
    /// empty, removed ones are dropped.
    fn adopt(&self, layout: &Layout, mut state: PartitionState) -> PartitionState {
        for series in state.symbols.values_mut() {
            let mut old: Vec<Option<Series>> =
                std::mem::take(series).into_iter().map(Some).collect();
            for (tf, label) in self.timeframes.iter().zip(&self.labels) {
                let kept = layout
                    .timeframes
                    .iter()
                    .position(|l| l == label)
                    .and_then(|i| old.get_mut(i).and_then(Option::take));
                series.push(match kept {
                    Some(mut s) => {
                        s.bars.set_lateness(self.lateness);
                        s.analysis = self.adopt_analysis(layout, s.analysis);
                        s.before_last = s.before_last.map(|a| self.adopt_analysis(layout, a));
                        s
                    }
                    None => self.new_series(*tf),
                });
            }
        }
        state
    }

    fn adopt_analysis(&self, layout: &Layout, old: Analysis) -> Analysis {
        let mut fresh = self.new_analysis();
        let mut indicators: Vec<Option<DynIndicator>> =
            old.indicators.into_iter().map(Some).collect();
        for (slot, new) in self.indicators.iter().zip(fresh.indicators.iter_mut()) {
            if let Some(kept) = layout
                .indicators
                .iter()
                .position(|s| *s == slot.spec)
                .and_then(|i| indicators.get_mut(i).and_then(Option::take))
            {
                *new = kept;
            }
        }
        let mut patterns: Vec<Option<AnyPattern>> = old.patterns.into_iter().map(Some).collect();
        for (kind, new) in self.patterns.iter().zip(fresh.patterns.iter_mut()) {
            if let Some(kept) = layout
                .patterns
                .iter()
                .position(|s| s == kind.name())
                .and_then(|i| patterns.get_mut(i).and_then(Option::take))
            {
                *new = kept;
            }
        }
        if layout.movement == self.movement {
            fresh.movement = old.movement;
        }
        fresh.session_day = old.session_day;
        fresh
    }
}

/// What publishing a bar needs from the processor, borrowed apart from the state.
struct Publisher<'a> {
    labels: &'a [String],
    indicators: &'a [IndicatorSlot],
    session_offset: i64,
}

impl Publisher<'_> {
    /// A bar closed for the first time.
    fn closed(
        &self,
        symbol: &str,
        tf: usize,
        series: &mut Series,
        bar: &ClosedBar,
        out: &mut Emitter,
    ) -> Result<(), ProcessError> {
        series.before_last = Some(series.analysis.clone());
        self.publish(symbol, tf, series, bar, out)
    }

    /// The latest closed bar was revised by a late trade: recompute from the state before it.
    fn revised(
        &self,
        symbol: &str,
        tf: usize,
        series: &mut Series,
        bar: &ClosedBar,
        out: &mut Emitter,
    ) -> Result<(), ProcessError> {
        match &series.before_last {
            Some(before) => {
                series.analysis = before.clone();
                self.publish(symbol, tf, series, bar, out)
            }
            // Nothing to recompute from (cannot happen: a revisable bar was published).
            None => emit_bar(symbol, &self.labels[tf], bar, out),
        }
    }

    fn publish(
        &self,
        symbol: &str,
        tf: usize,
        series: &mut Series,
        bar: &ClosedBar,
        out: &mut Emitter,
    ) -> Result<(), ProcessError> {
        let label = &self.labels[tf];
        emit_bar(symbol, label, bar, out)?;
        let candle = Candle {
            open: bar.open,
            high: bar.high,
            low: bar.low,
            close: bar.close,
            volume: bar.volume,
        };
        let analysis = &mut series.analysis;
        let day = (bar.start + self.session_offset).div_euclid(DAY_NANOS);
        let new_session = analysis.session_day != Some(day);
        analysis.session_day = Some(day);
        for (slot, indicator) in self.indicators.iter().zip(analysis.indicators.iter_mut()) {
            indicator.update(&candle, new_session);
            let Some(values) = indicator.values() else {
                continue;
            };
            if out.is_replaying() {
                continue;
            }
            out.emit(&IndicatorUpdate {
                id: format!(
                    "{symbol}:{label}:{}:{}:r{}",
                    slot.spec, bar.start, bar.revision
                ),
                symbol: symbol.to_string(),
                timeframe: label.clone(),
                indicator: slot.spec.clone(),
                bar_start: bar.start,
                values: slot.outputs.iter().cloned().zip(values).collect(),
                bar_revision: bar.revision,
                event_time: bar.last_time,
            })?;
        }

        let mut found: Vec<(Published, BTreeMap<String, f64>)> = Vec::new();
        for pattern in analysis.patterns.iter_mut() {
            pattern.update(&candle);
            if let Some(value) = pattern.value().filter(|v| *v != 0) {
                found.push((
                    Published {
                        name: pattern.kind().name().to_string(),
                        category: MarketEventCategory::Pattern,
                        direction: if value > 0 {
                            MarketEventDirection::Bullish
                        } else {
                            MarketEventDirection::Bearish
                        },
                        pattern_value: Some(value),
                    },
                    BTreeMap::new(),
                ));
            }
        }
        if let Some(detector) = analysis.movement.as_mut() {
            for event in detector.update(&candle) {
                let (direction, values) = movement_values(&event);
                found.push((
                    Published {
                        name: event.name().to_string(),
                        category: MarketEventCategory::Movement,
                        direction,
                        pattern_value: None,
                    },
                    values,
                ));
            }
        }
        let retracted: Vec<Published> = if bar.revision > 0 {
            series
                .last_events
                .iter()
                .filter(|old| !found.iter().any(|(new, _)| new.name == old.name))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        if !out.is_replaying() {
            let record =
                |p: &Published, values: BTreeMap<String, f64>, retracted: bool| MarketEvent {
                    id: format!(
                        "{symbol}:{label}:{}:{}:r{}",
                        p.name, bar.start, bar.revision
                    ),
                    symbol: symbol.to_string(),
                    timeframe: label.clone(),
                    bar_start: bar.start,
                    category: p.category,
                    name: p.name.clone(),
                    direction: p.direction,
                    pattern_value: p.pattern_value,
                    values,
                    bar_revision: bar.revision,
                    retracted,
                    event_time: bar.last_time,
                };
            for (p, values) in &found {
                out.emit(&record(p, values.clone(), false))?;
            }
            for p in &retracted {
                out.emit(&record(p, BTreeMap::new(), true))?;
            }
        }
        series.last_events = found.into_iter().map(|(p, _)| p).collect();
        Ok(())
    }
}

fn emit_bar(
    symbol: &str,
    tf: &str,
    bar: &ClosedBar,
    out: &mut Emitter,
) -> Result<(), ProcessError> {
    if out.is_replaying() {
        return Ok(());
    }
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

/// A movement's direction and numbers, named as `analytics.events.v1` documents them.
fn movement_values(event: &MovementEvent) -> (MarketEventDirection, BTreeMap<String, f64>) {
    use MarketEventDirection::{Bearish, Bullish, Neutral};
    let named = |pairs: &[(&str, f64)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<BTreeMap<_, _>>()
    };
    match *event {
        MovementEvent::GapUp {
            previous_close,
            open,
            fraction,
        } => (
            Bullish,
            named(&[
                ("previous_close", previous_close),
                ("open", open),
                ("fraction", fraction),
            ]),
        ),
        MovementEvent::GapDown {
            previous_close,
            open,
            fraction,
        } => (
            Bearish,
            named(&[
                ("previous_close", previous_close),
                ("open", open),
                ("fraction", fraction),
            ]),
        ),
        MovementEvent::BreakoutUp { level, close } => {
            (Bullish, named(&[("level", level), ("close", close)]))
        }
        MovementEvent::BreakoutDown { level, close } => {
            (Bearish, named(&[("level", level), ("close", close)]))
        }
        MovementEvent::NewHigh {
            previous_high,
            high,
        } => (
            Bullish,
            named(&[("previous_high", previous_high), ("high", high)]),
        ),
        MovementEvent::NewLow { previous_low, low } => (
            Bearish,
            named(&[("previous_low", previous_low), ("low", low)]),
        ),
        MovementEvent::VolumeSpike {
            average,
            volume,
            ratio,
        } => (
            Neutral,
            named(&[("average", average), ("volume", volume), ("ratio", ratio)]),
        ),
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

    fn on_revoked(&mut self, _topic: &str, partition: i32) {
        self.partitions.remove(&partition);
    }

    fn checkpoint_format(&self) -> Option<&str> {
        Some(CHECKPOINT_FORMAT)
    }

    /// postcard (f64 as their bits), then LZ4 with the size in front: the many copies of
    /// recent candles in pattern detectors compress about 8 to 1.
    fn snapshot(&self, _topic: &str, partition: i32) -> Result<Vec<u8>, ProcessError> {
        let empty = PartitionState::default();
        let state = self.partitions.get(&partition).unwrap_or(&empty);
        let raw = postcard::to_stdvec(&SnapshotRef {
            layout: &self.layout,
            state,
        })
        .map_err(|e| {
            ProcessError::Failed(format!(
                "serializing the state of partition {partition}: {e}"
            ))
        })?;
        Ok(lz4_flex::compress_prepend_size(&raw))
    }

    fn restore(&mut self, _topic: &str, partition: i32, bytes: &[u8]) -> Result<(), ProcessError> {
        let corrupt = |what: String| {
            ProcessError::Failed(format!("the checkpoint of partition {partition} {what}"))
        };
        let size = bytes
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| corrupt("is truncated".into()))?;
        if size > MAX_STATE_BYTES {
            return Err(corrupt(format!("claims {size} bytes of state")));
        }
        let raw = lz4_flex::decompress_size_prepended(bytes)
            .map_err(|e| corrupt(format!("does not decompress: {e}")))?;
        let snapshot: Snapshot =
            postcard::from_bytes(&raw).map_err(|e| corrupt(format!("does not decode: {e}")))?;
        let state = if snapshot.layout == self.layout {
            snapshot.state
        } else {
            tracing::warn!(partition, saved = ?snapshot.layout, now = ?self.layout, "the checkpoint was taken under another indicators configuration; keeping what still applies");
            self.adopt(&snapshot.layout, snapshot.state)
        };
        self.partitions.insert(partition, state);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_errors_name_the_key() {
        let bad = |c: IndicatorsConfig| IndicatorsProcessor::new(&c).expect_err("refused");
        let e = bad(IndicatorsConfig {
            indicators: vec!["sma(20)".into(), "rsi(x)".into()],
            ..IndicatorsConfig::default()
        });
        assert!(
            e.contains("indicators.indicators") && e.contains("not a number"),
            "{e}"
        );
        let e = bad(IndicatorsConfig {
            indicators: vec!["sma(20)".into(), "SMA(20)".into()],
            ..IndicatorsConfig::default()
        });
        assert!(e.contains("twice"), "{e}");
        let e = bad(IndicatorsConfig {
            patterns: vec!["cdlnothing".into()],
            ..IndicatorsConfig::default()
        });
        assert!(e.contains("indicators.patterns"), "{e}");
        let e = bad(IndicatorsConfig {
            timeframes: vec![],
            ..IndicatorsConfig::default()
        });
        assert!(e.contains("at least one timeframe"), "{e}");
        let e = bad(IndicatorsConfig {
            movement: MovementSettings {
                volume_spike_ratio: 0.5,
                ..MovementSettings::default()
            },
            ..IndicatorsConfig::default()
        });
        assert!(e.contains("indicators.movement"), "{e}");
        let all = IndicatorsProcessor::new(&IndicatorsConfig {
            patterns: vec!["all".into(), "CDLDOJI".into()],
            ..IndicatorsConfig::default()
        })
        .expect("valid");
        assert_eq!(all.patterns.len(), PatternKind::ALL.len());
    }

    #[test]
    fn the_default_configuration_is_valid_and_names_outputs() {
        let p = IndicatorsProcessor::new(&IndicatorsConfig::default()).expect("valid");
        let macd = p
            .indicators
            .iter()
            .find(|s| s.spec == "macd(12,26,9)")
            .expect("macd is a default");
        assert_eq!(macd.outputs, vec!["macd", "signal", "hist"]);
        let sma = p
            .indicators
            .iter()
            .find(|s| s.spec == "sma(20)")
            .expect("sma");
        assert_eq!(sma.outputs, vec!["value"]);
        assert_eq!(
            p.layout.timeframes,
            vec!["1s", "1m", "5m", "15m", "1h", "1d"]
        );
    }

    fn trade(i: i64) -> Trade {
        Trade {
            id: format!("t{i}"),
            symbol: "AAPL".into(),
            price: 100.0 + ((i * 37) % 23) as f64 / 4.0,
            size: 1.0 + (i % 5) as f64,
            // Four trades a second: every fourth closes a 1s bar.
            event_time: 1_704_205_800_000_000_000 + i * 250_000_000,
            trade_id: None,
            exchange: None,
            conditions: vec![],
            tape: None,
            source: "test".into(),
        }
    }

    /// Feeds trades `range` and returns the indicator updates emitted, by spec, in order.
    fn feed(
        p: &mut IndicatorsProcessor,
        range: std::ops::Range<i64>,
    ) -> BTreeMap<String, Vec<(i64, u64)>> {
        let codec = finstream_schemas::Codec::embedded();
        let mut out = Emitter::new(codec.clone());
        for i in range {
            let input = Input {
                topic: catalog::TRADES,
                partition: 0,
                offset: i,
                event: Event::Trade(trade(i)),
            };
            p.process(input, &mut out).expect("processes");
        }
        let mut by_spec: BTreeMap<String, Vec<(i64, u64)>> = BTreeMap::new();
        for record in out.take() {
            if record.topic == catalog::INDICATORS {
                let u: IndicatorUpdate = codec.decode(&record.payload).expect("decodes");
                let first = u.values.values().next().copied().unwrap_or(f64::NAN);
                by_spec
                    .entry(u.indicator)
                    .or_default()
                    .push((u.bar_start, first.to_bits()));
            }
        }
        by_spec
    }

    fn with(indicators: &[&str]) -> IndicatorsProcessor {
        IndicatorsProcessor::new(&IndicatorsConfig {
            timeframes: vec!["1s".into()],
            indicators: indicators.iter().map(|s| s.to_string()).collect(),
            patterns: vec![],
            ..IndicatorsConfig::default()
        })
        .expect("valid")
    }

    #[test]
    fn a_checkpoint_restores_bit_for_bit_and_survives_a_changed_indicator_list() {
        let mut before = with(&["sma(3)", "ema(5)"]);
        feed(&mut before, 0..200);
        let state = before.snapshot(catalog::TRADES, 0).expect("snapshot");

        // Same configuration: the restored processor goes on exactly as the original.
        let mut same = with(&["sma(3)", "ema(5)"]);
        same.restore(catalog::TRADES, 0, &state).expect("restores");
        let want = feed(&mut before, 200..400);
        assert_eq!(feed(&mut same, 200..400), want);
        assert_eq!(want["ema(5)"].len(), 50);

        // Another list: ema(5) keeps its state, rsi(4) starts empty, sma(3) is dropped.
        let mut reference = with(&["sma(3)", "ema(5)"]);
        feed(&mut reference, 0..200);
        let mut changed = with(&["ema(5)", "rsi(4)"]);
        changed
            .restore(catalog::TRADES, 0, &state)
            .expect("restores");
        let got = feed(&mut changed, 200..400);
        assert_eq!(got["ema(5)"], feed(&mut reference, 200..400)["ema(5)"]);
        assert!(!got.contains_key("sma(3)"));
        // RSI(4) needs 4 changes, so 5 bars, before its first value: it starts now.
        assert_eq!(got["rsi(4)"].len(), 50 - 4);

        assert!(
            changed
                .restore(catalog::TRADES, 0, &state[..state.len() / 2])
                .is_err(),
            "a truncated checkpoint is refused"
        );
    }
}
