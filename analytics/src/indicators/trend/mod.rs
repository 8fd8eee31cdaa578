//! Trend strength and direction: ADX with +DI and -DI, parabolic SAR.
