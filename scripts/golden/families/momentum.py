"""Momentum of closes. PPO and STOCHRSI pass matype 0 (simple averages), the only kind
the Rust side implements; MACD is TA-Lib's own (EMAs seeded with simple averages)."""

import talib


def _macd(fast, slow, signal):
    def run(o, h, l, c, v):
        macd, sig, hist = talib.MACD(
            c, fastperiod=fast, slowperiod=slow, signalperiod=signal
        )
        return {"macd": macd, "signal": sig, "hist": hist}

    return run


def _stochrsi(period, fastk, fastd):
    def run(o, h, l, c, v):
        k, d = talib.STOCHRSI(
            c,
            timeperiod=period,
            fastk_period=fastk,
            fastd_period=fastd,
            fastd_matype=0,
        )
        return {"k": k, "d": d}

    return run


def _single(fn, **params):
    return lambda o, h, l, c, v: {"value": fn(c, **params)}


SPECS = []
for n in (14, 2):
    SPECS.append((f"rsi_{n}", _single(talib.RSI, timeperiod=n)))
for n in (14, 3):
    SPECS.append((f"cmo_{n}", _single(talib.CMO, timeperiod=n)))
for n in (10, 1):
    SPECS.append((f"mom_{n}", _single(talib.MOM, timeperiod=n)))
    SPECS.append((f"roc_{n}", _single(talib.ROC, timeperiod=n)))
for n in (30, 2):
    SPECS.append((f"trix_{n}", _single(talib.TRIX, timeperiod=n)))
for fast, slow in ((12, 26), (2, 3)):
    SPECS.append(
        (f"ppo_{fast}_{slow}", _single(talib.PPO, fastperiod=fast, slowperiod=slow, matype=0))
    )
for fast, slow, signal in ((12, 26, 9), (3, 5, 2)):
    SPECS.append((f"macd_{fast}_{slow}_{signal}", _macd(fast, slow, signal)))
for period, fastk, fastd in ((14, 5, 3), (5, 3, 2)):
    SPECS.append((f"stochrsi_{period}_{fastk}_{fastd}", _stochrsi(period, fastk, fastd)))
