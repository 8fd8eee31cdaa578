//! Momentum of closes: RSI, MACD, PPO, ROC, MOM, CMO, TRIX, STOCHRSI.

mod cmo;
mod macd;
mod mom;
mod ppo;
mod roc;
mod rsi;
mod stoch_rsi;
mod trix;

pub use cmo::Cmo;
pub use macd::{Macd, MacdValue};
pub use mom::Mom;
pub use ppo::Ppo;
pub use roc::Roc;
pub use rsi::Rsi;
pub use stoch_rsi::{StochRsi, StochRsiValue};
pub use trix::Trix;

use crate::indicators::IndicatorError;

/// `period` if TA-Lib accepts it (`min..=100_000` for every period of this family).
fn checked_period(
    indicator: &'static str,
    name: &str,
    period: usize,
    min: usize,
) -> Result<usize, IndicatorError> {
    const TA_LIB_MAX: usize = 100_000;
    if (min..=TA_LIB_MAX).contains(&period) {
        Ok(period)
    } else {
        Err(IndicatorError::new(
            indicator,
            format!("{name} must be between {min} and {TA_LIB_MAX}, got {period}"),
        ))
    }
}
