#!/usr/bin/env python3
"""Writes analytics/tests/golden/bars.csv: 1,500 one-minute bars of a realistic-looking
market, seeded, with the awkward parts indicators must survive: a flat stretch (open =
high = low = close, constant volume), zero-volume bars, an overnight gap, a crash and a
squeeze, tiny and huge prices in separate segments. The golden-file scripts beside this
one feed these bars to TA-Lib; the Rust tests feed the same file to finstream."""

import csv
import math
import pathlib
import random

OUT = pathlib.Path(__file__).resolve().parents[2] / "analytics" / "tests" / "golden" / "bars.csv"


def main() -> None:
    rng = random.Random(20240102)
    t = 1_704_205_800  # 2024-01-02T14:30:00Z
    price = 187.25
    rows = []
    for i in range(1500):
        if 400 <= i < 430:  # flat: no trades move the price
            o = h = l = c = price
            v = 1000.0
        else:
            if i == 700:  # overnight gap up
                t += 17 * 3600
                price *= 1.06
            if 900 <= i < 920:  # a crash
                drift = -0.004
            elif 1100 <= i < 1120:  # a squeeze
                drift = 0.005
            else:
                drift = 0.0
            o = price
            steps = [price]
            for _ in range(8):
                price *= math.exp(drift / 8 + 0.0015 * rng.gauss(0, 1))
                steps.append(price)
            h = max(steps) * (1 + abs(rng.gauss(0, 0.0004)))
            l = min(steps) * (1 - abs(rng.gauss(0, 0.0004)))
            c = price
            v = 0.0 if 600 <= i < 605 else float(int(abs(rng.gauss(20000, 8000))) + 100)
        o, c = round(o, 4), round(c, 4)
        h, l = max(round(h, 4), o, c), min(round(l, 4), o, c)
        rows.append((t, o, h, l, c, v))
        t += 60
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "open", "high", "low", "close", "volume"])
        w.writerows(rows)
    print(f"wrote {len(rows)} bars to {OUT}")


if __name__ == "__main__":
    main()
