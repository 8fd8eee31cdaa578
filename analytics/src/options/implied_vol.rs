//! European implied volatility with Jaeckel's "Let's Be Rational" (the `implied-vol`
//! crate): full double precision for every price strictly inside the no-arbitrage bounds,
//! in at most two Householder steps, deep out of the money and short-dated included.
//!
//! The crate works on undiscounted Black prices: with F = S e^{(r-q)T}, the BSM price
//! P is e^{-rT} Black(F, K, T, σ), so it is given `P e^{rT}` and F.

use super::OptionsError;
use super::bsm::{OptionInputs, OptionKind};
use implied_vol::{DefaultSpecialFn, ImpliedBlackVolatility};

const LOWER_MEANING: &str =
    "discounted intrinsic value of the forward, max(0, ±(S e^{-qT} - K e^{-rT}))";
const CALL_UPPER_MEANING: &str = "a call is worth less than the discounted spot S e^{-qT}";
const PUT_UPPER_MEANING: &str = "a put is worth less than the discounted strike K e^{-rT}";

/// The volatility at which the BSM price of `inputs` equals `price`.
///
/// `price` must lie strictly between the discounted intrinsic value of the forward and the
/// discounted spot (calls) or strike (puts); at or outside those bounds no volatility gives
/// it (at the lower bound every σ → 0 does), and the error says which bound was crossed.
/// Needs `years > 0`: at expiry the price carries no information about volatility.
pub fn implied_volatility(inputs: &OptionInputs, price: f64) -> Result<f64, OptionsError> {
    inputs.validate()?;
    if inputs.years == 0.0 {
        return Err(OptionsError::invalid(
            "years",
            0.0,
            "implied volatility needs time to expiry > 0: at expiry the price is the \
             intrinsic value whatever the volatility",
        ));
    }
    if !(price >= 0.0 && price.is_finite()) {
        return Err(OptionsError::invalid(
            "price",
            price,
            "the option price must be finite and >= 0",
        ));
    }
    let OptionInputs {
        kind,
        spot,
        strike,
        years,
        rate,
        dividend_yield,
    } = *inputs;
    let discount = (-rate * years).exp();
    let forward = spot * ((rate - dividend_yield) * years).exp();
    let undiscounted = price / discount;
    let is_call = kind == OptionKind::Call;
    let lower = kind.intrinsic(forward, strike);
    let (upper, upper_meaning) = if is_call {
        (forward, CALL_UPPER_MEANING)
    } else {
        (strike, PUT_UPPER_MEANING)
    };
    let below = || OptionsError::BelowLowerBound {
        price,
        bound: lower * discount,
        meaning: LOWER_MEANING,
    };
    let above = || OptionsError::AboveUpperBound {
        price,
        bound: upper * discount,
        meaning: upper_meaning,
    };
    if !forward.is_finite() {
        return Err(OptionsError::invalid(
            "years",
            years,
            "the forward S e^{(r-q)T} overflows: (rate - dividend_yield) x years is too large",
        ));
    }
    if undiscounted <= lower {
        return Err(below());
    }
    if undiscounted >= upper {
        return Err(above());
    }
    let sigma = ImpliedBlackVolatility::builder()
        .option_price(undiscounted)
        .forward(forward)
        .strike(strike)
        .expiry(years)
        .is_call(is_call)
        .build_unchecked()
        .calculate::<DefaultSpecialFn>();
    // The solver answers 0 for a time value too small for a double to tell from the lower
    // bound, None outside the attainable range and infinity at the cap; the last two can
    // happen within an ulp of a bound let through above. All mean the nearer bound.
    match sigma {
        Some(sigma) if sigma > 0.0 && sigma.is_finite() => Ok(sigma),
        _ if undiscounted - lower < upper - undiscounted => Err(below()),
        _ => Err(above()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::bsm::{price, valuation};

    fn inputs(kind: OptionKind, strike: f64, years: f64) -> OptionInputs {
        OptionInputs {
            kind,
            spot: 100.0,
            strike,
            years,
            rate: 0.03,
            dividend_yield: 0.01,
        }
    }

    /// price(σ) → IV → σ to 1e-12 relative over moneyness, expiry and volatility, with
    /// both kinds at every strike. The tolerance widens only where the price itself cannot
    /// carry 1e-12 of σ: deep in the money the time value is a sliver of the price, and
    /// its rounding moves σ by `rounding / vega`.
    #[test]
    fn round_trips_to_machine_precision() {
        let strikes = [
            20.0, 50.0, 70.0, 80.0, 90.0, 95.0, 99.0, 100.0, 101.0, 105.0, 110.0, 125.0, 150.0,
            200.0, 400.0,
        ];
        let years = [
            1.0 / 365.0,
            2.0 / 365.0,
            7.0 / 365.0,
            30.0 / 365.0,
            0.25,
            1.0,
            5.0,
            30.0,
        ];
        let vols = [0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 3.0];
        let (mut checked, mut at_machine, mut worst) = (0, 0, 0.0f64);
        for kind in [OptionKind::Call, OptionKind::Put] {
            for &k in &strikes {
                for &t in &years {
                    for &sigma in &vols {
                        let o = inputs(kind, k, t);
                        let v = valuation(&o, sigma).expect("valid");
                        // Below ~1e-300 the price is too close to underflow to carry σ.
                        let time_value = v.price - kind.intrinsic(100.0, k).min(v.price);
                        if v.price < 1e-300 || time_value == 0.0 {
                            continue;
                        }
                        let vega = v.vega_per_point * 100.0;
                        // Out of the money the whole price is time value, known to a few ulps.
                        // In the money the time value is the price minus a bound made of
                        // S e^{-qT} and K e^{-rT}, each rounded: known to about ε (S + K).
                        let forward = 100.0 * (0.02 * t).exp();
                        let noise = if kind.intrinsic(forward, k) == 0.0 {
                            4.0 * f64::EPSILON * v.price
                        } else {
                            4.0 * f64::EPSILON * (100.0 + k)
                        };
                        let tolerance = 1e-12_f64.max(noise / (vega * sigma));
                        if tolerance > 1e-6 {
                            // σ is not determined by a double price; covered by the
                            // bound tests below.
                            continue;
                        }
                        let iv = implied_volatility(&o, v.price)
                            .unwrap_or_else(|e| panic!("{kind:?} K={k} T={t} σ={sigma}: {e}"));
                        let rel = (iv - sigma).abs() / sigma;
                        assert!(
                            rel <= tolerance,
                            "{kind:?} K={k} T={t} σ={sigma}: iv {iv}, rel {rel:e} > {tolerance:e}"
                        );
                        checked += 1;
                        if tolerance == 1e-12 {
                            at_machine += 1;
                            worst = worst.max(rel);
                        }
                    }
                }
            }
        }
        // 1920 combinations; the rest underflow or sit on the lower bound in double precision.
        assert!(
            checked >= 1300 && at_machine >= 1200,
            "{checked} {at_machine} {worst:e}"
        );
    }

    /// One day to expiry, 30% out of the money, 20% vol: the price is ~1e-160 of spot,
    /// and σ still comes back to full precision.
    #[test]
    fn short_dated_far_out_of_the_money() {
        for (kind, k) in [(OptionKind::Call, 130.0), (OptionKind::Put, 70.0)] {
            let o = inputs(kind, k, 1.0 / 365.0);
            let p = price(&o, 0.2).expect("valid");
            assert!(p > 0.0 && p < 1e-100, "{p}");
            let iv = implied_volatility(&o, p).expect("valid");
            assert!((iv - 0.2).abs() <= 1e-12 * 0.2, "{iv}");
        }
    }

    #[test]
    fn prices_outside_the_bounds_say_which() {
        let call = inputs(OptionKind::Call, 90.0, 1.0);
        let lower = 100.0 * (-0.01f64).exp() - 90.0 * (-0.03f64).exp();
        match implied_volatility(&call, lower - 0.01) {
            Err(OptionsError::BelowLowerBound { bound, .. }) => {
                assert!((bound - lower).abs() < 1e-12)
            }
            other => panic!("{other:?}"),
        }
        let message = implied_volatility(&call, 0.0)
            .expect_err("an error")
            .to_string();
        assert!(message.contains("lower bound"), "{message}");
        match implied_volatility(&call, 100.0) {
            Err(OptionsError::AboveUpperBound { bound, .. }) => {
                assert!((bound - 100.0 * (-0.01f64).exp()).abs() < 1e-12)
            }
            other => panic!("{other:?}"),
        }
        let put = inputs(OptionKind::Put, 90.0, 1.0);
        assert!(matches!(
            implied_volatility(&put, 0.0),
            Err(OptionsError::BelowLowerBound { .. })
        ));
        assert!(matches!(
            implied_volatility(&put, 90.0),
            Err(OptionsError::AboveUpperBound { .. })
        ));
        assert!(matches!(
            implied_volatility(&put, f64::NAN),
            Err(OptionsError::InvalidInput { field: "price", .. })
        ));
        assert!(matches!(
            implied_volatility(&inputs(OptionKind::Put, 90.0, 0.0), 1.0),
            Err(OptionsError::InvalidInput { field: "years", .. })
        ));
    }

    /// Just inside the bounds there is still an answer.
    #[test]
    fn prices_just_inside_the_bounds_solve() {
        let o = inputs(OptionKind::Call, 100.0, 0.5);
        let high = 100.0 * (-0.005f64).exp() * (1.0 - 1e-9);
        let iv = implied_volatility(&o, high).expect("valid");
        assert!(iv > 5.0 && (price(&o, iv).expect("valid") - high).abs() < 1e-9);
        let otm = OptionInputs {
            kind: OptionKind::Put,
            ..o
        };
        // mpmath at 60 digits, bisecting the BSM put price for 1e-30.
        let want = 0.001_281_203_047_859_991_2;
        let iv = implied_volatility(&otm, 1e-30).expect("valid");
        assert!((iv / want - 1.0).abs() < 1e-12, "{iv}");
    }
}
