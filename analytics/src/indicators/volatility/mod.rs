//! Volatility: true range, ATR, NATR, Bollinger bands.
