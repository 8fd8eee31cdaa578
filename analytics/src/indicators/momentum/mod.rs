//! Momentum of closes: RSI, MACD, PPO, ROC, MOM, CMO, TRIX, STOCHRSI.

mod cmo;
mod macd;
mod mom;
mod ppo;
mod roc;
mod rsi;
mod stoch_rsi;
mod trix;
mod wilder;

pub use cmo::Cmo;
pub use macd::{Macd, MacdValue};
pub use mom::Mom;
pub use ppo::Ppo;
pub use roc::Roc;
pub use rsi::Rsi;
pub use stoch_rsi::{StochRsi, StochRsiValue};
pub use trix::Trix;
