#!/usr/bin/env python3
"""Writes analytics/tests/golden/quantlib/{european,american}.csv: QuantLib's prices, Greeks
and implied volatilities for the option pricers in analytics/src/options/.

    pip install QuantLib   # 1.44 made the committed files
    python3 scripts/golden/quantlib_golden.py

Time is calendar days / 365 exactly: the evaluation date is fixed, maturities are
`today + days` on a NullCalendar (no business-day rolling), and every curve and the
volatility use Actual365Fixed. Rates and the dividend yield are continuous (FlatForward's
default compounding). The grids are drawn from a seeded generator, so reruns are identical.

european.csv: AnalyticEuropeanEngine's NPV, delta, gamma, thetaPerDay, vega/100 and rho/100
(the units users expect: theta per calendar day, vega and rho per percentage point), and
impliedVolatility(NPV, process, accuracy=1e-12, maxEvaluations=1000, minVol=1e-7, maxVol=10);
the implied_vol column is empty where QuantLib did not converge (it threw, or stopped at
minVol on a price too flat in σ to have a root in double precision).

american.csv: QdFpAmericanEngine(process, highPrecisionScheme()) prices. QuantLib gives no
Greeks for it, so the Greek columns are central differences of that engine's price: delta
and gamma with spot bumps of 1e-3 and 5e-3 standard deviations of the terminal spot
(S σ √T: the scale on which the price curves, so the truncation error is ~1e-6 relative
for a one-week option as for a five-year one; the engine is smooth to ~1e-12, so these
bumps are not noisy), vega/100 and rho/100 with bumps of 1e-4, and theta per day the
instantaneous -dV/dT / 365, as thetaPerDay is for European options. Dates are whole days,
too coarse a bump for short expiries, so theta comes from the other sensitivities: the
price depends on T only through rT, qT and σ²T, hence
dV/dT = (r dV/dr + q dV/dq + (σ/2) dV/dσ) / T."""

import csv
import math
import pathlib
import random

import QuantLib as ql

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parents[1] / "analytics" / "tests" / "golden" / "quantlib"

TODAY = ql.Date(15, ql.January, 2025)
DAY_COUNT = ql.Actual365Fixed()
CALENDAR = ql.NullCalendar()


class Market:
    """One BSM process whose quotes can be bumped in place."""

    def __init__(self, spot, rate, dividend, vol):
        self.spot = ql.SimpleQuote(spot)
        self.rate = ql.SimpleQuote(rate)
        self.dividend = ql.SimpleQuote(dividend)
        self.vol = ql.SimpleQuote(vol)
        curve = lambda q: ql.YieldTermStructureHandle(
            ql.FlatForward(TODAY, ql.QuoteHandle(q), DAY_COUNT)
        )
        self.process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(self.spot),
            curve(self.dividend),
            curve(self.rate),
            ql.BlackVolTermStructureHandle(
                ql.BlackConstantVol(TODAY, CALENDAR, ql.QuoteHandle(self.vol), DAY_COUNT)
            ),
        )


def option(kind, strike, days, exercise):
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if kind == "call" else ql.Option.Put, strike)
    maturity = TODAY + days
    assert DAY_COUNT.yearFraction(TODAY, maturity) == days / 365.0
    if exercise == "european":
        return ql.VanillaOption(payoff, ql.EuropeanExercise(maturity))
    return ql.VanillaOption(payoff, ql.AmericanExercise(TODAY, maturity))


def european_grid(rng):
    rows = []
    spots = [100.0, 100.0, 100.0, 80.0, 125.0]
    moneyness = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0, 1.02, 1.05, 1.1, 1.2, 1.35, 1.6, 2.0]
    days = [1, 2, 7, 14, 30, 60, 91, 182, 365, 730, 1825, 3650]
    rates = [0.0, 0.01, 0.045, 0.08, -0.005]
    dividends = [0.0, 0.0, 0.015, 0.03, 0.07]
    vols = [0.03, 0.1, 0.2, 0.35, 0.6, 1.0, 2.5]
    for i in range(300):
        spot = rng.choice(spots)
        strike = round(spot * rng.choice(moneyness), 2)
        rows.append(
            (
                "call" if i % 2 == 0 else "put",
                spot,
                strike,
                rng.choice(days),
                rng.choice(rates),
                rng.choice(dividends),
                rng.choice(vols),
            )
        )
    return rows


def european(rows):
    out = []
    for kind, spot, strike, days, rate, dividend, vol in rows:
        market = Market(spot, rate, dividend, vol)
        opt = option(kind, strike, days, "european")
        opt.setPricingEngine(ql.AnalyticEuropeanEngine(market.process))
        price = opt.NPV()
        try:
            iv = opt.impliedVolatility(price, market.process, 1e-12, 1000, 1e-7, 10.0)
            # At minVol QuantLib's Brent has stopped on a flat price (on the lower bound, or
            # below its |f| < ~1e-28 zero test), not at a root.
            iv = repr(iv) if iv > 1.000001e-7 else ""
        except RuntimeError:
            iv = ""
        out.append(
            [
                kind,
                repr(spot),
                repr(strike),
                days,
                repr(rate),
                repr(dividend),
                repr(vol),
                repr(price),
                repr(opt.delta()),
                repr(opt.gamma()),
                repr(opt.thetaPerDay()),
                repr(opt.vega() / 100.0),
                repr(opt.rho() / 100.0),
                iv,
            ]
        )
    return out


def american_grid(rng):
    rows = []
    moneyness = [0.7, 0.85, 0.95, 1.0, 1.05, 1.15, 1.3]
    days = [7, 30, 91, 182, 365, 730, 1825]
    vols = [0.1, 0.2, 0.3, 0.5, 0.8]
    # (kind, rate, dividend): puts with and without dividends, calls with dividends (a call
    # without dividends is never exercised early), negative-rate calls and puts.
    regimes = [
        ("put", 0.05, 0.0),
        ("put", 0.03, 0.02),
        ("put", 0.08, 0.04),
        ("call", 0.02, 0.05),
        ("call", 0.05, 0.08),
        ("call", 0.04, 0.02),
        ("put", -0.01, 0.0),
        ("call", 0.03, 0.0),
    ]
    for i in range(64):
        kind, rate, dividend = regimes[i % len(regimes)]
        rows.append(
            (
                kind,
                100.0,
                round(100.0 * rng.choice(moneyness), 2),
                rng.choice(days),
                rate,
                dividend,
                rng.choice(vols),
            )
        )
    return rows


def american(rows):
    out = []
    for kind, spot, strike, days, rate, dividend, vol in rows:
        market = Market(spot, rate, dividend, vol)
        engine = ql.QdFpAmericanEngine(market.process, ql.QdFpAmericanEngine.highPrecisionScheme())

        def value():
            opt = option(kind, strike, days, "american")
            opt.setPricingEngine(engine)
            return opt.NPV()

        def bumped(quote, h):
            base = quote.value()
            quote.setValue(base + h)
            up = value()
            quote.setValue(base - h)
            down = value()
            quote.setValue(base)
            return up, down

        price = value()
        deviation = spot * vol * math.sqrt(days / 365.0)
        h = 1e-3 * deviation
        up, down = bumped(market.spot, h)
        delta = (up - down) / (2.0 * h)
        h = 5e-3 * deviation
        up, down = bumped(market.spot, h)
        gamma = (up - 2.0 * price + down) / (h * h)
        up, down = bumped(market.vol, 1e-4)
        vega = (up - down) / 2e-4 / 100.0
        up, down = bumped(market.rate, 1e-4)
        rho = (up - down) / 2e-4 / 100.0
        up, down = bumped(market.dividend, 1e-4)
        dividend_rho = (up - down) / 2e-4
        t = days / 365.0
        d_value_d_t = (rate * rho * 100.0 + dividend * dividend_rho + 0.5 * vol * vega * 100.0)
        d_value_d_t /= t
        theta = -d_value_d_t / 365.0
        inputs = (kind, strike, days, rate, dividend, vol)
        assert math.isfinite(price) and price >= 0.0, (inputs, price)
        out.append(
            [
                kind,
                repr(spot),
                repr(strike),
                days,
                repr(rate),
                repr(dividend),
                repr(vol),
                repr(price),
                repr(delta),
                repr(gamma),
                repr(theta),
                repr(vega),
                repr(rho),
            ]
        )
    return out


def write(name, header, rows):
    with (OUT / name).open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def main() -> None:
    ql.Settings.instance().evaluationDate = TODAY
    OUT.mkdir(parents=True, exist_ok=True)
    inputs = ["kind", "spot", "strike", "days", "rate", "dividend", "vol"]
    greeks = ["price", "delta", "gamma", "theta_per_day", "vega_per_point", "rho_per_point"]
    rng = random.Random(20250115)
    write("european.csv", inputs + greeks + ["implied_vol"], european(european_grid(rng)))
    write("american.csv", inputs + greeks, american(american_grid(rng)))


if __name__ == "__main__":
    main()
