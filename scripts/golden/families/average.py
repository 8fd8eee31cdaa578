"""Moving averages."""

import talib

SPECS = [
    ("sma_20", lambda o, h, l, c, v: {"value": talib.SMA(c, timeperiod=20)}),
    ("sma_2", lambda o, h, l, c, v: {"value": talib.SMA(c, timeperiod=2)}),
]
SPECS += [
    ("ema_10", lambda o, h, l, c, v: {"value": talib.EMA(c, timeperiod=10)}),
]
SPECS += [
    ("wma_10", lambda o, h, l, c, v: {"value": talib.WMA(c, timeperiod=10)}),
    ("wma_2", lambda o, h, l, c, v: {"value": talib.WMA(c, timeperiod=2)}),
    ("dema_10", lambda o, h, l, c, v: {"value": talib.DEMA(c, timeperiod=10)}),
    ("dema_2", lambda o, h, l, c, v: {"value": talib.DEMA(c, timeperiod=2)}),
    ("tema_10", lambda o, h, l, c, v: {"value": talib.TEMA(c, timeperiod=10)}),
    ("tema_2", lambda o, h, l, c, v: {"value": talib.TEMA(c, timeperiod=2)}),
    ("kama_10", lambda o, h, l, c, v: {"value": talib.KAMA(c, timeperiod=10)}),
    ("kama_2", lambda o, h, l, c, v: {"value": talib.KAMA(c, timeperiod=2)}),
]
