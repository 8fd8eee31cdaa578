//! Where market data enters finstream.
//!
//! - [`alpaca`]: Alpaca's Market Data API v2 (stream and REST), with reconnects, silence
//!   detection, gap backfill and rate-limit handling.
//! - [`replay`]: recorded trades or quotes from CSV, in real time, N times faster or as
//!   fast as possible.
//! - [`synthetic`]: a seeded, reproducible market (geometric Brownian motion with jumps)
//!   that produces trades to `market.trades.v1`, for the demo, tests and benchmarks.
//!
//! Sources produce through a [`finstream_bus::Producer`] with Confluent-framed Avro, as
//! any external producer would.

pub mod alpaca;
pub mod replay;
pub mod synthetic;
