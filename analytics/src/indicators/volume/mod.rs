//! Volume: OBV, accumulation/distribution, ADOSC, VWAP, relative volume.

mod ad;
mod adosc;
mod obv;
mod relative_volume;
mod vwap;

pub use ad::AccumulationDistribution;
pub use adosc::ChaikinOscillator;
pub use obv::OnBalanceVolume;
pub use relative_volume::{RelativeVolume, VolumeRatio};
pub use vwap::Vwap;
