//! The closed set of event kinds, and the trait that ties a Rust type to its schema.

use crate::events::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Every kind of event finstream carries; one `.avsc` file each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    Trade,
    Quote,
    Bar,
    OptionQuote,
    IndicatorUpdate,
    GreeksUpdate,
    MarketEvent,
    ChatMessage,
    DocumentIngest,
    DocumentChunk,
    DocumentStatus,
    DeadLetter,
    ProcessorCheckpoint,
}

impl EventKind {
    pub const ALL: [EventKind; 13] = [
        EventKind::Trade,
        EventKind::Quote,
        EventKind::Bar,
        EventKind::OptionQuote,
        EventKind::IndicatorUpdate,
        EventKind::GreeksUpdate,
        EventKind::MarketEvent,
        EventKind::ChatMessage,
        EventKind::DocumentIngest,
        EventKind::DocumentChunk,
        EventKind::DocumentStatus,
        EventKind::DeadLetter,
        EventKind::ProcessorCheckpoint,
    ];

    /// The schema file's stem under `schemas/avro/`.
    pub fn file_stem(self) -> &'static str {
        match self {
            EventKind::Trade => "trade",
            EventKind::Quote => "quote",
            EventKind::Bar => "bar",
            EventKind::OptionQuote => "option_quote",
            EventKind::IndicatorUpdate => "indicator_update",
            EventKind::GreeksUpdate => "greeks_update",
            EventKind::MarketEvent => "market_event",
            EventKind::ChatMessage => "chat_message",
            EventKind::DocumentIngest => "document_ingest",
            EventKind::DocumentChunk => "document_chunk",
            EventKind::DocumentStatus => "document_status",
            EventKind::DeadLetter => "dead_letter",
            EventKind::ProcessorCheckpoint => "processor_checkpoint",
        }
    }

    /// The checked-in schema text, compiled into the binary.
    pub fn schema_text(self) -> &'static str {
        match self {
            EventKind::Trade => include_str!("../avro/trade.avsc"),
            EventKind::Quote => include_str!("../avro/quote.avsc"),
            EventKind::Bar => include_str!("../avro/bar.avsc"),
            EventKind::OptionQuote => include_str!("../avro/option_quote.avsc"),
            EventKind::IndicatorUpdate => include_str!("../avro/indicator_update.avsc"),
            EventKind::GreeksUpdate => include_str!("../avro/greeks_update.avsc"),
            EventKind::MarketEvent => include_str!("../avro/market_event.avsc"),
            EventKind::ChatMessage => include_str!("../avro/chat_message.avsc"),
            EventKind::DocumentIngest => include_str!("../avro/document_ingest.avsc"),
            EventKind::DocumentChunk => include_str!("../avro/document_chunk.avsc"),
            EventKind::DocumentStatus => include_str!("../avro/document_status.avsc"),
            EventKind::DeadLetter => include_str!("../avro/dead_letter.avsc"),
            EventKind::ProcessorCheckpoint => include_str!("../avro/processor_checkpoint.avsc"),
        }
    }
}

/// A decoded event of any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Trade(Trade),
    Quote(Quote),
    Bar(Bar),
    OptionQuote(OptionQuote),
    IndicatorUpdate(IndicatorUpdate),
    GreeksUpdate(GreeksUpdate),
    MarketEvent(MarketEvent),
    ChatMessage(ChatMessage),
    DocumentIngest(DocumentIngest),
    DocumentChunk(DocumentChunk),
    DocumentStatus(DocumentStatus),
    DeadLetter(DeadLetter),
    ProcessorCheckpoint(ProcessorCheckpoint),
}

impl Event {
    /// The event's own time, nanoseconds since the Unix epoch, UTC.
    pub fn event_time(&self) -> TimestampNanos {
        match self {
            Event::Trade(e) => e.event_time,
            Event::Quote(e) => e.event_time,
            Event::Bar(e) => e.event_time,
            Event::OptionQuote(e) => e.event_time,
            Event::IndicatorUpdate(e) => e.event_time,
            Event::GreeksUpdate(e) => e.event_time,
            Event::MarketEvent(e) => e.event_time,
            Event::ChatMessage(e) => e.event_time,
            Event::DocumentIngest(e) => e.event_time,
            Event::DocumentChunk(e) => e.event_time,
            Event::DocumentStatus(e) => e.event_time,
            Event::DeadLetter(e) => e.event_time,
            Event::ProcessorCheckpoint(e) => e.event_time,
        }
    }

    pub fn kind(&self) -> EventKind {
        match self {
            Event::Trade(_) => EventKind::Trade,
            Event::Quote(_) => EventKind::Quote,
            Event::Bar(_) => EventKind::Bar,
            Event::OptionQuote(_) => EventKind::OptionQuote,
            Event::IndicatorUpdate(_) => EventKind::IndicatorUpdate,
            Event::GreeksUpdate(_) => EventKind::GreeksUpdate,
            Event::MarketEvent(_) => EventKind::MarketEvent,
            Event::ChatMessage(_) => EventKind::ChatMessage,
            Event::DocumentIngest(_) => EventKind::DocumentIngest,
            Event::DocumentChunk(_) => EventKind::DocumentChunk,
            Event::DocumentStatus(_) => EventKind::DocumentStatus,
            Event::DeadLetter(_) => EventKind::DeadLetter,
            Event::ProcessorCheckpoint(_) => EventKind::ProcessorCheckpoint,
        }
    }
}

/// A Rust event type bound to its schema: what the codec needs to encode and decode it.
pub trait AvroEvent: Serialize + DeserializeOwned + Send + 'static {
    const KIND: EventKind;

    /// The partitioning key (symbol, underlying, room or document id).
    fn key(&self) -> &str;

    /// Event time, nanoseconds since the Unix epoch, UTC.
    fn event_time(&self) -> TimestampNanos;

    /// The stable event id.
    fn id(&self) -> &str;

    fn into_event(self) -> Event;
}

macro_rules! avro_event {
    ($ty:ident, $key:ident) => {
        impl AvroEvent for $ty {
            const KIND: EventKind = EventKind::$ty;

            fn key(&self) -> &str {
                &self.$key
            }

            fn event_time(&self) -> TimestampNanos {
                self.event_time
            }

            fn id(&self) -> &str {
                &self.id
            }

            fn into_event(self) -> Event {
                Event::$ty(self)
            }
        }
    };
}

avro_event!(Trade, symbol);
avro_event!(Quote, symbol);
avro_event!(Bar, symbol);
avro_event!(OptionQuote, underlying);
avro_event!(IndicatorUpdate, symbol);
avro_event!(GreeksUpdate, underlying);
avro_event!(MarketEvent, symbol);
avro_event!(ChatMessage, room);
avro_event!(DocumentIngest, id);
avro_event!(DocumentChunk, document_id);
avro_event!(DocumentStatus, document_id);
avro_event!(DeadLetter, source_topic);
avro_event!(ProcessorCheckpoint, id);
