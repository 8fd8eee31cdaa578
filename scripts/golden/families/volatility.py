"""Volatility: true range, ATR, NATR, Bollinger bands."""

import talib

SPECS = [
    ("trange", lambda o, h, l, c, v: {"value": talib.TRANGE(h, l, c)}),
]
SPECS += [
    (f"atr_{n}", lambda o, h, l, c, v, n=n: {"value": talib.ATR(h, l, c, timeperiod=n)})
    for n in (14, 2, 1)
]
# NATR(1) is TA-Lib's raw true range (not normalized); the Rust side reproduces it.
SPECS += [
    (f"natr_{n}", lambda o, h, l, c, v, n=n: {"value": talib.NATR(h, l, c, timeperiod=n)})
    for n in (14, 2, 1)
]


def _bbands(n, up, dn):
    def fn(o, h, l, c, v):
        upper, middle, lower = talib.BBANDS(c, timeperiod=n, nbdevup=up, nbdevdn=dn, matype=0)
        return {"upper": upper, "middle": middle, "lower": lower}

    return fn


# Equal, unit-up and fractional multipliers take different paths in TA-Lib's code.
SPECS += [
    (f"bbands_{n}_{up:g}_{dn:g}", _bbands(n, up, dn))
    for n, up, dn in ((20, 2.0, 2.0), (5, 1.0, 3.0), (2, 1.5, 2.5))
]
