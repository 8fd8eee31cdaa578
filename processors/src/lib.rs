//! The streaming jobs of finstream: each wires pure analytics to the bus through the
//! processor runner of `finstream-bus`.
//!
//! - [`indicators`]: trades to event-time bars and indicator updates
//!   (`market.trades.v1` to `market.bars.v1` and `analytics.indicators.v1`).
//! - [`greeks`]: option quotes and the underlying's trades to implied volatility and
//!   Greeks (`options.quotes.v1` + `market.trades.v1` to `analytics.greeks.v1`).
//!
//! - [`embeddings`]: document ingest requests to cleaned, chunked, embedded text and a
//!   status per document (`docs.ingest.v1` to `docs.chunks.v1` and `docs.status.v1`).
//! - [`persist`]: every topic into the hot store and the Parquet history, exactly once
//!   in effect.
//!
//! Each job is a [`finstream_bus::runner::Processor`] plus a config with
//! `deny_unknown_fields`; [`ProcessorName`] is the registry the binary dispatches on.

pub mod embeddings;
pub mod greeks;
pub mod indicators;
pub mod persist;

use serde::{Deserialize, Serialize};

/// Every processor this crate provides, by the name `finstream process <name>` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProcessorName {
    Indicators,
    Greeks,
    Persist,
    Embeddings,
}

impl ProcessorName {
    pub const ALL: [ProcessorName; 4] = [
        ProcessorName::Indicators,
        ProcessorName::Greeks,
        ProcessorName::Persist,
        ProcessorName::Embeddings,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProcessorName::Indicators => "indicators",
            ProcessorName::Greeks => "greeks",
            ProcessorName::Persist => "persist",
            ProcessorName::Embeddings => "embeddings",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}
