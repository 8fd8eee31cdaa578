//! American options: price, Greeks and implied volatility.
//!
//! [`AmericanPricer`] prices by the fixed-point method of Andersen, Lake and Offengenden
//! (`american/fixed_point.rs`), the method of QuantLib's `QdFpAmericanEngine`: within
//! about 1e-6 of its `highPrecisionScheme()` on a $100 underlying out to five years, in
//! 0.2-0.3 ms. A Leisen-Reimer tree ([`LeisenReimer`], 1001 steps: ~1e-4 out to two
//! years, up to 3e-3 at five, in about the same time) covers the one case the fixed point
//! does not, two exercise boundaries (a put with q < r <= 0, a call with r < q <= 0), and
//! can be chosen instead.
//!
//! Shortcuts, each exact: at expiry the value is intrinsic; where early exercise is never
//! optimal (a call with q <= 0 and r >= q, a put with r <= 0 and q >= r) the value and
//! Greeks are the European ones from [`bsm`](super::bsm); at zero volatility (or where σ√T
//! is too small to resolve) the path is certain and the value is the best exercise date's
//! discounted payoff, in closed form.
//!
//! Greeks are central differences of prices (see [`AmericanValuation`]); implied
//! volatility is Brent's method on the price (see [`AmericanPricer::implied_volatility`]).

mod fixed_point;
mod leisen_reimer;

pub use leisen_reimer::LeisenReimer;

use super::OptionsError;
use super::bsm::{
    DAYS_PER_YEAR, OptionInputs, OptionKind, validate_volatility, valuation_unchecked,
};
use super::implied_vol::implied_volatility as european_implied_volatility;
use fixed_point::FixedPoint;

/// The top of the implied-volatility search (1000%), QuantLib's `maxVol` default.
const MAX_VOLATILITY: f64 = 10.0;
/// Brent iterations; convergence takes 10-20, so hitting this means a defect.
const MAX_ITERATIONS: u32 = 200;

/// An American option's price and Greeks, in the units of the European
/// [`Valuation`](super::Valuation).
///
/// Greeks are central differences of prices, each bumped price computed afresh:
/// - delta and gamma: spot ± 1% of one standard deviation of the terminal spot, S σ√T
///   (± 10% on the tree, whose exercise-boundary steps make small bumps noisy; between
///   1e-4 S and 0.1 S either way): bumps in proportion to the price's own scale in S keep
///   the truncation error small for a one-week option and the rounding small for a
///   five-year one;
/// - theta per day: -∂V/∂T / 365, the rate of change as time passes, like the European
///   `theta_per_day`, from `(V(T - δ) - V(T + δ)) / (2δ 365)` with δ = 1e-4 years (one
///   calendar day on the tree; at most T/2);
/// - vega per point: σ ± 0.0001 (± 0.01 on the tree; one-sided from σ = 0 when σ is
///   smaller than the bump), divided by 100;
/// - rho per point: r ± 0.0001 (± 0.001 on the tree), divided by 100.
///
/// Where early exercise is never optimal they are the European analytic Greeks. At expiry
/// the conventions are the European ones: intrinsic value, delta ±1, 0 or ±½, the rest 0.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AmericanValuation {
    pub price: f64,
    pub delta: f64,
    pub gamma: f64,
    pub theta_per_day: f64,
    pub vega_per_point: f64,
    pub rho_per_point: f64,
}

/// Prices American options; holds the quadrature tables of the fixed-point method, so
/// build one and reuse it.
#[derive(Debug, Clone)]
pub struct AmericanPricer {
    /// `None` when the tree was chosen for everything.
    fixed_point: Option<FixedPoint>,
    tree: LeisenReimer,
}

impl Default for AmericanPricer {
    fn default() -> Self {
        Self::new()
    }
}

/// How a value is computed, chosen once per call from the base inputs so that the bumped
/// prices behind a Greek all come from the same method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    European,
    FixedPoint,
    Tree,
}

/// Bumps of a method's Greeks: spot in standard deviations of the terminal spot, time in
/// years, volatility and rate absolute.
struct Bumps {
    spot_deviations: f64,
    years: f64,
    volatility: f64,
    rate: f64,
}

impl Method {
    fn bumps(self) -> Bumps {
        match self {
            // Smooth to ~1e-11 of the strike in every input (the boundary iteration stops
            // at 1e-10): small bumps, small truncation error.
            Self::European | Self::FixedPoint => Bumps {
                spot_deviations: 0.01,
                years: 1e-4,
                volatility: 1e-4,
                rate: 1e-4,
            },
            // The exercise boundary moves across nodes in steps; bumps must average them.
            Self::Tree => Bumps {
                spot_deviations: 0.1,
                years: 1.0 / DAYS_PER_YEAR,
                volatility: 1e-2,
                rate: 1e-3,
            },
        }
    }
}

impl AmericanPricer {
    /// The fixed-point method, with the tree only for two-boundary cases.
    pub fn new() -> Self {
        Self {
            fixed_point: Some(FixedPoint::default()),
            tree: LeisenReimer::default(),
        }
    }

    /// The Leisen-Reimer tree for every case.
    pub fn leisen_reimer(tree: LeisenReimer) -> Self {
        Self {
            fixed_point: None,
            tree,
        }
    }

    /// The American price at volatility `volatility` (annual, 0.2 is 20%).
    pub fn price(&self, inputs: &OptionInputs, volatility: f64) -> Result<f64, OptionsError> {
        inputs.validate()?;
        validate_volatility(volatility)?;
        Ok(self.value(inputs, volatility, self.method(inputs)))
    }

    /// Price and Greeks; see [`AmericanValuation`] for how each is computed.
    pub fn valuation(
        &self,
        inputs: &OptionInputs,
        volatility: f64,
    ) -> Result<AmericanValuation, OptionsError> {
        inputs.validate()?;
        validate_volatility(volatility)?;
        let method = self.method(inputs);
        if method == Method::European || inputs.years == 0.0 {
            let v = valuation_unchecked(inputs, volatility);
            return Ok(AmericanValuation {
                price: v.price,
                delta: v.delta,
                gamma: v.gamma,
                theta_per_day: v.theta_per_day,
                vega_per_point: v.vega_per_point,
                rho_per_point: v.rho_per_point,
            });
        }
        let bumps = method.bumps();
        let at = |o: OptionInputs, sigma: f64| self.value(&o, sigma, method);
        let o = *inputs;

        let deviation = volatility * o.years.sqrt();
        // Capped at 10% of spot: beyond σ√T of 1 (tree) or 10 the deviation would take the
        // down bump to or below zero.
        let h = o.spot * (bumps.spot_deviations * deviation).clamp(1e-4, 0.1);
        let spots = [o.spot, o.spot + h, o.spot - h];
        // The fixed point's boundary does not depend on the spot: one solve for three.
        let shared = match (method, &self.fixed_point) {
            (Method::FixedPoint, Some(fp)) => fp.values_at_spots(&o, volatility, spots),
            _ => None,
        };
        let [price, up, down] = shared
            .map(|values| values.map(|v| v.min(upper_bound(&o))))
            .unwrap_or_else(|| spots.map(|spot| at(OptionInputs { spot, ..o }, volatility)));

        let dt = bumps.years.min(0.5 * o.years);
        let sooner = at(
            OptionInputs {
                years: o.years - dt,
                ..o
            },
            volatility,
        );
        let later = at(
            OptionInputs {
                years: o.years + dt,
                ..o
            },
            volatility,
        );

        let vol_up = volatility + bumps.volatility;
        let vol_down = (volatility - bumps.volatility).max(0.0);
        let vega = (at(o, vol_up) - at(o, vol_down)) / (vol_up - vol_down);

        let hr = bumps.rate;
        let rate_up = at(
            OptionInputs {
                rate: o.rate + hr,
                ..o
            },
            volatility,
        );
        let rate_down = at(
            OptionInputs {
                rate: o.rate - hr,
                ..o
            },
            volatility,
        );

        Ok(AmericanValuation {
            price,
            delta: (up - down) / (2.0 * h),
            gamma: (up - 2.0 * price + down) / (h * h),
            theta_per_day: (sooner - later) / (2.0 * dt * DAYS_PER_YEAR),
            vega_per_point: vega / 100.0,
            rho_per_point: (rate_up - rate_down) / (2.0 * hr) / 100.0,
        })
    }

    /// The volatility at which the American price equals `price`: Brent's method (inverse
    /// quadratic interpolation safeguarded by bisection) on the price, which rises with σ,
    /// to 1e-12 in σ.
    ///
    /// The search brackets [0, σ_E], where σ_E is the European implied volatility of the
    /// same price (an American option is worth at least the European, so σ_E is an upper
    /// bound), and widens to 1000% when σ_E does not exist.
    ///
    /// Errors: at or below the zero-volatility value (the best exercise date's payoff on
    /// the certain forward path, at least the intrinsic value; a price there is reached by
    /// every small enough σ) or at or above the value at 1000% volatility, the error names
    /// the bound; needs `years > 0`.
    pub fn implied_volatility(
        &self,
        inputs: &OptionInputs,
        price: f64,
    ) -> Result<f64, OptionsError> {
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
        let method = self.method(inputs);
        let f = |sigma: f64| self.value(inputs, sigma, method) - price;
        let at_zero = f(0.0);
        if at_zero >= 0.0 {
            return Err(OptionsError::BelowLowerBound {
                price,
                bound: price + at_zero,
                meaning: "American value at zero volatility: the best exercise date's payoff \
                          on the certain forward path",
            });
        }
        let european_bracket = european_implied_volatility(inputs, price)
            .ok()
            .filter(|&sigma| sigma < MAX_VOLATILITY)
            .map(|sigma| (sigma, f(sigma)))
            .filter(|&(_, f_sigma)| f_sigma >= 0.0);
        let (high, f_high) = match european_bracket {
            Some(bracket) => bracket,
            None => {
                let f_max = f(MAX_VOLATILITY);
                if f_max <= 0.0 {
                    return Err(OptionsError::AboveUpperBound {
                        price,
                        bound: price + f_max,
                        meaning: "American value at 1000% volatility, the top of the search",
                    });
                }
                (MAX_VOLATILITY, f_max)
            }
        };
        brent(f, 0.0, high, at_zero, f_high, 1e-12)
    }

    /// Early exercise can matter (fixed point or tree) or never does (European), decided
    /// at the base inputs.
    fn method(&self, inputs: &OptionInputs) -> Method {
        let (r, q) = (inputs.rate, inputs.dividend_yield);
        // In put terms (a call is a put with S and K, r and q swapped): r' <= 0 and
        // q' >= r' never exercise early; r' > 0 has one boundary; q' < r' <= 0 has two.
        let (put_rate, put_yield) = match inputs.kind {
            OptionKind::Put => (r, q),
            OptionKind::Call => (q, r),
        };
        if put_rate <= 0.0 && put_yield >= put_rate {
            Method::European
        } else if put_rate > 0.0 && self.fixed_point.is_some() {
            Method::FixedPoint
        } else {
            Method::Tree
        }
    }

    /// The price for validated inputs.
    fn value(&self, inputs: &OptionInputs, sigma: f64, method: Method) -> f64 {
        if inputs.years == 0.0 {
            return inputs.kind.intrinsic(inputs.spot, inputs.strike);
        }
        let value = match method {
            Method::European => return valuation_unchecked(inputs, sigma).price,
            Method::FixedPoint => self
                .fixed_point
                .as_ref()
                .and_then(|fp| fp.value(inputs, sigma))
                .or_else(|| self.tree.value(inputs, sigma)),
            Method::Tree => self.tree.value(inputs, sigma),
        };
        // Only σ√T beyond ~20, where the tree's top nodes overflow, can push the value past
        // what the option can never be worth.
        value
            .unwrap_or_else(|| certain_path_value(inputs))
            .min(upper_bound(inputs))
    }
}

/// No American option is worth more: a call at most the spot (or its discounted value when
/// q < 0 makes holding it better), a put at most the strike (or its value at expiry when
/// r < 0 makes waiting better).
fn upper_bound(inputs: &OptionInputs) -> f64 {
    let OptionInputs {
        spot,
        strike,
        years,
        rate,
        dividend_yield,
        ..
    } = *inputs;
    match inputs.kind {
        OptionKind::Call => spot * (-dividend_yield * years).exp().max(1.0),
        OptionKind::Put => strike * (-rate * years).exp().max(1.0),
    }
}

/// Zero volatility: S_t = S e^{(r-q)t} is certain, and the holder exercises at the t in
/// [0, T] maximising e^{-rt} ω(S_t - K) = ω(S e^{-qt} - K e^{-rt}). Its derivative vanishes
/// at most once, where q S e^{-qt} = r K e^{-rt}, so the best t is an end or that point.
fn certain_path_value(inputs: &OptionInputs) -> f64 {
    let OptionInputs {
        kind,
        spot: s,
        strike: k,
        years: t,
        rate: r,
        dividend_yield: q,
    } = *inputs;
    let w = kind.sign();
    let payoff = |time: f64| w * (s * (-q * time).exp() - k * (-r * time).exp());
    let mut best = payoff(0.0).max(payoff(t));
    if r != q && r * q > 0.0 {
        let stationary = (r * k / (q * s)).ln() / (r - q);
        if stationary > 0.0 && stationary < t {
            best = best.max(payoff(stationary));
        }
    }
    best.max(0.0)
}

/// Brent's root finder (Brent 1973, as in Numerical Recipes' `zbrent`) on a bracket with
/// `f(a) < 0 <= f(b)`, to `tolerance` in x.
fn brent(
    f: impl Fn(f64) -> f64,
    a: f64,
    b: f64,
    fa: f64,
    fb: f64,
    tolerance: f64,
) -> Result<f64, OptionsError> {
    let (mut a, mut b, mut fa, mut fb) = (a, b, fa, fb);
    let (mut c, mut fc) = (b, fb);
    let mut d = b - a;
    let mut e = d;
    for _ in 0..MAX_ITERATIONS {
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            // Keep the root between b and c.
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            (a, b, c) = (b, c, b);
            (fa, fb, fc) = (fb, fc, fb);
        }
        let tol = 2.0 * f64::EPSILON * b.abs() + 0.5 * tolerance;
        let half = 0.5 * (c - b);
        if half.abs() <= tol || fb == 0.0 {
            return Ok(b);
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            // Inverse quadratic interpolation (secant when only two points differ).
            let s = fb / fa;
            let (mut p, mut q) = if a == c {
                (2.0 * half * s, 1.0 - s)
            } else {
                let qa = fa / fc;
                let r = fb / fc;
                (
                    s * (2.0 * half * qa * (qa - r) - (b - a) * (r - 1.0)),
                    (qa - 1.0) * (r - 1.0) * (s - 1.0),
                )
            };
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            // Accept the step only if it stays inside the bracket and shrinks fast enough.
            if 2.0 * p < (3.0 * half * q - (tol * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = half;
                e = d;
            }
        } else {
            d = half;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(half) };
        fb = f(b);
    }
    Err(OptionsError::NoConvergence {
        iterations: MAX_ITERATIONS,
        low: b.min(c),
        high: b.max(c),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::bsm;

    fn inputs(kind: OptionKind, strike: f64, years: f64, r: f64, q: f64) -> OptionInputs {
        OptionInputs {
            kind,
            spot: 100.0,
            strike,
            years,
            rate: r,
            dividend_yield: q,
        }
    }

    fn pricers() -> [AmericanPricer; 2] {
        [
            AmericanPricer::new(),
            AmericanPricer::leisen_reimer(LeisenReimer::default()),
        ]
    }

    /// QuantLib 1.44, QdFpAmericanEngine with highPrecisionScheme(): S = 100, K = 110,
    /// T = 1 (365 days), r = 5%, q = 0, σ = 30%.
    #[test]
    fn quantlib_reference_put() {
        let o = inputs(OptionKind::Put, 110.0, 1.0, 0.05, 0.0);
        let [fixed_point, tree] = pricers().map(|p| p.price(&o, 0.3).unwrap_or(f64::NAN));
        assert!((fixed_point - QDFP_PUT_110).abs() < 1e-6, "{fixed_point}");
        assert!((tree - QDFP_PUT_110).abs() < 1e-3, "{tree}");
    }
    const QDFP_PUT_110: f64 = 15.61767067913487;

    /// Put-call symmetry holds for American options: C(S, K, r, q) = P(K, S, q, r).
    #[test]
    fn calls_are_puts_with_roles_swapped() {
        let pricer = AmericanPricer::new();
        let call = OptionInputs {
            kind: OptionKind::Call,
            spot: 100.0,
            strike: 95.0,
            years: 1.5,
            rate: 0.02,
            dividend_yield: 0.06,
        };
        let put = OptionInputs {
            kind: OptionKind::Put,
            spot: 95.0,
            strike: 100.0,
            rate: 0.06,
            dividend_yield: 0.02,
            ..call
        };
        let c = pricer.price(&call, 0.3).unwrap_or(f64::NAN);
        let p = pricer.price(&put, 0.3).unwrap_or(f64::NAN);
        assert!((c - p).abs() < 1e-12, "{c} vs {p}");
        let tree = AmericanPricer::leisen_reimer(LeisenReimer::default());
        assert!((tree.price(&call, 0.3).unwrap_or(f64::NAN) - c).abs() < 1e-3);
    }

    #[test]
    fn american_is_at_least_european_and_intrinsic() {
        for pricer in pricers() {
            for (kind, k, r, q) in [
                (OptionKind::Put, 90.0, 0.05, 0.0),
                (OptionKind::Put, 120.0, 0.08, 0.02),
                (OptionKind::Call, 80.0, 0.02, 0.06),
                (OptionKind::Call, 110.0, 0.01, 0.03),
            ] {
                let o = inputs(kind, k, 0.75, r, q);
                let am = pricer.price(&o, 0.25).unwrap_or(f64::NAN);
                let eu = bsm::price(&o, 0.25).unwrap_or(f64::NAN);
                assert!(am >= eu - 1e-4, "{kind:?} {k}: {am} < {eu}");
                assert!(am >= kind.intrinsic(100.0, k));
            }
            // Deep in the money with a high rate: exercise now.
            let deep = inputs(OptionKind::Put, 200.0, 1.0, 0.1, 0.0);
            assert_eq!(pricer.price(&deep, 0.2), Ok(100.0));
        }
    }

    /// Calls without dividends (and puts at negative rates without a lower yield) are
    /// never exercised early: the European price and Greeks, exactly.
    #[test]
    fn no_early_exercise_is_european() {
        for (kind, r, q) in [
            (OptionKind::Call, 0.04, 0.0),
            (OptionKind::Call, -0.01, -0.02),
            (OptionKind::Put, -0.01, 0.0),
            (OptionKind::Put, -0.02, -0.01),
        ] {
            let o = inputs(kind, 105.0, 0.5, r, q);
            let am = AmericanPricer::new().valuation(&o, 0.2).unwrap_or_default();
            let eu = bsm::valuation(&o, 0.2).unwrap_or_default();
            assert!(eu.price > 0.0);
            assert_eq!(
                (am.price, am.delta, am.rho_per_point),
                (eu.price, eu.delta, eu.rho_per_point),
                "{kind:?} {r} {q}"
            );
        }
    }

    /// A put with q < r < 0 has two exercise boundaries; the tree prices it, and it is
    /// worth more than the European (early exercise pays).
    #[test]
    fn two_boundaries_go_to_the_tree() {
        let o = inputs(OptionKind::Put, 110.0, 2.0, -0.01, -0.03);
        let am = AmericanPricer::new().price(&o, 0.2).unwrap_or(f64::NAN);
        let tree = LeisenReimer::default().value(&o, 0.2).unwrap_or(f64::NAN);
        let eu = bsm::price(&o, 0.2).unwrap_or(f64::NAN);
        assert_eq!(am, tree);
        assert!(am > eu + 0.01 && am >= 10.0, "{am} {eu}");
    }

    #[test]
    fn zero_volatility_takes_the_best_exercise_date() {
        for pricer in pricers() {
            // Put, r > 0, no dividends: exercise now if in the money.
            let put = inputs(OptionKind::Put, 110.0, 1.0, 0.05, 0.0);
            assert_eq!(pricer.price(&put, 0.0), Ok(10.0));
            // Call with a large yield: exercise now.
            let call = inputs(OptionKind::Call, 90.0, 1.0, 0.01, 0.2);
            assert_eq!(pricer.price(&call, 0.0), Ok(10.0));
            // Out of the money today but in the money on the forward path (r > q lifts
            // the forward above the strike): exercise at expiry.
            let drift = inputs(OptionKind::Call, 101.0, 1.0, 0.05, 0.01);
            let want = 100.0 * (-0.01f64).exp() - 101.0 * (-0.05f64).exp();
            assert!((pricer.price(&drift, 0.0).unwrap_or(f64::NAN) - want).abs() < 1e-12);
            // Both r and q positive: an interior date can be best, and a tiny volatility
            // agrees with the closed form.
            let interior = inputs(OptionKind::Put, 100.5, 2.0, 0.02, 0.03);
            let closed = pricer.price(&interior, 0.0).unwrap_or(f64::NAN);
            let small = pricer.price(&interior, 1e-4).unwrap_or(f64::NAN);
            assert!(
                closed > 0.5 && (small - closed).abs() < 1e-3,
                "{closed} {small}"
            );
        }
    }

    #[test]
    fn greeks_match_european_where_early_exercise_is_worth_little() {
        // A short-dated out-of-the-money put: the early exercise premium is tiny, so the
        // American Greeks are close to the European analytic ones.
        let o = inputs(OptionKind::Put, 90.0, 30.0 / 365.0, 0.02, 0.01);
        let eu = bsm::valuation(&o, 0.25).unwrap_or_default();
        for pricer in pricers() {
            let am = pricer.valuation(&o, 0.25).unwrap_or_default();
            let pairs = [
                (am.delta, eu.delta),
                (am.gamma, eu.gamma),
                (am.theta_per_day, eu.theta_per_day),
                (am.vega_per_point, eu.vega_per_point),
                (am.rho_per_point, eu.rho_per_point),
            ];
            for (i, (a, e)) in pairs.into_iter().enumerate() {
                assert!((a - e).abs() <= 0.02 * e.abs() + 1e-4, "#{i}: {a} vs {e}");
            }
        }
        // Expiry today.
        let today = AmericanPricer::new()
            .valuation(
                &OptionInputs {
                    years: 0.0,
                    strike: 110.0,
                    ..o
                },
                0.25,
            )
            .unwrap_or_default();
        assert_eq!(
            today,
            AmericanValuation {
                price: 10.0,
                delta: -1.0,
                ..AmericanValuation::default()
            }
        );
    }

    #[test]
    fn implied_volatility_round_trips() {
        for pricer in pricers() {
            for (kind, k, t, r, q) in [
                (OptionKind::Put, 100.0, 0.5, 0.05, 0.0),
                (OptionKind::Put, 80.0, 2.0, 0.03, 0.01),
                (OptionKind::Put, 120.0, 0.25, 0.06, 0.0),
                (OptionKind::Call, 90.0, 1.0, 0.01, 0.05),
                (OptionKind::Call, 130.0, 0.1, 0.02, 0.03),
                (OptionKind::Call, 100.0, 1.0, 0.03, 0.0),
            ] {
                for sigma in [0.05, 0.2, 0.6, 1.5] {
                    let o = inputs(kind, k, t, r, q);
                    let p = pricer.price(&o, sigma).unwrap_or(f64::NAN);
                    if p == pricer.price(&o, 0.0).unwrap_or(f64::NAN) {
                        // Exercised now whatever the volatility up to σ: the price does
                        // not identify σ, and the solver says it is at the lower bound.
                        assert!(matches!(
                            pricer.implied_volatility(&o, p),
                            Err(OptionsError::BelowLowerBound { .. })
                        ));
                        continue;
                    }
                    let iv = pricer
                        .implied_volatility(&o, p)
                        .unwrap_or_else(|e| panic!("{kind:?} {k} {t} σ={sigma} p={p}: {e}"));
                    // σ is as exact as the price lets it be: 1e-10, or a few ulps of the
                    // price over vega where the price is insensitive to σ.
                    let bumped = pricer.price(&o, sigma * 1.001).unwrap_or(f64::NAN);
                    let vega = (bumped - p) / (sigma * 0.001);
                    let tolerance = 1e-10_f64.max(16.0 * f64::EPSILON * p / vega);
                    assert!(
                        (iv - sigma).abs() <= tolerance,
                        "{kind:?} {k} {t} σ={sigma}: {iv} ({:e} > {tolerance:e})",
                        (iv - sigma).abs()
                    );
                }
            }
        }
    }

    #[test]
    fn implied_volatility_outside_bounds_says_which() {
        let pricer = AmericanPricer::new();
        let put = inputs(OptionKind::Put, 110.0, 1.0, 0.05, 0.0);
        // Below intrinsic (10): no volatility.
        match pricer.implied_volatility(&put, 9.5) {
            Err(OptionsError::BelowLowerBound { bound, .. }) => assert_eq!(bound, 10.0),
            other => panic!("{other:?}"),
        }
        let message = pricer
            .implied_volatility(&put, 10.0)
            .map_err(|e| e.to_string());
        assert!(
            matches!(&message, Err(m) if m.contains("lower bound 10")),
            "{message:?}"
        );
        assert!(matches!(
            pricer.implied_volatility(&put, 110.0),
            Err(OptionsError::AboveUpperBound { .. })
        ));
        assert!(matches!(
            pricer.implied_volatility(&put, f64::NAN),
            Err(OptionsError::InvalidInput { field: "price", .. })
        ));
    }

    #[test]
    fn brent_finds_roots_to_tolerance() {
        let f = |x: f64| x * x * x - 2.0;
        let root = brent(f, 0.0, 2.0, f(0.0), f(2.0), 1e-14).unwrap_or(f64::NAN);
        assert!((root - 2f64.cbrt()).abs() < 1e-14);
    }

    /// Random inputs over wide ranges, both methods: finite prices within bounds, no
    /// panic.
    #[test]
    fn random_inputs_price_to_finite_values() {
        let pricers = [
            AmericanPricer::new(),
            AmericanPricer::leisen_reimer(LeisenReimer::new(101).unwrap_or_default()),
        ];
        let mut state = 0x1234_5678_9abc_def0_u64;
        let mut uniform = |low: f64, high: f64| {
            // xorshift64*: enough for a sweep.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let bits = state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
            low + (high - low) * (bits as f64 / (1u64 << 53) as f64)
        };
        for i in 0..4_000 {
            let s = 10f64.powf(uniform(-3.0, 5.0));
            let o = OptionInputs {
                kind: if i % 2 == 0 {
                    OptionKind::Call
                } else {
                    OptionKind::Put
                },
                spot: s,
                strike: s * 10f64.powf(uniform(-1.5, 1.5)),
                years: if i % 7 == 0 { 0.0 } else { uniform(0.0, 30.0) },
                rate: uniform(-0.05, 0.25),
                dividend_yield: uniform(-0.02, 0.2),
            };
            let sigma = if i % 5 == 0 {
                uniform(0.0, 1e-6)
            } else {
                uniform(0.0, 6.0)
            };
            let pricer = &pricers[i % 2];
            let p = pricer.price(&o, sigma).unwrap_or(f64::NAN);
            assert!(
                p.is_finite() && p >= o.kind.intrinsic(o.spot, o.strike) && p <= upper_bound(&o),
                "{o:?} σ={sigma}: {p}"
            );
        }
    }
}
