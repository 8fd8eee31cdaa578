//! Price channels: Donchian and Keltner.

mod donchian;
mod keltner;

pub use donchian::DonchianChannel;
pub use keltner::KeltnerChannel;
