#!/usr/bin/env python3
"""Writes analytics/tests/golden/pattern_bars.csv, a pattern-rich input for the candlestick
tests, and TA-Lib's outputs on it, golden/talib/<pattern>_rich.csv.

The golden 1-minute bars (bars.csv) open at the prior close, so patterns that need a gap
(stars, kicking, piercing, dark cloud, strict engulfing, three outside...) never fire on
them. These bars come from a seeded generator that mixes ordinary candles, single-candle
shapes (dojis, hammers, marubozu, spinning tops) and multi-candle setups, with gaps, and
prices rounded to the cent so that ties (equal opens and closes) occur as in real data.

    python3 scripts/golden/pattern_bars.py"""

import csv
import pathlib
import sys

import numpy as np
import talib

HERE = pathlib.Path(__file__).resolve().parent
GOLDEN = HERE.parents[1] / "analytics" / "tests" / "golden"
SEED = 20240102
BARS = 4000
UNIT = 0.5  # a typical real body, in price units


def candle(o, c, up, down):
    """A candle from its open, close and shadows, prices rounded to the cent."""
    o, c = round(o, 2), round(c, 2)
    return o, round(max(o, c) + up, 2), round(min(o, c) - down, 2), c


class Market:
    def __init__(self, rng):
        self.rng = rng
        self.close = 100.0

    def u(self, lo, hi):
        return self.rng.uniform(lo, hi) * UNIT

    def tiny(self):
        """A shadow short enough for "very short" (under 10% of a typical range)."""
        return self.rng.choice([0.0, 0.01])

    # Single candles -----------------------------------------------------------------
    def ordinary(self, gap=None):
        gap = self.rng.choice([0.0, 0.0, self.u(-0.6, 0.6)]) if gap is None else gap
        o = self.close + gap
        c = o + self.rng.choice([-1, 1]) * self.u(0.2, 1.6)
        return [candle(o, c, self.u(0, 0.8), self.u(0, 0.8))]

    def shape(self):
        o = self.close + self.rng.choice([0.0, self.u(-0.8, 0.8)])
        kind = self.rng.integers(0, 8)
        if kind == 0:  # doji with both shadows (long-legged, rickshaw man)
            return [candle(o, o + self.rng.choice([0, 0.01]), self.u(0.5, 1.5), self.u(0.5, 1.5))]
        if kind == 1:  # dragonfly / takuri
            return [candle(o, o, self.tiny(), self.u(0.8, 2.5))]
        if kind == 2:  # gravestone
            return [candle(o, o, self.u(0.8, 2.5), self.tiny())]
        if kind == 3:  # hammer or hanging man: small body, long lower shadow
            c = o + self.rng.choice([-1, 1]) * self.u(0.05, 0.4)
            return [candle(o, c, self.tiny(), self.u(1.0, 2.5))]
        if kind == 4:  # inverted hammer or shooting star: small body, long upper shadow
            c = o + self.rng.choice([-1, 1]) * self.u(0.05, 0.4)
            return [candle(o, c, self.u(1.0, 2.5), self.tiny())]
        if kind == 5:  # marubozu and its one-sided kin
            c = o + self.rng.choice([-1, 1]) * self.u(1.5, 3.5)
            return [candle(o, c, self.rng.choice([self.tiny(), self.u(0, 0.5)]),
                           self.rng.choice([self.tiny(), self.u(0, 0.5)]))]
        if kind == 6:  # spinning top / high wave
            c = o + self.rng.choice([-1, 1]) * self.u(0.1, 0.5)
            return [candle(o, c, self.u(0.5, 1.5), self.u(0.5, 1.5))]
        c = o + self.rng.choice([-1, 1]) * self.u(0.2, 0.8)  # short line
        return [candle(o, c, self.u(0, 0.2), self.u(0, 0.2))]

    # Setups of two to four candles ----------------------------------------------------
    def long(self, sign, o=None, shadows=None):
        o = self.close if o is None else o
        c = o + sign * self.u(2.5, 4.5)
        up, down = shadows if shadows is not None else (self.u(0, 0.3), self.u(0, 0.3))
        return candle(o, c, up, down)

    def star(self, sign, doji):
        """Long candle, a star gapping away from it, a strong candle back (sign of the first)."""
        first = self.long(sign)
        body = abs(first[3] - first[0])
        gap = self.u(0.1, 0.6)
        so = first[3] + sign * gap
        sc = so if doji else so + self.rng.choice([-1, 1]) * self.u(0.05, 0.3)
        s = candle(so, sc, self.u(0.1, 0.5), self.u(0.1, 0.5))
        depth = self.rng.uniform(0.2, 0.9)
        to = (min if sign > 0 else max)(s[0], s[3]) - sign * self.u(0, 0.3)
        tc = first[3] - sign * body * depth
        return [first, s, candle(to, tc, self.u(0, 0.3), self.u(0, 0.3))]

    def piercing_or_cloud(self, sign):
        """sign -1: black then piercing white; +1: white then dark cloud black."""
        first = self.long(sign)
        body = abs(first[3] - first[0])
        o = (first[1] + self.u(0.05, 0.5)) if sign > 0 else (first[2] - self.u(0.05, 0.5))
        c = first[3] - sign * body * self.rng.uniform(0.3, 0.95)
        return [first, candle(o, c, self.u(0, 0.2), self.u(0, 0.2))]

    def kicking(self, sign):
        first = self.long(sign, shadows=(self.tiny(), self.tiny()))
        edge = first[1] if sign < 0 else first[2]
        o = edge - sign * self.u(0.05, 0.5)
        return [first, self.long(-sign, o=o, shadows=(self.tiny(), self.tiny()))]

    def engulfing(self, sign):
        """A small candle, then one of the other colour covering its body."""
        o = self.close
        small = candle(o, o - sign * self.u(0.3, 0.8), self.u(0, 0.3), self.u(0, 0.3))
        lo, hi = min(small[0], small[3]), max(small[0], small[3])
        strict = self.rng.random() < 0.7
        margin = self.u(0.05, 0.5) if strict else 0.0
        eo = (lo - margin) if sign > 0 else (hi + margin)
        ec = (hi + self.u(0.1, 0.8)) if sign > 0 else (lo - self.u(0.1, 0.8))
        big = candle(eo, ec, self.u(0, 0.3), self.u(0, 0.3))
        third = candle(ec, ec + sign * self.u(0.1, 0.8), self.u(0, 0.3), self.u(0, 0.3))
        return [small, big, third]

    def harami(self, sign, doji, confirm):
        first = self.long(sign)
        lo, hi = min(first[0], first[3]), max(first[0], first[3])
        mid = (lo + hi) / 2 + self.u(-0.3, 0.3)
        if doji:
            so, sc = mid, mid
        else:
            so, sc = mid + sign * self.u(0.05, 0.3), mid - sign * self.u(0.05, 0.3)
        out = [first, candle(so, sc, self.u(0.05, 0.3), self.u(0.05, 0.3))]
        if confirm:
            end = first[0] - sign * self.u(0.1, 0.6)
            out.append(candle(sc, end, self.u(0, 0.2), self.u(0, 0.2)))
        return out

    def doji_star(self, sign):
        first = self.long(sign)
        o = first[3] + sign * self.u(0.1, 0.5)
        return [first, candle(o, o, self.u(0.1, 0.4), self.u(0.1, 0.4))]

    def three(self, sign):
        """Three white soldiers (sign +1), or a white candle and three black crows (-1):
        each of the three opens inside the previous body and closes beyond it."""
        out = [] if sign > 0 else [candle(self.close, self.close + self.u(0.5, 1.5), 0.2, 0.2)]
        prev = out[-1] if out else None
        for _ in range(3):
            if prev is None:
                o = self.close
            else:
                o = prev[0] + (prev[3] - prev[0]) * self.rng.uniform(0.3, 0.9)
            c = (prev[3] if prev else o) + sign * self.u(1.0, 2.5)
            up, down = (self.tiny(), self.u(0, 0.3)) if sign > 0 else (self.u(0, 0.3), self.tiny())
            prev = candle(o, c, up, down)
            out.append(prev)
        return out

    def setup(self):
        sign = self.rng.choice([-1, 1])
        kind = self.rng.integers(0, 9)
        if kind == 0:
            return self.star(sign, doji=self.rng.random() < 0.5)
        if kind == 1:
            return self.piercing_or_cloud(sign)
        if kind == 2:
            return self.kicking(sign)
        if kind == 3:
            return self.engulfing(sign)
        if kind == 4:
            return self.harami(sign, doji=self.rng.random() < 0.4, confirm=self.rng.random() < 0.6)
        if kind == 5:
            return self.doji_star(sign)
        if kind == 6:
            return self.three(sign)
        # a short run, so that "after a rise/fall" shapes (hanging man, stars) get context
        return [c for _ in range(3) for c in self.trend_step(sign)]

    def trend_step(self, sign):
        o = self.close
        c = candle(o, o + sign * self.u(0.5, 1.5), self.u(0, 0.5), self.u(0, 0.5))
        self.close = c[3]
        return [c]

    def bars(self, n):
        out = []
        while len(out) < n:
            r = self.rng.random()
            group = self.ordinary() if r < 0.45 else self.shape() if r < 0.7 else self.setup()
            for c in group:
                out.append(c)
                self.close = c[3]
            # keep prices near 100 so that the cent rounding stays comparable to UNIT
            if self.close < 60 or self.close > 140:
                self.close = 100.0
        return out[:n]


def main():
    rng = np.random.default_rng(SEED)
    bars = Market(rng).bars(BARS)
    vol = rng.integers(100, 50_000, size=len(bars))
    path = GOLDEN / "pattern_bars.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "open", "high", "low", "close", "volume"])
        for i, ((o, h, l, c), v) in enumerate(zip(bars, vol)):
            prices = (repr(float(x)) for x in (o, h, l, c))
            w.writerow([1704205800 + 60 * i, *prices, repr(float(v))])

    sys.path.insert(0, str(HERE))
    from families.patterns import write_goldens

    cols = [np.array([b[k] for b in bars], dtype=np.float64) for k in range(4)]
    out = write_goldens((*cols, vol.astype(np.float64)), suffix="_rich")
    print(f"wrote {path} ({len(bars)} bars) and TA-Lib {talib.__version__} goldens to {out}")


if __name__ == "__main__":
    main()
