//! Where market data enters finstream.
//!
//! - [`synthetic`]: a seeded, reproducible market (geometric Brownian motion with jumps)
//!   that produces trades to `market.trades.v1`, for the demo, tests and benchmarks.
//!
//! Sources produce through a [`finstream_bus::Producer`] with Confluent-framed Avro, as
//! any external producer would.

pub mod synthetic;
