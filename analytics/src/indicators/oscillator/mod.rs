//! Range oscillators: STOCH, WILLR, CCI, AROON, MFI.

mod aroon;
mod cci;
mod dead_zone;
mod mfi;
mod stoch;
mod willr;

pub use aroon::{Aroon, AroonOutput};
pub use cci::Cci;
pub use mfi::Mfi;
pub use stoch::{Stochastic, StochasticOutput};
pub use willr::WilliamsR;
