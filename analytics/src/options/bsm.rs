//! Black-Scholes-Merton for European options with a continuous dividend yield `q`:
//! the price and nine Greeks from one evaluation of d1, d2, n(d1), N(±d1) and N(±d2).
//!
//! ```text
//! F = S e^{(r-q)T}    d1 = ln(F/K)/(σ√T) + σ√T/2    d2 = d1 - σ√T    ω = +1 call, -1 put
//! price = ω (S e^{-qT} N(ω d1) - K e^{-rT} N(ω d2))
//! ```
//!
//! N() comes from [`normal`](super::normal): the density times the Mills ratio, to a few
//! ulps and with full relative precision in both tails, for no exponential beyond the
//! density's. φ(d2) follows from φ(d1) as φ(d1)·F/K, so N(d1), N(d2), φ(d1) and φ(d2)
//! cost one exponential together.
//!
//! The price is that difference of two N() terms only where it keeps its digits. Out of
//! the money with a small σ√T the terms agree to many digits (a one-day option 5% out of
//! the money at 5% volatility keeps six: 4e-10 relative error), and there the price is
//! the lower no-arbitrage bound plus the time value from Jaeckel's normalised Black
//! function (the `implied-vol` crate), accurate to a few ulps everywhere, so that
//! [`implied_volatility`](super::implied_volatility) gets σ back to 1e-12 from any price.
//!
//! Units are the ones users expect (QuantLib's `thetaPerDay`, `vega()/100`, `rho()/100`):
//! see [`Valuation`]. Degenerate inputs have defined answers rather than NaN: see
//! [`valuation`].

use super::OptionsError;
use super::normal;
use finstream_schemas::events::OptionRight;
use implied_vol::{DefaultSpecialFn, PriceBlackScholesNormalised};

/// Calendar days per year: time is Actual/365 Fixed, as QuantLib's `Actual365Fixed`.
pub const DAYS_PER_YEAR: f64 = 365.0;

/// Call or put.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OptionKind {
    Call,
    Put,
}

impl OptionKind {
    /// +1 for a call, -1 for a put: the factor that turns the call formulas into the put's.
    #[inline]
    pub fn sign(self) -> f64 {
        match self {
            Self::Call => 1.0,
            Self::Put => -1.0,
        }
    }

    /// What exercising pays at underlying price `spot`.
    #[inline]
    pub fn intrinsic(self, spot: f64, strike: f64) -> f64 {
        (self.sign() * (spot - strike)).max(0.0)
    }
}

impl From<OptionRight> for OptionKind {
    fn from(right: OptionRight) -> Self {
        match right {
            OptionRight::Call => Self::Call,
            OptionRight::Put => Self::Put,
        }
    }
}

/// An option and its market, everything but the volatility (which
/// [`implied_volatility`](super::implied_volatility) solves for).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionInputs {
    pub kind: OptionKind,
    /// Underlying price S (> 0).
    pub spot: f64,
    /// Strike K (> 0).
    pub strike: f64,
    /// Time to expiry T in years of 365 calendar days (>= 0); see [`years_from_days`].
    pub years: f64,
    /// Risk-free rate r, continuously compounded, annual; may be negative.
    pub rate: f64,
    /// Dividend yield q, continuous, annual; may be negative (e.g. a borrow cost).
    pub dividend_yield: f64,
}

/// Time in years for `days` calendar days, as QuantLib's Actual365Fixed counts it.
#[inline]
pub fn years_from_days(days: f64) -> f64 {
    days / DAYS_PER_YEAR
}

impl OptionInputs {
    /// Refuses what no model prices: negative, zero (spot, strike) or non-finite inputs,
    /// and markets whose discounted spot or strike overflows an f64.
    pub fn validate(&self) -> Result<(), OptionsError> {
        let Self {
            spot,
            strike,
            years,
            rate,
            dividend_yield,
            ..
        } = *self;
        // `!(x > 0.0)` rather than `x <= 0.0` so that NaN is refused too.
        if !(spot > 0.0 && spot.is_finite()) {
            return Err(OptionsError::invalid(
                "spot",
                spot,
                "the underlying price must be finite and positive",
            ));
        }
        if !(strike > 0.0 && strike.is_finite()) {
            return Err(OptionsError::invalid(
                "strike",
                strike,
                "the strike must be finite and positive",
            ));
        }
        if !(years >= 0.0 && years.is_finite()) {
            return Err(OptionsError::invalid(
                "years",
                years,
                "time to expiry must be finite and >= 0 (calendar days / 365)",
            ));
        }
        if !rate.is_finite() {
            return Err(OptionsError::invalid(
                "rate",
                rate,
                "the rate must be finite (continuous, annual: 0.05 is 5%)",
            ));
        }
        if !dividend_yield.is_finite() {
            return Err(OptionsError::invalid(
                "dividend_yield",
                dividend_yield,
                "the dividend yield must be finite (continuous, annual: 0.02 is 2%)",
            ));
        }
        // The exact test costs two exponentials; the common case needs none.
        let headroom = |x: f64, rt: f64| x < 1e250 && rt.abs() < 100.0;
        let fits = (headroom(spot, dividend_yield * years) && headroom(strike, rate * years))
            || ((spot * (-dividend_yield * years).exp()).is_finite()
                && (strike * (-rate * years).exp()).is_finite());
        if !fits {
            return Err(OptionsError::invalid(
                "years",
                years,
                "the discounted spot or strike overflows: rate x years and dividend_yield x \
                 years must be far smaller in magnitude",
            ));
        }
        Ok(())
    }
}

pub(crate) fn validate_volatility(volatility: f64) -> Result<(), OptionsError> {
    if !(volatility >= 0.0 && volatility.is_finite()) {
        return Err(OptionsError::invalid(
            "volatility",
            volatility,
            "volatility must be finite and >= 0 (annual, 0.2 is 20%)",
        ));
    }
    Ok(())
}

/// A European option's price and Greeks, in the units users expect.
///
/// The Greeks are derivatives of the price; "per unit" means per 1.0 of the input
/// (a volatility of 1.0 is 100%).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Valuation {
    pub price: f64,
    /// ∂V/∂S.
    pub delta: f64,
    /// ∂²V/∂S².
    pub gamma: f64,
    /// ∂V/∂t per calendar day: the value change as one day passes (negative for a long
    /// option that only decays). QuantLib's `thetaPerDay`, its per-year theta / 365.
    pub theta_per_day: f64,
    /// ∂V/∂σ per volatility point: the value change for σ += 0.01 (per-unit vega / 100).
    pub vega_per_point: f64,
    /// ∂V/∂r per percentage point: the value change for r += 0.01 (per-unit rho / 100).
    pub rho_per_point: f64,
    /// ∂Δ/∂σ = ∂²V/∂S∂σ, per unit σ (per volatility point it is vanna / 100).
    pub vanna: f64,
    /// ∂Δ/∂t per calendar day: the delta change as one day passes, i.e. -∂Δ/∂T / 365 with
    /// T the time to expiry (positive when delta grows as expiry nears).
    pub charm_per_day: f64,
    /// ∂²V/∂σ²: the change of the per-unit vega (∂V/∂σ, not `vega_per_point`) per unit
    /// σ. Divide by 100 for the change of `vega_per_point` per unit σ, by 10⁴ for its
    /// change per volatility point.
    pub vomma: f64,
}

pub(crate) use normal::{cdf as normal_cdf, pdf as normal_pdf};

/// Below this φ(d1) is too close to underflow to carry φ(d2) = φ(d1)·F/K.
const SMALLEST_SHARED_DENSITY: f64 = 1e-280;

/// Price and all Greeks at volatility `volatility` (annual, 0.2 is 20%).
///
/// One logarithm, three exponentials and a square root, the Mills ratio twice (a table
/// lookup and a short polynomial each), five divisions; Jaeckel's normalised Black
/// function only where the price's two terms cancel (see the module docs); no
/// allocation.
///
/// Degenerate inputs have the limits as answers, never NaN:
/// - Expiry today (`years == 0`): the price is the intrinsic value; delta is ±1 in the
///   money, 0 out of it and ±½ exactly at the money (the limit as T → 0); every other
///   Greek is 0 (the option will not exist tomorrow, so per-day rates are not defined,
///   and 0 is what QuantLib reports).
/// - Zero volatility, or σ√T so small against ln(F/K) that d1 overflows: the price is
///   the discounted intrinsic value of the forward, `max(ω(S e^{-qT} - K e^{-rT}), 0)`,
///   and delta, theta, rho and charm are that price's derivatives (halved exactly at the
///   money forward, the σ → 0 limit); gamma, vega, vanna and vomma are 0, their limits
///   everywhere except exactly at the money forward, where they are singular.
/// - Deep in or out of the money the Greeks underflow smoothly to their limits; the price
///   is never below the discounted intrinsic value of the forward, nor above the
///   discounted spot (calls) or strike (puts).
pub fn valuation(inputs: &OptionInputs, volatility: f64) -> Result<Valuation, OptionsError> {
    inputs.validate()?;
    validate_volatility(volatility)?;
    Ok(valuation_unchecked(inputs, volatility))
}

/// The price alone; see [`valuation`] for the conventions.
pub fn price(inputs: &OptionInputs, volatility: f64) -> Result<f64, OptionsError> {
    valuation(inputs, volatility).map(|v| v.price)
}

/// [`valuation`] for inputs already validated.
#[inline]
pub(crate) fn valuation_unchecked(inputs: &OptionInputs, sigma: f64) -> Valuation {
    let OptionInputs {
        kind,
        spot: s,
        strike: k,
        years: t,
        rate: r,
        dividend_yield: q,
    } = *inputs;
    let w = kind.sign();
    let sqrt_t = t.sqrt();
    let v = sigma * sqrt_t;
    // ln(F/K) without forming F, which could overflow where S e^{-qT} does not.
    let x = log_ratio(s, k) + (r - q) * t;
    let inv_v = 1.0 / v;
    let d1 = x * inv_v + 0.5 * v;
    // v < MIN_POSITIVE also catches v = 0 (so T = 0 or σ = 0) and subnormal v, whose
    // reciprocals would overflow; an infinite d1 means σ√T is negligible next to ln(F/K).
    // A subnormal T (under 1e-300 seconds) is expiry for every purpose, and 1/T would
    // overflow.
    if t < f64::MIN_POSITIVE || v.is_nan() || v < f64::MIN_POSITIVE || !d1.is_finite() {
        return deterministic(inputs, x);
    }
    let d2 = d1 - v;
    let dq = (-q * t).exp();
    let dr = (-r * t).exp();
    let sq = s * dq;
    let kr = k * dr;
    let n1 = normal::pdf(d1);
    // φ(d2) = φ(d1) e^{d1 v - v²/2} = φ(d1) e^x = φ(d1) S e^{-qT} / (K e^{-rT}): no second
    // exponential, and no rounding of d2² in an exponent. Where φ(d1) nears underflow
    // φ(d2) need not, so it is taken directly there.
    let n2 = if n1 >= SMALLEST_SHARED_DENSITY {
        n1 * (sq / kr)
    } else {
        normal::pdf(d2)
    };
    let cdf1 = normal::cdf_with_density(w * d1, n1);
    let cdf2 = normal::cdf_with_density(w * d2, n2);

    let lower = (w * (sq - kr)).max(0.0);
    let upper = if w > 0.0 { sq } else { kr };
    let (big, small) = (sq * cdf1, kr * cdf2);
    let naive = w * (big - small);
    // The time value keeps about log2((big + small) / time value) fewer bits than the
    // terms, whose own error grows as (1 + d1²) ε with N()'s argument. Within 64 ε keep
    // it; otherwise use Jaeckel (the time value is e^{-rT} √(FK) b(x, v) =
    // √(S e^{-qT} K e^{-rT}) b(x, v)), which costs about as much as the rest together.
    let time_value = naive - lower;
    let price = if time_value > 0.0 && (big + small) * (1.0 + d1 * d1) < 64.0 * time_value {
        naive
    } else {
        lower + sq.sqrt() * kr.sqrt() * normalised_time_value(x, v)
    }
    .min(upper);

    // The Greeks share S e^{-qT} φ(d1) (= K e^{-rT} φ(d2)) and e^{-qT} φ(d1); products are
    // grouped so that an underflowed density gives 0, never 0 x inf.
    let sq_n1 = sq * n1;
    let dq_n1 = dq * n1;
    let half_inv_t = 0.5 / t;
    let inv_sigma = 1.0 / sigma;
    let vega = sq_n1 * sqrt_t;
    let theta = -(sq_n1 * v) * half_inv_t + w * (q * sq * cdf1 - r * kr * cdf2);
    let charm = w * q * dq * cdf1 - ((dq_n1 * (r - q)) * inv_v - (dq_n1 * d2) * half_inv_t);
    Valuation {
        price,
        delta: w * dq * cdf1,
        gamma: dq_n1 / (s * v),
        theta_per_day: theta * PER_DAY,
        vega_per_point: vega * PER_POINT,
        rho_per_point: w * k * t * dr * cdf2 * PER_POINT,
        vanna: -(dq_n1 * d2) * inv_sigma,
        charm_per_day: charm * PER_DAY,
        vomma: ((vega * d1) * d2) * inv_sigma,
    }
}

/// 1/365: per-year rates to per calendar day.
const PER_DAY: f64 = 1.0 / DAYS_PER_YEAR;
/// 1/100: per unit of volatility or rate to per percentage point.
const PER_POINT: f64 = 0.01;

/// Jaeckel's normalised Black time value b(x, v) (the undiscounted out-of-the-money price
/// over √(FK)), accurate to a few ulps for every x = ln(F/K) and v = σ√T.
#[inline(never)]
fn normalised_time_value(x: f64, v: f64) -> f64 {
    PriceBlackScholesNormalised::builder()
        .log_moneyness(x)
        .total_volatility(v)
        .build_unchecked()
        .calculate::<DefaultSpecialFn>()
}

/// ln(S/K) to a few ulps of the result: near the money S - K is exact (Sterbenz), so
/// ln_1p keeps digits that ln(S/K) would lose to the rounding of S/K.
#[inline]
pub(crate) fn log_ratio(s: f64, k: f64) -> f64 {
    let (small, large) = (s.min(k), s.max(k));
    if small >= 0.5 * large {
        let ln = ((large - small) / small).ln_1p();
        if s >= k { ln } else { -ln }
    } else {
        let ratio = s / k;
        if ratio.is_normal() && ratio.is_finite() {
            ratio.ln()
        } else {
            s.ln() - k.ln()
        }
    }
}

/// Expiry today, zero volatility, or σ√T negligible: the payoff is certain.
#[cold]
fn deterministic(inputs: &OptionInputs, log_moneyness: f64) -> Valuation {
    let OptionInputs {
        kind,
        spot: s,
        strike: k,
        years: t,
        rate: r,
        dividend_yield: q,
    } = *inputs;
    let w = kind.sign();
    // How much of the forward's intrinsic value the option holds: all of it in the money,
    // none out of it, half exactly at the money (the limit of N(d) as d → 0).
    let held = match (w * log_moneyness).partial_cmp(&0.0) {
        Some(std::cmp::Ordering::Greater) => 1.0,
        Some(std::cmp::Ordering::Equal) => 0.5,
        _ => 0.0,
    };
    if t == 0.0 {
        return Valuation {
            price: kind.intrinsic(s, k),
            delta: w * held,
            ..Valuation::default()
        };
    }
    let dq = (-q * t).exp();
    let dr = (-r * t).exp();
    let sq = s * dq;
    let kr = k * dr;
    Valuation {
        price: (w * (sq - kr)).max(0.0) * held.ceil(),
        delta: w * held * dq,
        theta_per_day: w * held * (q * sq - r * kr) / DAYS_PER_YEAR,
        rho_per_point: w * held * k * t * dr / 100.0,
        charm_per_day: w * held * q * dq / DAYS_PER_YEAR,
        ..Valuation::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(
        kind: OptionKind,
        spot: f64,
        strike: f64,
        years: f64,
        r: f64,
        q: f64,
    ) -> OptionInputs {
        OptionInputs {
            kind,
            spot,
            strike,
            years,
            rate: r,
            dividend_yield: q,
        }
    }

    fn close(got: f64, want: f64, rel: f64, abs: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(got.abs()) + abs
    }

    /// Hull, "Options, Futures and Other Derivatives" (Example 15.6 in the 8th edition):
    /// S = 42, K = 40, r = 10%, σ = 20%, T = 0.5: call 4.76, put 0.81.
    #[test]
    fn textbook_prices() {
        let call = inputs(OptionKind::Call, 42.0, 40.0, 0.5, 0.1, 0.0);
        let put = OptionInputs {
            kind: OptionKind::Put,
            ..call
        };
        let c = price(&call, 0.2).expect("valid");
        let p = price(&put, 0.2).expect("valid");
        assert!((c - 4.7594).abs() < 1e-4, "{c}");
        assert!((p - 0.8086).abs() < 1e-4, "{p}");
    }

    /// QuantLib 1.44, AnalyticEuropeanEngine: S = 100, K = 105, 91 days, r = 4.5%,
    /// q = 1.5%, σ = 25% (evaluation 2025-01-15, Actual365Fixed, flat continuous curves).
    #[test]
    fn quantlib_reference_call() {
        let o = inputs(OptionKind::Call, 100.0, 105.0, 91.0 / 365.0, 0.045, 0.015);
        let v = valuation(&o, 0.25).expect("valid");
        let want = [
            (v.price, 3.2360963183804135),
            (v.delta, 0.3926763562410755),
            (v.gamma, 0.03071242432919112),
            (v.theta_per_day, -0.02912338996511873),
            (v.vega_per_point, 0.1914267543805748),
            (v.rho_per_point, 0.08983205689921006),
        ];
        for (i, (got, want)) in want.into_iter().enumerate() {
            assert!(close(got, want, 1e-12, 0.0), "#{i}: {got} vs {want}");
        }
    }

    /// Put-call parity: C - P = S e^{-qT} - K e^{-rT}, and the Greeks' differences are
    /// those of the forward contract.
    #[test]
    fn put_call_parity() {
        for &(s, k, t, r, q, sigma) in &[
            (100.0, 80.0, 0.25, 0.05, 0.02, 0.3),
            (100.0, 130.0, 2.0, -0.01, 0.04, 0.6),
            (50.0, 50.0, 1.0 / 365.0, 0.0, 0.0, 0.15),
        ] {
            let c = valuation(&inputs(OptionKind::Call, s, k, t, r, q), sigma).expect("valid");
            let p = valuation(&inputs(OptionKind::Put, s, k, t, r, q), sigma).expect("valid");
            let dq = (-q * t).exp();
            let dr = (-r * t).exp();
            assert!(close(c.price - p.price, s * dq - k * dr, 1e-13, 1e-13));
            assert!(close(c.delta - p.delta, dq, 1e-13, 1e-15));
            assert!(close(c.gamma, p.gamma, 1e-13, 0.0));
            assert!(close(c.vega_per_point, p.vega_per_point, 1e-13, 0.0));
            assert!(close(c.vanna, p.vanna, 1e-13, 0.0));
            assert!(close(c.vomma, p.vomma, 1e-13, 0.0));
            assert!(close(
                c.rho_per_point - p.rho_per_point,
                k * t * dr / 100.0,
                1e-12,
                1e-15
            ));
            let forward_theta = (q * s * dq - r * k * dr) / DAYS_PER_YEAR;
            assert!(close(
                c.theta_per_day - p.theta_per_day,
                forward_theta,
                1e-10,
                1e-15
            ));
            assert!(close(
                c.charm_per_day - p.charm_per_day,
                q * dq / DAYS_PER_YEAR,
                1e-10,
                1e-15
            ));
        }
    }

    /// Every Greek against a central difference of the price (or of delta/vega): checks
    /// the formulas, their signs and their units.
    #[test]
    fn greeks_match_finite_differences() {
        let cases = [
            (OptionKind::Call, 100.0, 95.0, 0.5, 0.03, 0.01, 0.25),
            (OptionKind::Put, 100.0, 110.0, 0.1, 0.05, 0.03, 0.4),
            (OptionKind::Put, 80.0, 60.0, 3.0, -0.005, 0.02, 0.15),
            (OptionKind::Call, 120.0, 150.0, 30.0 / 365.0, 0.08, 0.0, 0.9),
        ];
        for (kind, s, k, t, r, q, sigma) in cases {
            let base = inputs(kind, s, k, t, r, q);
            let at = |o: OptionInputs, sig: f64| valuation(&o, sig).expect("valid");
            let v = at(base, sigma);
            let hs = 1e-4 * s;
            let up = at(
                OptionInputs {
                    spot: s + hs,
                    ..base
                },
                sigma,
            );
            let dn = at(
                OptionInputs {
                    spot: s - hs,
                    ..base
                },
                sigma,
            );
            let hv = 1e-4;
            let vu = at(base, sigma + hv);
            let vd = at(base, sigma - hv);
            let ht = 1e-5;
            let tu = at(
                OptionInputs {
                    years: t + ht,
                    ..base
                },
                sigma,
            );
            let td = at(
                OptionInputs {
                    years: t - ht,
                    ..base
                },
                sigma,
            );
            let hr = 1e-5;
            let ru = at(
                OptionInputs {
                    rate: r + hr,
                    ..base
                },
                sigma,
            );
            let rd = at(
                OptionInputs {
                    rate: r - hr,
                    ..base
                },
                sigma,
            );
            let checks = [
                ("delta", v.delta, (up.price - dn.price) / (2.0 * hs)),
                ("gamma", v.gamma, (up.delta - dn.delta) / (2.0 * hs)),
                (
                    "theta",
                    v.theta_per_day,
                    -(tu.price - td.price) / (2.0 * ht) / DAYS_PER_YEAR,
                ),
                (
                    "vega",
                    v.vega_per_point,
                    (vu.price - vd.price) / (2.0 * hv) / 100.0,
                ),
                (
                    "rho",
                    v.rho_per_point,
                    (ru.price - rd.price) / (2.0 * hr) / 100.0,
                ),
                ("vanna", v.vanna, (vu.delta - vd.delta) / (2.0 * hv)),
                (
                    "charm",
                    v.charm_per_day,
                    -(tu.delta - td.delta) / (2.0 * ht) / DAYS_PER_YEAR,
                ),
                (
                    "vomma",
                    v.vomma,
                    (vu.vega_per_point - vd.vega_per_point) * 100.0 / (2.0 * hv),
                ),
            ];
            for (name, got, fd) in checks {
                assert!(
                    close(got, fd, 1e-6, 1e-9),
                    "{kind:?} {s} {k} {t}: {name} {got} vs {fd}"
                );
            }
        }
    }

    #[test]
    fn expiry_today_is_intrinsic() {
        let call = |s| valuation(&inputs(OptionKind::Call, s, 100.0, 0.0, 0.05, 0.02), 0.3);
        let put = |s| valuation(&inputs(OptionKind::Put, s, 100.0, 0.0, 0.05, 0.02), 0.3);
        let itm = call(103.0).expect("valid");
        assert_eq!(itm.price, 3.0);
        assert_eq!(itm.delta, 1.0);
        assert_eq!(
            Valuation {
                price: 0.0,
                delta: 0.0,
                ..itm
            },
            Valuation::default()
        );
        assert_eq!(call(97.0).expect("valid"), Valuation::default());
        assert_eq!(put(97.0).expect("valid").price, 3.0);
        assert_eq!(put(97.0).expect("valid").delta, -1.0);
        assert_eq!(put(103.0).expect("valid"), Valuation::default());
        assert_eq!(call(100.0).expect("valid").delta, 0.5);
        assert_eq!(put(100.0).expect("valid").delta, -0.5);
        assert_eq!(call(100.0).expect("valid").price, 0.0);
    }

    #[test]
    fn zero_volatility_is_discounted_forward_intrinsic() {
        let (s, k, t, r, q): (f64, f64, f64, f64, f64) = (100.0, 95.0, 0.5, 0.04, 0.01);
        let dq = (-q * t).exp();
        let dr = (-r * t).exp();
        let c = valuation(&inputs(OptionKind::Call, s, k, t, r, q), 0.0).expect("valid");
        assert!(close(c.price, s * dq - k * dr, 1e-15, 0.0));
        assert!(close(c.delta, dq, 1e-15, 0.0));
        assert!(close(c.rho_per_point, k * t * dr / 100.0, 1e-15, 0.0));
        assert!(close(
            c.theta_per_day,
            (q * s * dq - r * k * dr) / 365.0,
            1e-14,
            0.0
        ));
        assert_eq!(
            (c.gamma, c.vega_per_point, c.vanna, c.vomma),
            (0.0, 0.0, 0.0, 0.0)
        );
        let p = valuation(&inputs(OptionKind::Put, s, k, t, r, q), 0.0).expect("valid");
        assert_eq!(p, Valuation::default());
        // The limit from above: a tiny volatility gives the same numbers.
        let tiny = valuation(&inputs(OptionKind::Call, s, k, t, r, q), 1e-6).expect("valid");
        assert!(close(tiny.price, c.price, 1e-15, 0.0));
        assert!(close(tiny.delta, c.delta, 1e-15, 0.0));
        assert!(close(tiny.theta_per_day, c.theta_per_day, 1e-13, 0.0));
    }

    #[test]
    fn extreme_moneyness_and_sizes_stay_finite() {
        let cases = [
            (1e-8, 1e-8, 1.0, 0.3),
            (1e12, 1e12, 1.0, 0.3),
            (100.0, 1e-6, 0.5, 0.2),
            (100.0, 1e9, 0.5, 0.2),
            (100.0, 100.0, 1e-12, 0.2),
            (100.0, 100.0, 100.0, 5.0),
            (100.0, 100.0, 1.0, 1e-300),
            (100.0, 100.0 * (1.0 + 1e-15), 1e-300, 1e-150),
        ];
        for (s, k, t, sigma) in cases {
            for kind in [OptionKind::Call, OptionKind::Put] {
                let v = valuation(&inputs(kind, s, k, t, 0.03, 0.01), sigma).expect("valid");
                let all = [
                    v.price,
                    v.delta,
                    v.gamma,
                    v.theta_per_day,
                    v.vega_per_point,
                    v.rho_per_point,
                    v.vanna,
                    v.charm_per_day,
                    v.vomma,
                ];
                assert!(
                    all.iter().all(|x| !x.is_nan()),
                    "{kind:?} {s} {k} {t} {sigma}: {v:?}"
                );
                assert!(v.price.is_finite() && v.price >= 0.0);
                assert!(v.delta.abs() <= 1.0);
            }
        }
        // Far out of the money the price underflows to 0, not below it.
        let far = price(&inputs(OptionKind::Call, 100.0, 1e9, 0.5, 0.03, 0.0), 0.2).expect("valid");
        assert_eq!(far, 0.0);
        // Deep in the money the put is its discounted forward intrinsic value.
        let deep = inputs(OptionKind::Put, 1e-6, 100.0, 0.5, 0.03, 0.0);
        assert!(close(
            price(&deep, 0.2).expect("valid"),
            100.0 * (-0.015f64).exp() - 1e-6,
            1e-15,
            0.0
        ));
    }

    #[test]
    fn invalid_inputs_are_errors() {
        let good = inputs(OptionKind::Call, 100.0, 100.0, 1.0, 0.05, 0.0);
        let bad = [
            (OptionInputs { spot: -1.0, ..good }, 0.2, "spot"),
            (OptionInputs { spot: 0.0, ..good }, 0.2, "spot"),
            (
                OptionInputs {
                    strike: f64::NAN,
                    ..good
                },
                0.2,
                "strike",
            ),
            (
                OptionInputs {
                    years: -0.1,
                    ..good
                },
                0.2,
                "years",
            ),
            (
                OptionInputs {
                    rate: f64::INFINITY,
                    ..good
                },
                0.2,
                "rate",
            ),
            (
                OptionInputs {
                    dividend_yield: f64::NAN,
                    ..good
                },
                0.2,
                "dividend_yield",
            ),
            (
                OptionInputs {
                    rate: -800.0,
                    ..good
                },
                0.2,
                "years",
            ),
            (good, -0.2, "volatility"),
            (good, f64::NAN, "volatility"),
        ];
        for (o, sigma, field) in bad {
            match valuation(&o, sigma) {
                Err(OptionsError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{o:?} σ={sigma}: {other:?}"),
            }
        }
        let message = valuation(&OptionInputs { spot: -1.0, ..good }, 0.2)
            .expect_err("an error")
            .to_string();
        assert_eq!(
            message,
            "spot = -1: the underlying price must be finite and positive"
        );
    }

    /// A million random valid inputs, wide ranges and degenerate corners included:
    /// no panic, no NaN, no infinity, prices inside the no-arbitrage bounds.
    #[test]
    fn random_inputs_price_to_finite_values() {
        let mut rng = SplitMix64(0x5eed_f0b7);
        let kinds = [OptionKind::Call, OptionKind::Put];
        for _ in 0..1_000_000 {
            let s = 10f64.powf(rng.uniform(-4.0, 6.0));
            let o = OptionInputs {
                kind: kinds[(rng.next() & 1) as usize],
                spot: s,
                strike: s * 10f64.powf(rng.uniform(-2.0, 2.0)),
                years: match rng.next() % 8 {
                    0 => 0.0,
                    1 => 1.0 / 365.0 / 24.0 * rng.uniform(0.0, 1.0),
                    _ => rng.uniform(0.0, 30.0),
                },
                rate: rng.uniform(-0.05, 0.25),
                dividend_yield: rng.uniform(-0.02, 0.2),
            };
            let sigma = match rng.next() % 8 {
                0 => 0.0,
                1 => 10f64.powf(rng.uniform(-12.0, -3.0)),
                _ => rng.uniform(0.0, 5.0),
            };
            let v = valuation(&o, sigma).expect("valid");
            let all = [
                v.price,
                v.delta,
                v.gamma,
                v.theta_per_day,
                v.vega_per_point,
                v.rho_per_point,
                v.vanna,
                v.charm_per_day,
                v.vomma,
            ];
            assert!(all.iter().all(|x| x.is_finite()), "{o:?} σ={sigma}: {v:?}");
            let upper = match o.kind {
                OptionKind::Call => o.spot * (-o.dividend_yield * o.years).exp(),
                OptionKind::Put => o.strike * (-o.rate * o.years).exp(),
            };
            assert!(
                v.price >= 0.0 && v.price <= upper * (1.0 + 1e-15),
                "{o:?} {v:?}"
            );
        }
    }

    /// SplitMix64 (Steele, Lea, Flood 2014): enough randomness for input sweeps, no
    /// dependency.
    pub(crate) struct SplitMix64(pub u64);

    impl SplitMix64 {
        pub fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
            low + (high - low) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
        }
    }
}
