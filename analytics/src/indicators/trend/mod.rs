//! Trend strength and direction: ADX with +DI and -DI, parabolic SAR.

mod adx;
mod sar;

pub use adx::{Adx, AdxOutput};
pub use sar::ParabolicSar;
