//! Moving averages: simple, exponential, weighted (linear weights), double and triple
//! exponential, and Kaufman's adaptive average, all with TA-Lib's definitions.

mod dema;
mod ema;
mod kama;
mod sma;
mod tema;
mod wma;

pub use dema::Dema;
pub use ema::Ema;
pub(crate) use ema::EmaChain;
pub use kama::Kama;
pub use sma::Sma;
pub use tema::Tema;
pub use wma::Wma;

// Every average here accepts period 1 (`crate::indicators::checked_period` with a minimum
// of 1): TA-Lib 0.6 copies the input at period 1, "no smoothing", instead of refusing it.
