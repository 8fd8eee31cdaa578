//! The SQL tables of the history: which topic each one holds, its Arrow schema, and how
//! events become rows.
//!
//! Every table leads with its key (symbol, underlying or room) and its event time, the
//! order rows are sorted in inside a file, so that Parquet's row-group statistics prune
//! by symbol as well as the Hive `date=` folders prune by day. Times are
//! `Timestamp(ns, UTC)`, strikes `Decimal128(18, 3)`, expirations `Date32`: standard
//! Parquet logical types that DuckDB, Polars and pandas read as is.

use crate::StorageError;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder, Int32Builder,
    Int64Builder, ListBuilder, RecordBatch, StringBuilder, TimestampNanosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use finstream_schemas::{
    ChatAction, Event, EventKind, MarketEventCategory, MarketEventDirection, OptionRight, catalog,
};
use std::sync::{Arc, LazyLock};

/// A table of the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Trades,
    Quotes,
    Bars,
    OptionQuotes,
    Indicators,
    Greeks,
    ChatMessages,
    MarketEvents,
}

impl Table {
    pub const ALL: [Table; 8] = [
        Table::Trades,
        Table::Quotes,
        Table::Bars,
        Table::OptionQuotes,
        Table::Indicators,
        Table::Greeks,
        Table::ChatMessages,
        Table::MarketEvents,
    ];

    /// The SQL name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Trades => "trades",
            Table::Quotes => "quotes",
            Table::Bars => "bars",
            Table::OptionQuotes => "option_quotes",
            Table::Indicators => "indicators",
            Table::Greeks => "greeks",
            Table::ChatMessages => "chat_messages",
            Table::MarketEvents => "market_events",
        }
    }

    /// The catalog topic whose events the table holds; also its folder under the history.
    pub fn topic(self) -> &'static str {
        match self {
            Table::Trades => catalog::TRADES,
            Table::Quotes => catalog::QUOTES,
            Table::Bars => catalog::BARS,
            Table::OptionQuotes => catalog::OPTION_QUOTES,
            Table::Indicators => catalog::INDICATORS,
            Table::Greeks => catalog::GREEKS,
            Table::ChatMessages => catalog::CHAT_MESSAGES,
            Table::MarketEvents => catalog::EVENTS,
        }
    }

    /// The table for events of this kind, if the history keeps them.
    pub fn for_kind(kind: EventKind) -> Option<Table> {
        Some(match kind {
            EventKind::Trade => Table::Trades,
            EventKind::Quote => Table::Quotes,
            EventKind::Bar => Table::Bars,
            EventKind::OptionQuote => Table::OptionQuotes,
            EventKind::IndicatorUpdate => Table::Indicators,
            EventKind::GreeksUpdate => Table::Greeks,
            EventKind::ChatMessage => Table::ChatMessages,
            EventKind::MarketEvent => Table::MarketEvents,
            _ => return None,
        })
    }

    pub fn for_topic(topic: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.topic() == topic)
    }

    pub fn by_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The Arrow schema of the table's files (without the `date` partition column).
    pub fn schema(self) -> SchemaRef {
        static SCHEMAS: LazyLock<Vec<SchemaRef>> = LazyLock::new(|| {
            Table::ALL
                .iter()
                .map(|t| Arc::new(t.build_schema()))
                .collect()
        });
        Arc::clone(&SCHEMAS[self as usize])
    }

    /// The name of the column holding the event time each row is partitioned by.
    pub fn time_column(self) -> &'static str {
        "event_time"
    }

    /// The key column rows are sorted by first.
    pub fn key_column(self) -> &'static str {
        match self {
            Table::OptionQuotes | Table::Greeks => "underlying",
            Table::ChatMessages => "room",
            _ => "symbol",
        }
    }

    fn build_schema(self) -> Schema {
        let f = |name: &str, ty: DataType, nullable: bool| Field::new(name, ty, nullable);
        let ts = || DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()));
        let s = DataType::Utf8;
        let d = DataType::Float64;
        let list = || DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
        let fields = match self {
            Table::Trades => vec![
                f("symbol", s.clone(), false),
                f("event_time", ts(), false),
                f("price", d.clone(), false),
                f("size", d.clone(), false),
                f("trade_id", DataType::Int64, true),
                f("exchange", s.clone(), true),
                f("conditions", list(), false),
                f("tape", s.clone(), true),
                f("source", s.clone(), false),
                f("id", s, false),
            ],
            Table::Quotes => vec![
                f("symbol", s.clone(), false),
                f("event_time", ts(), false),
                f("bid_price", d.clone(), false),
                f("bid_size", d.clone(), false),
                f("ask_price", d.clone(), false),
                f("ask_size", d.clone(), false),
                f("bid_exchange", s.clone(), true),
                f("ask_exchange", s.clone(), true),
                f("conditions", list(), false),
                f("tape", s.clone(), true),
                f("source", s.clone(), false),
                f("id", s, false),
            ],
            Table::Bars => vec![
                f("symbol", s.clone(), false),
                f("event_time", ts(), false),
                f("timeframe", s.clone(), false),
                f("start_time", ts(), false),
                f("end_time", ts(), false),
                f("open", d.clone(), false),
                f("high", d.clone(), false),
                f("low", d.clone(), false),
                f("close", d.clone(), false),
                f("volume", d.clone(), false),
                f("trade_count", DataType::Int64, false),
                f("vwap", d, false),
                f("revision", DataType::Int32, false),
                f("id", s, false),
            ],
            Table::OptionQuotes => vec![
                f("underlying", s.clone(), false),
                f("event_time", ts(), false),
                f("contract", s.clone(), false),
                f("expiration", DataType::Date32, false),
                f("strike", DataType::Decimal128(18, 3), false),
                f("option_type", s.clone(), false),
                f("bid_price", d.clone(), false),
                f("bid_size", d.clone(), false),
                f("ask_price", d.clone(), false),
                f("ask_size", d.clone(), false),
                f("last_price", d, true),
                f("volume", DataType::Int64, false),
                f("open_interest", DataType::Int64, false),
                f("source", s.clone(), false),
                f("id", s, false),
            ],
            // One row per output field: `macd(12,26,9)` gives rows for macd, signal, hist.
            Table::Indicators => vec![
                f("symbol", s.clone(), false),
                f("event_time", ts(), false),
                f("timeframe", s.clone(), false),
                f("indicator", s.clone(), false),
                f("field", s.clone(), false),
                f("value", d, false),
                f("bar_start", ts(), false),
                f("bar_revision", DataType::Int32, false),
                f("id", s, false),
            ],
            Table::Greeks => {
                let mut v = vec![
                    f("underlying", s.clone(), false),
                    f("event_time", ts(), false),
                    f("contract", s.clone(), false),
                    f("expiration", DataType::Date32, false),
                    f("strike", DataType::Decimal128(18, 3), false),
                    f("option_type", s.clone(), false),
                    f("spot", d.clone(), false),
                    f("option_price", d.clone(), false),
                    f("rate", d.clone(), false),
                    f("dividend_yield", d.clone(), false),
                    f("time_to_expiry", d.clone(), false),
                ];
                for g in GREEK_COLUMNS {
                    v.push(f(g, d.clone(), true));
                }
                v.push(f("id", s, false));
                v
            }
            Table::ChatMessages => vec![
                f("room", s.clone(), false),
                f("event_time", ts(), false),
                f("user", s.clone(), false),
                f("action", s.clone(), false),
                f("role", s.clone(), false),
                f("content", s.clone(), false),
                f("context_json", s.clone(), false),
                f("target_id", s.clone(), true),
                f("thread_parent", s.clone(), true),
                f("id", s, false),
            ],
            // `values` as JSON text: its keys depend on the event's name.
            Table::MarketEvents => vec![
                f("symbol", s.clone(), false),
                f("event_time", ts(), false),
                f("timeframe", s.clone(), false),
                f("bar_start", ts(), false),
                f("category", s.clone(), false),
                f("name", s.clone(), false),
                f("direction", s.clone(), false),
                f("pattern_value", DataType::Int32, true),
                f("values_json", s.clone(), false),
                f("bar_revision", DataType::Int32, false),
                f("retracted", DataType::Boolean, false),
                f("id", s, false),
            ],
        };
        Schema::new(fields)
    }

    /// Rows for `events` (all of this table's kind), in the given order.
    pub fn to_batch(self, events: &[&Event]) -> Result<RecordBatch, StorageError> {
        let columns = match self {
            Table::Trades => trades(events),
            Table::Quotes => quotes(events),
            Table::Bars => bars(events),
            Table::OptionQuotes => option_quotes(events),
            Table::Indicators => indicators(events),
            Table::Greeks => greeks(events),
            Table::ChatMessages => chat_messages(events),
            Table::MarketEvents => market_events(events),
        }?;
        RecordBatch::try_new(self.schema(), columns).map_err(|e| StorageError::Internal {
            message: format!("building {} rows: {e}", self.name()),
        })
    }
}

const GREEK_COLUMNS: [&str; 9] = [
    "implied_volatility",
    "delta",
    "gamma",
    "theta",
    "vega",
    "rho",
    "vanna",
    "charm",
    "vomma",
];

fn wrong_kind(table: &str, event: &Event) -> StorageError {
    StorageError::Internal {
        message: format!("a {:?} event cannot go to the {table} table", event.kind()),
    }
}

fn utc_ts(n: usize) -> TimestampNanosecondBuilder {
    TimestampNanosecondBuilder::with_capacity(n).with_timezone("UTC")
}

fn right_name(r: OptionRight) -> &'static str {
    match r {
        OptionRight::Call => "call",
        OptionRight::Put => "put",
    }
}

fn decimal(n: usize) -> Result<Decimal128Builder, StorageError> {
    Decimal128Builder::with_capacity(n)
        .with_precision_and_scale(18, 3)
        .map_err(|e| StorageError::Internal {
            message: e.to_string(),
        })
}

fn conditions_list(n: usize) -> ListBuilder<StringBuilder> {
    ListBuilder::with_capacity(StringBuilder::new(), n)
}

fn trades(events: &[&Event]) -> Result<Vec<ArrayRef>, StorageError> {
    let n = events.len();
    let (mut symbol, mut time, mut price, mut size) = (
        StringBuilder::with_capacity(n, n * 4),
        utc_ts(n),
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
    );
    let (mut trade_id, mut exchange, mut conditions, mut tape, mut source, mut id) = (
        Int64Builder::with_capacity(n),
        StringBuilder::new(),
        conditions_list(n),
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::with_capacity(n, n * 36),
    );
    for e in events {
        let Event::Trade(t) = e else {
            return Err(wrong_kind("trades", e));
        };
        symbol.append_value(&t.symbol);
        time.append_value(t.event_time);
        price.append_value(t.price);
        size.append_value(t.size);
        trade_id.append_option(t.trade_id);
        exchange.append_option(t.exchange.as_deref());
        for c in &t.conditions {
            conditions.values().append_value(c);
        }
        conditions.append(true);
        tape.append_option(t.tape.as_deref());
        source.append_value(&t.source);
        id.append_value(&t.id);
    }
    Ok(vec![
        Arc::new(symbol.finish()),
        Arc::new(time.finish()),
        Arc::new(price.finish()),
        Arc::new(size.finish()),
        Arc::new(trade_id.finish()),
        Arc::new(exchange.finish()),
        Arc::new(conditions.finish()),
        Arc::new(tape.finish()),
        Arc::new(source.finish()),
        Arc::new(id.finish()),
    ])
}

fn quotes(events: &[&Event]) -> Result<Vec<ArrayRef>, StorageError> {
    let n = events.len();
    let mut symbol = StringBuilder::with_capacity(n, n * 4);
    let mut time = utc_ts(n);
    let mut prices: [Float64Builder; 4] = std::array::from_fn(|_| Float64Builder::with_capacity(n));
    let (mut bid_ex, mut ask_ex, mut conditions, mut tape, mut source, mut id) = (
        StringBuilder::new(),
        StringBuilder::new(),
        conditions_list(n),
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::with_capacity(n, n * 36),
    );
    for e in events {
        let Event::Quote(q) = e else {
            return Err(wrong_kind("quotes", e));
        };
        symbol.append_value(&q.symbol);
        time.append_value(q.event_time);
        for (b, v) in prices
            .iter_mut()
            .zip([q.bid_price, q.bid_size, q.ask_price, q.ask_size])
        {
            b.append_value(v);
        }
        bid_ex.append_option(q.bid_exchange.as_deref());
        ask_ex.append_option(q.ask_exchange.as_deref());
        for c in &q.conditions {
            conditions.values().append_value(c);
        }
        conditions.append(true);
        tape.append_option(q.tape.as_deref());
        source.append_value(&q.source);
        id.append_value(&q.id);
    }
    let mut cols: Vec<ArrayRef> = vec![Arc::new(symbol.finish()), Arc::new(time.finish())];
    cols.extend(prices.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.extend([
        Arc::new(bid_ex.finish()) as ArrayRef,
        Arc::new(ask_ex.finish()),
        Arc::new(conditions.finish()),
        Arc::new(tape.finish()),
        Arc::new(source.finish()),
        Arc::new(id.finish()),
    ]);
    Ok(cols)
}

fn bars(events: &[&Event]) -> Result<Vec<ArrayRef>, StorageError> {
    let n = events.len();
    let mut symbol = StringBuilder::with_capacity(n, n * 4);
    let mut time = utc_ts(n);
    let mut timeframe = StringBuilder::with_capacity(n, n * 3);
    let (mut start, mut end) = (utc_ts(n), utc_ts(n));
    let mut ohlcv: [Float64Builder; 5] = std::array::from_fn(|_| Float64Builder::with_capacity(n));
    let mut count = Int64Builder::with_capacity(n);
    let mut vwap = Float64Builder::with_capacity(n);
    let mut revision = Int32Builder::with_capacity(n);
    let mut id = StringBuilder::with_capacity(n, n * 36);
    for e in events {
        let Event::Bar(b) = e else {
            return Err(wrong_kind("bars", e));
        };
        symbol.append_value(&b.symbol);
        time.append_value(b.event_time);
        timeframe.append_value(&b.timeframe);
        start.append_value(b.start_time);
        end.append_value(b.end_time);
        for (builder, v) in ohlcv
            .iter_mut()
            .zip([b.open, b.high, b.low, b.close, b.volume])
        {
            builder.append_value(v);
        }
        count.append_value(b.trade_count);
        vwap.append_value(b.vwap);
        revision.append_value(b.revision);
        id.append_value(&b.id);
    }
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(symbol.finish()),
        Arc::new(time.finish()),
        Arc::new(timeframe.finish()),
        Arc::new(start.finish()),
        Arc::new(end.finish()),
    ];
    cols.extend(ohlcv.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.extend([
        Arc::new(count.finish()) as ArrayRef,
        Arc::new(vwap.finish()),
        Arc::new(revision.finish()),
        Arc::new(id.finish()),
    ]);
    Ok(cols)
}

fn option_quotes(events: &[&Event]) -> Result<Vec<ArrayRef>, StorageError> {
    let n = events.len();
    let mut underlying = StringBuilder::with_capacity(n, n * 4);
    let mut time = utc_ts(n);
    let mut contract = StringBuilder::with_capacity(n, n * 21);
    let mut expiration = Date32Builder::with_capacity(n);
    let mut strike = decimal(n)?;
    let mut option_type = StringBuilder::with_capacity(n, n * 4);
    let mut book: [Float64Builder; 4] = std::array::from_fn(|_| Float64Builder::with_capacity(n));
    let mut last = Float64Builder::with_capacity(n);
    let (mut volume, mut oi) = (
        Int64Builder::with_capacity(n),
        Int64Builder::with_capacity(n),
    );
    let (mut source, mut id) = (
        StringBuilder::new(),
        StringBuilder::with_capacity(n, n * 36),
    );
    for e in events {
        let Event::OptionQuote(q) = e else {
            return Err(wrong_kind("option_quotes", e));
        };
        underlying.append_value(&q.underlying);
        time.append_value(q.event_time);
        contract.append_value(&q.contract);
        expiration.append_value(q.expiration);
        strike.append_value(i128::from(q.strike.thousandths));
        option_type.append_value(right_name(q.right));
        for (b, v) in book
            .iter_mut()
            .zip([q.bid_price, q.bid_size, q.ask_price, q.ask_size])
        {
            b.append_value(v);
        }
        last.append_option(q.last_price);
        volume.append_value(q.volume);
        oi.append_value(q.open_interest);
        source.append_value(&q.source);
        id.append_value(&q.id);
    }
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(underlying.finish()),
        Arc::new(time.finish()),
        Arc::new(contract.finish()),
        Arc::new(expiration.finish()),
        Arc::new(strike.finish()),
        Arc::new(option_type.finish()),
    ];
    cols.extend(book.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.extend([
        Arc::new(last.finish()) as ArrayRef,
        Arc::new(volume.finish()),
        Arc::new(oi.finish()),
        Arc::new(source.finish()),
        Arc::new(id.finish()),
    ]);
    Ok(cols)
}

fn indicators(events: &[&Event]) -> Result<Vec<ArrayRef>, StorageError> {
    let n = events.len() * 2;
    let mut symbol = StringBuilder::with_capacity(n, n * 4);
    let mut time = utc_ts(n);
    let mut timeframe = StringBuilder::with_capacity(n, n * 3);
    let mut indicator = StringBuilder::with_capacity(n, n * 8);
    let mut field = StringBuilder::with_capacity(n, n * 6);
    let mut value = Float64Builder::with_capacity(n);
    let mut bar_start = utc_ts(n);
    let mut revision = Int32Builder::with_capacity(n);
    let mut id = StringBuilder::with_capacity(n, n * 36);
    for e in events {
        let Event::IndicatorUpdate(u) = e else {
            return Err(wrong_kind("indicators", e));
        };
        for (name, v) in &u.values {
            symbol.append_value(&u.symbol);
            time.append_value(u.event_time);
            timeframe.append_value(&u.timeframe);
            indicator.append_value(&u.indicator);
            field.append_value(name);
            value.append_value(*v);
            bar_start.append_value(u.bar_start);
            revision.append_value(u.bar_revision);
            id.append_value(&u.id);
        }
    }
    Ok(vec![
        Arc::new(symbol.finish()),
        Arc::new(time.finish()),
        Arc::new(timeframe.finish()),
        Arc::new(indicator.finish()),
        Arc::new(field.finish()),
        Arc::new(value.finish()),
        Arc::new(bar_start.finish()),
        Arc::new(revision.finish()),
        Arc::new(id.finish()),
    ])
}

fn greeks(events: &[&Event]) -> Result<Vec<ArrayRef>, StorageError> {
    let n = events.len();
    let mut underlying = StringBuilder::with_capacity(n, n * 4);
    let mut time = utc_ts(n);
    let mut contract = StringBuilder::with_capacity(n, n * 21);
    let mut expiration = Date32Builder::with_capacity(n);
    let mut strike = decimal(n)?;
    let mut option_type = StringBuilder::with_capacity(n, n * 4);
    let mut inputs: [Float64Builder; 5] = std::array::from_fn(|_| Float64Builder::with_capacity(n));
    let mut outputs: [Float64Builder; 9] =
        std::array::from_fn(|_| Float64Builder::with_capacity(n));
    let mut id = StringBuilder::with_capacity(n, n * 36);
    for e in events {
        let Event::GreeksUpdate(g) = e else {
            return Err(wrong_kind("greeks", e));
        };
        underlying.append_value(&g.underlying);
        time.append_value(g.event_time);
        contract.append_value(&g.contract);
        expiration.append_value(g.expiration);
        strike.append_value(i128::from(g.strike.thousandths));
        option_type.append_value(right_name(g.right));
        for (b, v) in inputs.iter_mut().zip([
            g.spot,
            g.option_price,
            g.rate,
            g.dividend_yield,
            g.time_to_expiry,
        ]) {
            b.append_value(v);
        }
        for (b, v) in outputs.iter_mut().zip([
            g.implied_volatility,
            g.delta,
            g.gamma,
            g.theta,
            g.vega,
            g.rho,
            g.vanna,
            g.charm,
            g.vomma,
        ]) {
            b.append_option(v);
        }
        id.append_value(&g.id);
    }
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(underlying.finish()),
        Arc::new(time.finish()),
        Arc::new(contract.finish()),
        Arc::new(expiration.finish()),
        Arc::new(strike.finish()),
        Arc::new(option_type.finish()),
    ];
    cols.extend(inputs.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.extend(outputs.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.push(Arc::new(id.finish()));
    Ok(cols)
}

fn chat_messages(events: &[&Event]) -> Result<Vec<ArrayRef>, StorageError> {
    let n = events.len();
    // Every column after the room and the time is text.
    let mut room = StringBuilder::with_capacity(n, n * 8);
    let mut time = utc_ts(n);
    let mut text: [StringBuilder; 8] = std::array::from_fn(|_| StringBuilder::with_capacity(n, n));
    for e in events {
        let Event::ChatMessage(m) = e else {
            return Err(wrong_kind("chat_messages", e));
        };
        room.append_value(&m.room);
        time.append_value(m.event_time);
        let action = match m.action {
            ChatAction::Post => "post",
            ChatAction::Edit => "edit",
            ChatAction::Delete => "delete",
            ChatAction::React => "react",
        };
        text[0].append_value(&m.user);
        text[1].append_value(action);
        text[2].append_value(&m.role);
        text[3].append_value(&m.content);
        text[4].append_value(&m.context_json);
        text[5].append_option(m.target_id.as_deref());
        text[6].append_option(m.thread_parent.as_deref());
        text[7].append_value(&m.id);
    }
    let mut cols: Vec<ArrayRef> = vec![Arc::new(room.finish()), Arc::new(time.finish())];
    cols.extend(text.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    Ok(cols)
}

fn market_events(events: &[&Event]) -> Result<Vec<ArrayRef>, StorageError> {
    let n = events.len();
    let mut symbol = StringBuilder::with_capacity(n, n * 4);
    let mut time = utc_ts(n);
    let mut bar_start = utc_ts(n);
    // timeframe, category, name, direction, values_json
    let mut text: [StringBuilder; 5] =
        std::array::from_fn(|_| StringBuilder::with_capacity(n, n * 8));
    let mut pattern_value = Int32Builder::with_capacity(n);
    let mut revision = Int32Builder::with_capacity(n);
    let mut retracted = BooleanBuilder::with_capacity(n);
    let mut id = StringBuilder::with_capacity(n, n * 48);
    for e in events {
        let Event::MarketEvent(m) = e else {
            return Err(wrong_kind("market_events", e));
        };
        symbol.append_value(&m.symbol);
        time.append_value(m.event_time);
        bar_start.append_value(m.bar_start);
        let values = serde_json::to_string(&m.values).map_err(|e| StorageError::Internal {
            message: format!("market event values as JSON: {e}"),
        })?;
        text[0].append_value(&m.timeframe);
        text[1].append_value(match m.category {
            MarketEventCategory::Pattern => "pattern",
            MarketEventCategory::Movement => "movement",
        });
        text[2].append_value(&m.name);
        text[3].append_value(match m.direction {
            MarketEventDirection::Bullish => "bullish",
            MarketEventDirection::Bearish => "bearish",
            MarketEventDirection::Neutral => "neutral",
        });
        text[4].append_value(values);
        pattern_value.append_option(m.pattern_value);
        revision.append_value(m.bar_revision);
        retracted.append_value(m.retracted);
        id.append_value(&m.id);
    }
    let [
        mut timeframe,
        mut category,
        mut name,
        mut direction,
        mut values,
    ] = text;
    Ok(vec![
        Arc::new(symbol.finish()),
        Arc::new(time.finish()),
        Arc::new(timeframe.finish()),
        Arc::new(bar_start.finish()),
        Arc::new(category.finish()),
        Arc::new(name.finish()),
        Arc::new(direction.finish()),
        Arc::new(pattern_value.finish()),
        Arc::new(values.finish()),
        Arc::new(revision.finish()),
        Arc::new(retracted.finish()),
        Arc::new(id.finish()),
    ])
}

/// The key and event time of an event the history keeps, for sorting and partitioning.
pub fn key_and_time(event: &Event) -> Option<(&str, i64)> {
    Some(match event {
        Event::Trade(e) => (&e.symbol, e.event_time),
        Event::Quote(e) => (&e.symbol, e.event_time),
        Event::Bar(e) => (&e.symbol, e.event_time),
        Event::OptionQuote(e) => (&e.underlying, e.event_time),
        Event::IndicatorUpdate(e) => (&e.symbol, e.event_time),
        Event::GreeksUpdate(e) => (&e.underlying, e.event_time),
        Event::ChatMessage(e) => (&e.room, e.event_time),
        Event::MarketEvent(e) => (&e.symbol, e.event_time),
        _ => return None,
    })
}
