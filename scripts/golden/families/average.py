"""Moving averages."""

import talib

SPECS = [
    ("sma_20", lambda o, h, l, c, v: {"value": talib.SMA(c, timeperiod=20)}),
    ("sma_2", lambda o, h, l, c, v: {"value": talib.SMA(c, timeperiod=2)}),
]
SPECS += [
    ("ema_10", lambda o, h, l, c, v: {"value": talib.EMA(c, timeperiod=10)}),
]
