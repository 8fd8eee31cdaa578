//! Technical indicators, grouped by family, with TA-Lib's definitions and output start.

pub mod average;
pub mod rolling_sum;
