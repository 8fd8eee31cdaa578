// Reference values are TA-Lib 0.8's, as the analytics crate quotes them for the same inputs
// (analytics/src/indicators: test_support.rs CLOSES, and the tests of sma, rsi, macd and
// bbands).

import { describe, expect, it } from "vitest";
import { bollinger, ema, macd, rsi, sma } from "./indicators";

/** Wilder's example closes. */
const CLOSES = [
  44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0, 46.03, 46.41, 46.22,
  45.64,
];

function expectClose(got: number | null | undefined, want: number, relative = 1e-12): void {
  expect(got).not.toBeNull();
  expect(Math.abs((got as number) - want)).toBeLessThanOrEqual(relative * Math.max(Math.abs(want), 1e-3));
}

describe("sma", () => {
  it("outputs from the period-th input, as TA-Lib", () => {
    expect(sma([1, 2, 3, 4, 5], 3)).toEqual([null, null, 2, 3, 4]);
  });
  it("is empty on too few inputs", () => {
    expect(sma([1, 2], 3)).toEqual([null, null]);
    expect(sma([], 3)).toEqual([]);
  });
});

describe("ema", () => {
  it("seeds with the simple average, then smooths", () => {
    expect(ema([1, 2, 3, 4, 5], 3)).toEqual([null, null, 2, 3, 4]);
    const out = ema([2, 4, 6, 8], 2);
    expect(out[1]).toBe(3);
    expect(out[2]).toBeCloseTo(3 + (6 - 3) * (2 / 3), 12);
  });
});

describe("rsi", () => {
  it("matches TA-Lib bit for bit from index `period`", () => {
    const want = [
      61.83574879227044, 67.1858774662513, 72.82889079965608, 78.80794701986757, 81.68646769052444, 72.00755134174017, 74.76189319536775,
      54.61120176955643, 70.4780395468702, 70.47803954687019, 57.38001967396591, 58.41506901093361, 69.96439319309509, 59.616192564093375,
      38.10849339251256,
    ];
    const got = rsi(CLOSES, 5);
    expect(got.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(got.slice(5)).toEqual(want);
  });
  it("is 0 on flat prices and the extremes on one-way moves", () => {
    expect(rsi([5, 5, 5, 5], 2)[3]).toBe(0);
    expect(rsi([1, 2, 3, 4], 2)[3]).toBe(100);
    expect(rsi([4, 3, 2, 1], 2)[3]).toBe(0);
  });
});

describe("macd", () => {
  it("matches TA-Lib MACD(3, 5, 2), first output at slow + signal - 2", () => {
    const want: [number, number][] = [
      [0.08399999999999608, 0.0049999999999954525],
      [0.16766666666666907, 0.11344444444444453],
      [0.2209444444444486, 0.18511111111111392],
      [0.2718796296296304, 0.24295679012345825],
      [0.28354475308641724, 0.2700154320987642],
    ];
    const got = macd(CLOSES, 3, 5, 2);
    expect(got.macd.slice(0, 5)).toEqual([null, null, null, null, null]);
    want.forEach(([m, s], j) => {
      expectClose(got.macd[5 + j], m);
      expectClose(got.signal[5 + j], s);
      expectClose(got.hist[5 + j], m - s);
    });
    // EMA(3) - EMA(5) computed independently would be 0.1269... at index 5: TA-Lib's fast
    // EMA starts late.
    expect(Math.abs((got.macd[5] ?? 0) - 0.12691666666666634)).toBeGreaterThan(0.01);
  });
  it("swaps fast and slow as TA-Lib does", () => {
    expect(macd(CLOSES, 5, 3, 2)).toEqual(macd(CLOSES, 3, 5, 2));
  });
});

describe("bollinger", () => {
  it("matches TA-Lib BBANDS(3, 2, 2)", () => {
    const closes = [9.5, 10.5, 11.5, 10.5, 12.0, 12.5, 11.5];
    const want = [
      [12.132993161855453, 10.5, 8.867006838144547],
      [11.776142374915398, 10.833333333333334, 9.89052429175127],
      [12.580552462257982, 11.333333333333334, 10.086114204408686],
      [13.366339837864261, 11.666666666666666, 9.96699349546907],
      [12.816496580927724, 12.0, 11.183503419072276],
    ];
    const got = bollinger(closes, 3, 2);
    expect(got.upper.slice(0, 2)).toEqual([null, null]);
    want.forEach(([u, m, l], j) => {
      expectClose(got.upper[2 + j], u!, 1e-13);
      expectClose(got.middle[2 + j], m!, 1e-13);
      expectClose(got.lower[2 + j], l!, 1e-13);
    });
  });
  it("has zero width on a flat window", () => {
    const got = bollinger([3, 3, 3], 3, 2);
    expect([got.lower[2], got.middle[2], got.upper[2]]).toEqual([3, 3, 3]);
  });
});
