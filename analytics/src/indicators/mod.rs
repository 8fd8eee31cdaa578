//! Technical indicators with TA-Lib's definitions: the same seeds, smoothing, population
//! standard deviation and output start index, so that our numbers agree with TA-Lib's to
//! 1e-9 relative (checked against golden files made by `scripts/golden/`).
//!
//! One file per indicator, grouped by family. Every indicator has `new(params)` (which
//! refuses parameters TA-Lib refuses), an O(1) `update` per input, `value` (None until the
//! first output TA-Lib would print), `is_ready` and `reset`. Close-based indicators take an
//! `f64`; those that need the range or volume take a [`Candle`].

pub mod average;
pub mod channel;
pub mod momentum;
pub mod oscillator;
pub(crate) mod rolling_extreme;
pub mod rolling_sum;
pub mod spec;
#[cfg(test)]
pub(crate) mod test_support;
pub mod trend;
pub mod volatility;
pub mod volume;

/// One bar's prices and volume, the input of range- and volume-based indicators.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Candle {
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

/// A parameter an indicator cannot work with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{indicator}: {message}")]
pub struct IndicatorError {
    pub indicator: &'static str,
    pub message: String,
}

impl IndicatorError {
    pub fn new(indicator: &'static str, message: impl Into<String>) -> Self {
        Self {
            indicator,
            message: message.into(),
        }
    }
}

/// TA-Lib's largest period for every indicator here.
const TA_LIB_MAX_PERIOD: usize = 100_000;

/// `period` if TA-Lib accepts it (`min..=100_000`). One validator for every family so the
/// bound and the wording of the refusal cannot drift apart between indicators; `name` is
/// the parameter as the caller knows it ("period", "fast period", ...).
pub(crate) fn checked_period(
    indicator: &'static str,
    name: &str,
    period: usize,
    min: usize,
) -> Result<usize, IndicatorError> {
    if (min..=TA_LIB_MAX_PERIOD).contains(&period) {
        Ok(period)
    } else {
        Err(IndicatorError::new(
            indicator,
            format!("{name} must be between {min} and {TA_LIB_MAX_PERIOD}, got {period}"),
        ))
    }
}
