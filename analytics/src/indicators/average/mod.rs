//! Moving averages.

mod sma;

pub use sma::Sma;
