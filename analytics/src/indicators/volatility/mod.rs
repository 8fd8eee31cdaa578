//! Volatility: true range, ATR, NATR, Bollinger bands.

mod atr;
mod bbands;
mod natr;
mod true_range;

pub use atr::Atr;
pub use bbands::{Bands, BollingerBands};
pub use natr::Natr;
pub use true_range::TrueRange;
