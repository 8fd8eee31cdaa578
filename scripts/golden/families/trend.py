"""Trend: ADX with +DI and -DI (each from its own TA-Lib function, so each column keeps
that function's start index), parabolic SAR."""

import talib


def adx(period):
    def run(o, h, l, c, v):
        return {
            "adx": talib.ADX(h, l, c, timeperiod=period),
            "plus_di": talib.PLUS_DI(h, l, c, timeperiod=period),
            "minus_di": talib.MINUS_DI(h, l, c, timeperiod=period),
        }

    return (f"adx_{period}", run)


def sar(acceleration, maximum):
    def run(o, h, l, c, v):
        return {"value": talib.SAR(h, l, acceleration=acceleration, maximum=maximum)}

    return (f"sar_{acceleration}_{maximum}", run)


SPECS = [adx(14), adx(5), adx(2)]
# Wilder's 0.02 / 0.2; a fast one; and an acceleration above the maximum, which TA-Lib
# lowers to the maximum.
SPECS += [sar(0.02, 0.2), sar(0.1, 0.3), sar(0.3, 0.2)]
