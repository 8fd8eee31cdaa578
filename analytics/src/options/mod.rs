//! Option pricing: Black-Scholes-Merton, implied volatility, American exercise and chain
//! analytics. Pure computation: no I/O, no async, no allocation on the European hot path.
//!
//! - [`bsm`]: European price and Greeks under Black-Scholes-Merton with a continuous
//!   dividend yield, all from one evaluation of d1, d2 and N() ([`bsm::valuation`]).
//!   Also the shared inputs: [`OptionKind`] and [`OptionInputs`].
//! - [`implied_vol`]: European implied volatility to machine precision with Jaeckel's
//!   "Let's Be Rational" (the `implied-vol` crate).
//! - [`american`]: American price, Greeks and implied volatility ([`AmericanPricer`]) by
//!   the Andersen-Lake-Offengenden fixed point (QuantLib's `QdFpAmericanEngine` method),
//!   with a Leisen-Reimer tree where it does not apply.
//! - [`normal`]: the standard normal density and distribution function, fast and exact in
//!   both tails.
//! - [`chain`]: analytics over a chain snapshot: smiles, term structure, put/call ratios,
//!   max pain, open-interest changes.
//!
//! Units follow QuantLib and the brokers: time in years of 365 calendar days (QuantLib's
//! Actual365Fixed), rates and dividend yields continuous and annual, theta per calendar
//! day, vega and rho per percentage point. `tests/golden_options.rs` checks the numbers
//! against QuantLib (golden files made by `scripts/golden/quantlib_golden.py`).

pub mod american;
pub mod bsm;
pub mod chain;
pub mod implied_vol;
pub mod normal;

pub use american::{AmericanPricer, AmericanValuation, LeisenReimer};
pub use bsm::{OptionInputs, OptionKind, Valuation, valuation};
pub use implied_vol::implied_volatility;

/// Why a price, a Greek or an implied volatility could not be computed.
///
/// Every message names the offending value and says what to change; none of these is
/// transient, so retrying with the same inputs gives the same error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptionsError {
    /// An input outside the model's domain (negative, zero where it must be positive,
    /// NaN or infinite).
    #[error("{field} = {value}: {requirement}")]
    InvalidInput {
        field: &'static str,
        value: f64,
        requirement: &'static str,
    },
    /// The option price is not above the smallest price any volatility gives.
    #[error(
        "price {price} is at or below the lower bound {bound} ({meaning}): no volatility \
         gives it; check the quote, the rate and the dividend yield"
    )]
    BelowLowerBound {
        price: f64,
        bound: f64,
        meaning: &'static str,
    },
    /// The option price is not below the largest price any volatility gives.
    #[error(
        "price {price} is at or above the upper bound {bound} ({meaning}): no volatility \
         gives it; check the quote, the rate and the dividend yield"
    )]
    AboveUpperBound {
        price: f64,
        bound: f64,
        meaning: &'static str,
    },
    /// A Leisen-Reimer tree with an even or too small step count.
    #[error(
        "a Leisen-Reimer tree needs an odd number of steps of at least 3, got {steps}: \
         use an odd count such as 1001"
    )]
    InvalidSteps { steps: usize },
    /// The root finder ran out of iterations (a defect: Brent's method on a bracketed,
    /// monotone price converges well within the limit).
    #[error(
        "implied volatility did not converge in {iterations} iterations (last bracket \
         [{low}, {high}]); report the inputs as a bug"
    )]
    NoConvergence {
        iterations: u32,
        low: f64,
        high: f64,
    },
}

impl OptionsError {
    pub(crate) fn invalid(field: &'static str, value: f64, requirement: &'static str) -> Self {
        Self::InvalidInput {
            field,
            value,
            requirement,
        }
    }
}
