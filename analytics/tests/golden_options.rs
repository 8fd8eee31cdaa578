//! Option pricing against QuantLib 1.44 (golden files from
//! `scripts/golden/quantlib_golden.py`): European price and Greeks from
//! `AnalyticEuropeanEngine`, implied volatility from `impliedVolatility` at accuracy 1e-12,
//! American prices from `QdFpAmericanEngine` with `highPrecisionScheme()` and American
//! Greeks from central differences of those prices.

mod common;

use finstream_analytics::options::bsm::{self, years_from_days};
use finstream_analytics::options::{
    AmericanPricer, LeisenReimer, OptionInputs, OptionKind, OptionsError, implied_volatility,
};
use std::collections::HashMap;

/// One golden row by column name.
struct Row(HashMap<String, String>);

impl Row {
    fn num(&self, column: &str) -> f64 {
        let text = self
            .0
            .get(column)
            .unwrap_or_else(|| panic!("no column {column}"));
        text.parse()
            .unwrap_or_else(|e| panic!("{column} = {text:?}: {e}"))
    }

    fn optional(&self, column: &str) -> Option<f64> {
        self.0
            .get(column)
            .filter(|t| !t.is_empty())
            .map(|_| self.num(column))
    }

    fn inputs(&self) -> OptionInputs {
        OptionInputs {
            kind: match self.0["kind"].as_str() {
                "call" => OptionKind::Call,
                "put" => OptionKind::Put,
                other => panic!("kind {other}"),
            },
            spot: self.num("spot"),
            strike: self.num("strike"),
            years: years_from_days(self.num("days")),
            rate: self.num("rate"),
            dividend_yield: self.num("dividend"),
        }
    }
}

fn rows(name: &str) -> Vec<Row> {
    let path = common::golden_dir().join("quantlib").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} (run scripts/golden/quantlib_golden.py): {e}",
            path.display()
        )
    });
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .map(|line| {
            Row(header
                .iter()
                .zip(line.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect())
        })
        .collect()
}

/// Relative difference, or 0 when both are within `floor` of each other.
fn excess(got: f64, want: f64, floor: f64) -> f64 {
    let diff = (got - want).abs();
    if diff <= floor {
        0.0
    } else {
        diff / got.abs().max(want.abs())
    }
}

/// European price and Greeks to 1e-10 relative, or 1e-13 absolute.
///
/// The absolute floor is QuantLib's, not ours: its N(x) is `0.5 (1 + erf(x/√2))`, which
/// is exact only to about 1e-16 absolute, so prices and Greeks that are differences of
/// N() terms times a $100 spot or strike carry about 1e-14 of absolute error, and deep out
/// of the money (prices of 1e-12 and below) that is most of their value. 1e-13 is ten
/// times that error and far below a cent.
#[test]
fn european_price_and_greeks_match_quantlib() {
    let columns = [
        "price",
        "delta",
        "gamma",
        "theta_per_day",
        "vega_per_point",
        "rho_per_point",
    ];
    let mut worst = [0.0f64; 6];
    let mut worst_relative = [0.0f64; 6];
    let mut worst_absolute = [0.0f64; 6];
    let golden = rows("european.csv");
    assert_eq!(golden.len(), 300);
    for (i, row) in golden.iter().enumerate() {
        let v = bsm::valuation(&row.inputs(), row.num("vol")).expect("valid golden inputs");
        let got = [
            v.price,
            v.delta,
            v.gamma,
            v.theta_per_day,
            v.vega_per_point,
            v.rho_per_point,
        ];
        for (c, column) in columns.iter().enumerate() {
            let want = row.num(column);
            let e = excess(got[c], want, 1e-13);
            assert!(
                e <= 1e-10,
                "row {i} {column}: got {}, QuantLib {want} ({e:e} relative) for {:?} σ={}",
                got[c],
                row.inputs(),
                row.num("vol")
            );
            worst[c] = worst[c].max(e);
            worst_absolute[c] = worst_absolute[c].max((got[c] - want).abs());
            if want.abs() >= 1e-6 {
                worst_relative[c] = worst_relative[c].max((got[c] / want - 1.0).abs());
            }
        }
    }
    eprintln!(
        "European {columns:?}: worst relative (|QuantLib| >= 1e-6) {worst_relative:?}, \
         worst absolute {worst_absolute:?}, worst beyond the 1e-13 floor {worst:?}"
    );
}

/// Implied volatility of QuantLib's price to 1e-10 relative where QuantLib converged and
/// the price pins σ down; elsewhere our σ reproduces the price.
///
/// A price known to δ ≈ 4ε(S + K) absolute (QuantLib's error, above) fixes σ only to
/// δ / (vega σ) relative; where that exceeds 1e-11, QuantLib's and our roots may both be
/// right and still differ (its Brent also stops once |price error| < ~1e-28). There the
/// test asks that our σ gives back QuantLib's price, or that we report the lower bound.
#[test]
fn european_implied_volatility_matches_quantlib() {
    let (mut compared, mut repriced, mut worst) = (0, 0, 0.0f64);
    for (i, row) in rows("european.csv").iter().enumerate() {
        let Some(want) = row.optional("implied_vol") else {
            continue;
        };
        let o = row.inputs();
        let price = row.num("price");
        let vega = row.num("vega_per_point") * 100.0;
        let uncertainty = 4.0 * f64::EPSILON * (o.spot + o.strike) / (vega * want);
        match implied_volatility(&o, price) {
            Ok(iv) if uncertainty <= 1e-11 => {
                let e = (iv - want).abs() / want;
                assert!(e <= 1e-10, "row {i}: iv {iv}, QuantLib {want} ({e:e})");
                worst = worst.max(e);
                compared += 1;
            }
            Ok(iv) => {
                let back = bsm::price(&o, iv).expect("valid");
                assert!(
                    excess(back, price, 1e-13) <= 1e-10,
                    "row {i}: iv {iv} reprices to {back}, QuantLib price {price}"
                );
                repriced += 1;
            }
            Err(OptionsError::BelowLowerBound { bound, .. }) if uncertainty > 1e-11 => {
                assert!(
                    (price - bound).abs() <= 1e-13,
                    "row {i}: {price} vs bound {bound}"
                );
                repriced += 1;
            }
            Err(e) => panic!("row {i}: {e} (QuantLib {want}, uncertainty {uncertainty:e})"),
        }
    }
    assert!(compared >= 150, "{compared}");
    eprintln!("European IV: {compared} compared (worst {worst:e}), {repriced} repriced");
}

/// American prices and Greeks against QdFp's high-precision scheme: the fixed-point
/// pricer (the same method) within `fixed_point` below, the Leisen-Reimer tree within
/// `tree` out to two years (at five years its O(1/n) error reaches 3e-3, which is why it
/// is not the default). The Greek columns are central differences of QdFp prices (bumps
/// of 1e-3 and 5e-3 standard deviations of the terminal spot for delta and gamma, 1e-4
/// for vega, rho and the dividend rho, from which theta follows because the price depends
/// on T only through rT, qT and σ²T: truncation errors far below these tolerances).
#[test]
fn american_prices_and_greeks_match_quantlib() {
    let columns = [
        "price",
        "delta",
        "gamma",
        "theta_per_day",
        "vega_per_point",
        "rho_per_point",
    ];
    let fixed_point = [1e-5, 2e-5, 1e-5, 5e-6, 1e-5, 1e-5];
    let tree = [1e-3, 2e-3, 1e-3, 1e-3, 2e-3, 2e-3];
    let golden = rows("american.csv");
    assert_eq!(golden.len(), 64);
    for (name, pricer, tolerances, max_days) in [
        (
            "fixed point",
            AmericanPricer::new(),
            fixed_point,
            f64::INFINITY,
        ),
        (
            "tree",
            AmericanPricer::leisen_reimer(LeisenReimer::default()),
            tree,
            730.0,
        ),
    ] {
        let mut worst = [0.0f64; 6];
        for (i, row) in golden.iter().enumerate() {
            if row.num("days") > max_days {
                continue;
            }
            let v = pricer
                .valuation(&row.inputs(), row.num("vol"))
                .expect("valid");
            let got = [
                v.price,
                v.delta,
                v.gamma,
                v.theta_per_day,
                v.vega_per_point,
                v.rho_per_point,
            ];
            for (c, column) in columns.iter().enumerate() {
                let want = row.num(column);
                let diff = (got[c] - want).abs();
                assert!(
                    diff <= tolerances[c],
                    "{name} row {i} {column}: got {}, QdFp {want} (diff {diff:e}) for {:?} σ={}",
                    got[c],
                    row.inputs(),
                    row.num("vol")
                );
                worst[c] = worst[c].max(diff);
            }
        }
        eprintln!("American {name} worst absolute differences: {columns:?} = {worst:?}");
    }
}

/// American implied volatility of QdFp's prices: within 1e-6 of the σ QdFp priced at
/// (the fixed point's price error over vega), where the price is not flat in σ.
#[test]
fn american_implied_volatility_of_quantlib_prices() {
    let pricer = AmericanPricer::new();
    let (mut solved, mut worst) = (0, 0.0f64);
    for (i, row) in rows("american.csv").iter().enumerate() {
        let (o, sigma, price) = (row.inputs(), row.num("vol"), row.num("price"));
        let vega = row.num("vega_per_point") * 100.0;
        if vega < 1e-2 {
            // A price this flat in σ says little about it.
            continue;
        }
        let iv = pricer
            .implied_volatility(&o, price)
            .unwrap_or_else(|e| panic!("row {i}: {e}"));
        let allowed = 1e-5 / vega;
        assert!(
            (iv - sigma).abs() <= allowed,
            "row {i}: iv {iv} vs σ {sigma} (allowed {allowed:e})"
        );
        worst = worst.max((iv - sigma).abs());
        solved += 1;
    }
    assert!(solved >= 40, "{solved}");
    eprintln!("American IV: {solved} solved, worst |iv - σ| {worst:e}");
}
