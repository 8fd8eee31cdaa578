//! Pure computation of finstream: no I/O, no async, no clocks.
//!
//! - [`bars`]: OHLCV bars in event time ([`bars::Timeframe`], [`bars::BarAggregator`]) that
//!   close when a watermark passes their end.
//! - [`indicators`]: technical indicators with TA-Lib's definitions, one file each,
//!   grouped by family (`indicators/average/sma.rs` holds [`indicators::average::Sma`]);
//!   each has O(1) `update`, `value`, `is_ready` and `reset`; [`indicators::spec`] runs any
//!   of them by TA-Lib name (`macd(12,26,9)`).
//! - [`patterns`]: TA-Lib's candlestick patterns (CDL*), with TA-Lib's candle settings.
//! - [`movement`]: gaps, breakouts, new highs and lows, volume spikes, bar by bar.
//! - [`options`]: Black-Scholes-Merton prices and Greeks, implied volatility, American
//!   exercise, chain analytics.
//! - [`text`]: documents to chunks: PDF text, cleaning, metadata, sentence-aware chunking,
//!   and the all-MiniLM-L6-v2 embedding model.
//!
//! - [`checkpoint`]: every stateful type derives serde, so processors can checkpoint it.
//!
//! Processors in `finstream-processors` wire these to the bus; start reading at `bars.rs`.

pub mod bars;
pub mod checkpoint;
pub mod indicators;
pub mod movement;
pub mod options;
pub mod patterns;
pub mod text;
