"""Candlestick patterns: TA-Lib's CDL* functions, one golden file per pattern, named as the
function in lower case (cdlengulfing.csv), with one column `value` (100, -100, 80, 0, ...).

TA-Lib prints 0 inside its lookback; those rows are written empty, as NaN is for every other
indicator, so that the tests check the first output index too. Penetrations are explicit.

    python3 scripts/golden/families/patterns.py   # rewrites only this family's files

pattern_bars.py writes the same patterns on a second, pattern-rich input (<name>_rich.csv)."""

import csv
import pathlib
import sys

import numpy as np
import talib
from talib import abstract

# (TA-Lib function, parameters): every pattern the Rust side implements.
PATTERNS = [
    ("CDL3BLACKCROWS", {}),
    ("CDL3INSIDE", {}),
    ("CDL3OUTSIDE", {}),
    ("CDL3WHITESOLDIERS", {}),
    ("CDLBELTHOLD", {}),
    ("CDLCLOSINGMARUBOZU", {}),
    ("CDLDARKCLOUDCOVER", {"penetration": 0.5}),
    ("CDLDOJI", {}),
    ("CDLDOJISTAR", {}),
    ("CDLDRAGONFLYDOJI", {}),
    ("CDLENGULFING", {}),
    ("CDLEVENINGDOJISTAR", {"penetration": 0.3}),
    ("CDLEVENINGSTAR", {"penetration": 0.3}),
    ("CDLGRAVESTONEDOJI", {}),
    ("CDLHAMMER", {}),
    ("CDLHANGINGMAN", {}),
    ("CDLHARAMI", {}),
    ("CDLHARAMICROSS", {}),
    ("CDLHIGHWAVE", {}),
    ("CDLINVERTEDHAMMER", {}),
    ("CDLKICKING", {}),
    ("CDLLONGLEGGEDDOJI", {}),
    ("CDLLONGLINE", {}),
    ("CDLMARUBOZU", {}),
    ("CDLMORNINGDOJISTAR", {"penetration": 0.3}),
    ("CDLMORNINGSTAR", {"penetration": 0.3}),
    ("CDLPIERCING", {}),
    ("CDLRICKSHAWMAN", {}),
    ("CDLSHOOTINGSTAR", {}),
    ("CDLSHORTLINE", {}),
    ("CDLSPINNINGTOP", {}),
    ("CDLTAKURI", {}),
]


def lookback(name, params):
    fn = abstract.Function(name)
    fn.set_parameters(params)
    return fn.lookback


def pattern(name, params):
    fn = getattr(talib, name)
    start = lookback(name, params)

    def run(o, h, l, c, v):
        out = fn(o, h, l, c, **params).astype(np.float64)
        out[:start] = np.nan
        return {"value": out}

    return run


SPECS = [(name.lower(), pattern(name, params)) for name, params in PATTERNS]


def write_goldens(bars, suffix=""):
    """Writes golden/talib/<name><suffix>.csv for every spec, as talib_golden.py does."""
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    from talib_golden import GOLDEN, fmt

    out_dir = GOLDEN / "talib"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, fn in SPECS:
        outputs = fn(*bars)
        cols = list(outputs)
        with (out_dir / f"{name}{suffix}.csv").open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["index", *cols])
            for i in range(len(bars[0])):
                w.writerow([i, *(fmt(outputs[c][i]) for c in cols)])
    return out_dir


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    from talib_golden import load_bars

    out = write_goldens(load_bars())
    print(f"TA-Lib {talib.__version__}: wrote {len(SPECS)} pattern golden files to {out}")
