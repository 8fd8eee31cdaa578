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
pub use kama::Kama;
pub use sma::Sma;
pub use tema::Tema;
pub use wma::Wma;

use crate::indicators::IndicatorError;

/// `period` if TA-Lib accepts it: 1 to 100000 for the averages here (TA-Lib 0.6 copies
/// the input at period 1, "no smoothing", instead of refusing it).
fn checked_period(indicator: &'static str, period: usize) -> Result<usize, IndicatorError> {
    const TA_LIB_MAX: usize = 100_000;
    if (1..=TA_LIB_MAX).contains(&period) {
        Ok(period)
    } else {
        Err(IndicatorError::new(
            indicator,
            format!("period must be between 1 and {TA_LIB_MAX}, got {period}"),
        ))
    }
}
