//! Moving averages.

mod ema;
mod sma;

pub use ema::Ema;
pub use sma::Sma;
