// The chain of the analytics crate's tests (analytics/src/options/chain.rs), with the
// values it expects: the browser computes what the crate computes.

import { describe, expect, it } from "vitest";
import { maxPain, parseOcc, putCallRatios, smile, termStructure, toMilli, type ChainRow } from "./chain";

const JUNE = "2024-10-04";
const JULY = "2024-11-03";

function row(expiration: string, type: "call" | "put", strike: number, iv: number | null, volume: number, openInterest: number): ChainRow {
  return { expiration, type, strikeMilli: toMilli(strike), impliedVolatility: iv, volume, openInterest };
}

const CHAIN: ChainRow[] = [
  row(JUNE, "call", 90, 0.3, 10, 100),
  row(JUNE, "put", 90, 0.28, 40, 200),
  row(JUNE, "call", 100, 0.25, 80, 10),
  row(JUNE, "put", 100, 0.27, 60, 0),
  row(JUNE, "call", 110, 0.22, 30, 300),
  row(JUNE, "put", 110, null, 0, 50),
  row(JUNE, "call", 120, Number.NaN, 0, 0),
  row(JULY, "call", 95, 0.3, 5, 7),
  row(JULY, "put", 95, 0.32, 5, 3),
  row(JULY, "call", 105, 0.2, 10, 0),
];

describe("smile", () => {
  it("uses the out-of-the-money side, the mean at the spot, and skips strikes without IV", () => {
    expect(smile(CHAIN, JUNE, 100)).toEqual([
      { strike: 90, iv: 0.28 },
      { strike: 100, iv: 0.26 },
      { strike: 110, iv: 0.22 },
    ]);
    expect(smile(CHAIN, JULY, 100)).toEqual([
      { strike: 95, iv: 0.32 },
      { strike: 105, iv: 0.2 },
    ]);
  });
  it("falls back to the other side, and is empty without contracts", () => {
    expect(smile([row(JUNE, "call", 90, 0.3, 0, 0)], JUNE, 100)).toEqual([{ strike: 90, iv: 0.3 }]);
    expect(smile([], JUNE, 100)).toEqual([]);
  });
});

describe("term structure", () => {
  it("takes the strike nearest the spot, the lower on a tie", () => {
    const term = termStructure(CHAIN, 100);
    expect(term.map((t) => [t.expiration, t.atmStrike])).toEqual([
      [JUNE, 100],
      [JULY, 95],
    ]);
    expect(term[0]!.iv).toBeCloseTo(0.26, 15);
    expect(term[1]!.iv).toBeCloseTo(0.31, 15);
    const at104 = termStructure(CHAIN, 104);
    expect([at104[1]!.atmStrike, at104[1]!.iv]).toEqual([105, 0.2]);
  });
});

describe("put/call ratios", () => {
  it("sum volume and open interest over the contracts", () => {
    expect(putCallRatios(CHAIN)).toEqual({ volume: 105 / 135, openInterest: 253 / 417 });
    expect(putCallRatios([row(JUNE, "put", 90, null, 5, 5)])).toEqual({ volume: null, openInterest: null });
  });
});

describe("max pain", () => {
  it("minimises the payout to holders", () => {
    const listed = [
      row(JUNE, "call", 95, null, 0, 100),
      row(JUNE, "call", 100, null, 0, 10),
      row(JUNE, "call", 105, null, 0, 300),
      row(JUNE, "put", 95, null, 0, 200),
      row(JUNE, "put", 105, null, 0, 50),
      row(JULY, "call", 100, null, 9, 0),
    ];
    expect(maxPain(listed)).toEqual([{ expiration: JUNE, strike: 95, payout: 500 }]);
  });
  it("takes the lower strike on a tie and the middle of a symmetric chain", () => {
    const symmetric = [
      [90, 10, 30],
      [100, 20, 20],
      [110, 30, 10],
    ].flatMap(([k, c, p]) => [row(JUNE, "call", k!, null, 0, c!), row(JUNE, "put", k!, null, 0, p!)]);
    expect(maxPain(symmetric)[0]).toEqual({ expiration: JUNE, strike: 100, payout: 200 });
    const tie = [row(JUNE, "call", 100, null, 0, 1), row(JUNE, "put", 110, null, 0, 1)];
    expect(maxPain(tie)[0]?.strike).toBe(100);
  });
  it("is exact past 2^53 in thousandths", () => {
    const big = [row(JUNE, "call", 100, null, 0, 2 ** 40), row(JUNE, "put", 200, null, 0, 1), row(JUNE, "call", 200, null, 0, 0)];
    // Settling at 100 pays the put 100 (100,000 thousandths); at 200 the call 2^40 x 100.
    expect(maxPain(big)[0]).toEqual({ expiration: JUNE, strike: 100, payout: 100 });
  });
});

describe("OCC symbols", () => {
  it("parse into root, expiration, right and strike", () => {
    expect(parseOcc("AAPL261222C00440000")).toEqual({ root: "AAPL", expiration: "2026-12-22", type: "call", strike: 440 });
    expect(parseOcc("SPY270319P00512500")).toEqual({ root: "SPY", expiration: "2027-03-19", type: "put", strike: 512.5 });
    expect(parseOcc("AAPL")).toBeNull();
  });
});
