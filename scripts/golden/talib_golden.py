#!/usr/bin/env python3
"""Writes analytics/tests/golden/talib/<name>.csv: TA-Lib's outputs on golden/bars.csv for
every indicator the Rust tests check. Each family module in families/ lists its cases as
SPECS = [(file_name, function(open, high, low, close, volume) -> {column: array})].

    pip install TA-Lib numpy   # the TA-Lib wheel bundles the C library
    python3 scripts/golden/talib_golden.py

Parameters are always passed explicitly: TA-Lib's defaults differ from other libraries'."""

import csv
import importlib
import math
import pathlib
import pkgutil
import sys

import numpy as np
import talib

HERE = pathlib.Path(__file__).resolve().parent
GOLDEN = HERE.parents[1] / "analytics" / "tests" / "golden"


def load_bars():
    with (GOLDEN / "bars.csv").open() as f:
        rows = list(csv.DictReader(f))
    col = lambda k: np.array([float(r[k]) for r in rows], dtype=np.float64)
    return col("open"), col("high"), col("low"), col("close"), col("volume")


def fmt(x) -> str:
    x = float(x)
    return "" if math.isnan(x) else repr(x)


def main() -> None:
    sys.path.insert(0, str(HERE))
    bars = load_bars()
    out_dir = GOLDEN / "talib"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for info in pkgutil.iter_modules([str(HERE / "families")]):
        family = importlib.import_module(f"families.{info.name}")
        for name, fn in family.SPECS:
            outputs = fn(*bars)
            cols = list(outputs)
            with (out_dir / f"{name}.csv").open("w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["index", *cols])
                for i in range(len(bars[0])):
                    w.writerow([i, *(fmt(outputs[c][i]) for c in cols)])
            written += 1
    print(f"TA-Lib {talib.__version__}: wrote {written} golden files to {out_dir}")


if __name__ == "__main__":
    main()
