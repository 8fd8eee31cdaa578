//! Volume: OBV, accumulation/distribution, ADOSC, VWAP, relative volume.
