//! Candlestick pattern recognition with TA-Lib's CDL definitions.
