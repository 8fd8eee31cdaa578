"""Volume: OBV, accumulation/distribution, ADOSC."""

import talib

SPECS = [
    ("obv", lambda o, h, l, c, v: {"value": talib.OBV(c, v)}),
    ("ad", lambda o, h, l, c, v: {"value": talib.AD(h, l, c, v)}),
]
# ADOSC seeds its EMAs with the first A/D value; (10, 3) checks a "fast" period longer
# than the "slow" one, which TA-Lib accepts.
SPECS += [
    (
        f"adosc_{fast}_{slow}",
        lambda o, h, l, c, v, fast=fast, slow=slow: {
            "value": talib.ADOSC(h, l, c, v, fastperiod=fast, slowperiod=slow)
        },
    )
    for fast, slow in ((3, 10), (2, 5), (10, 3))
]
