"""Range oscillators: STOCH (SMA smoothing), WILLR, CCI, AROON, MFI."""

import talib


def stoch(fastk, slowk, slowd):
    def run(o, h, l, c, v):
        k, d = talib.STOCH(
            h, l, c,
            fastk_period=fastk, slowk_period=slowk, slowk_matype=0,
            slowd_period=slowd, slowd_matype=0,
        )
        return {"k": k, "d": d}

    return (f"stoch_{fastk}_{slowk}_{slowd}", run)


def aroon(period):
    def run(o, h, l, c, v):
        down, up = talib.AROON(h, l, timeperiod=period)
        return {"down": down, "up": up}

    return (f"aroon_{period}", run)


SPECS = [stoch(5, 3, 3), stoch(14, 3, 3), stoch(2, 1, 2)]
SPECS += [
    (f"willr_{p}", lambda o, h, l, c, v, p=p: {"value": talib.WILLR(h, l, c, timeperiod=p)})
    for p in (14, 2)
]
SPECS += [
    (f"cci_{p}", lambda o, h, l, c, v, p=p: {"value": talib.CCI(h, l, c, timeperiod=p)})
    for p in (20, 3)
]
SPECS += [aroon(14), aroon(2)]
SPECS += [
    (f"mfi_{p}", lambda o, h, l, c, v, p=p: {"value": talib.MFI(h, l, c, v, timeperiod=p)})
    for p in (14, 2)
]
