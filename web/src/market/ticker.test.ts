import { describe, expect, it } from "vitest";
import { SymbolTicker, type BarPoint } from "./ticker";

const DAY = 20_000 * 86_400;

function bar(start: number, seconds: number, volume: number, close = 100, open = close): BarPoint {
  return { start, end: start + seconds, open, close, volume, revision: 0 };
}

describe("SymbolTicker", () => {
  it("counts the day's volume from minute bars, then second bars, then trades, once each", () => {
    const t = new SymbolTicker("AAPL");
    t.setDay(DAY);
    t.applyMinuteBar(bar(DAY, 60, 1000));
    t.applySecondBar(bar(DAY + 59, 1, 7)); // inside the minute: already counted
    t.applySecondBar(bar(DAY + 60, 1, 20));
    t.applySecondBar(bar(DAY + 61, 1, 30));
    t.applyTrade(100, 4, DAY + 61.5); // inside the second bar
    t.applyTrade(100, 5, DAY + 62.5);
    expect(t.volume).toBe(1000 + 20 + 30 + 5);
    // The minute closes: its bar replaces the seconds and trades in it.
    t.applyMinuteBar(bar(DAY + 60, 60, 60));
    t.applyTrade(100, 6, DAY + 120.5);
    expect(t.volume).toBe(1000 + 60 + 6);
  });

  it("prefers the previous close, falls back to the day's open", () => {
    const t = new SymbolTicker("AAPL");
    t.setDay(DAY);
    t.applyMinuteBar(bar(DAY, 60, 1, 101, 100));
    t.applyTrade(102, 1, DAY + 61);
    expect(t.reference).toEqual({ price: 100, kind: "open" });
    expect(t.change).toBe(2);
    t.setPreviousClose(104);
    expect(t.changeRatio).toBeCloseTo(-2 / 104, 15);
    t.applyMinuteBar(bar(DAY + 60, 60, 1, 103, 99));
    expect(t.reference?.kind).toBe("previous close");
  });

  it("takes the day's open from its first second bar while no minute bar has closed", () => {
    const t = new SymbolTicker("AAPL");
    t.setDay(DAY);
    t.applySecondBar(bar(DAY - 1, 1, 5, 90, 90)); // yesterday's
    t.applySecondBar(bar(DAY + 3, 1, 5, 101, 100.5));
    t.applySecondBar(bar(DAY + 2, 1, 5, 100, 99.5));
    t.applyTrade(101, 1, DAY + 4.5);
    expect(t.reference).toEqual({ price: 99.5, kind: "open" });
    t.applyMinuteBar(bar(DAY, 60, 1, 100, 99));
    expect(t.reference).toEqual({ price: 99, kind: "open" });
  });

  it("keeps the newest trade as the last price and starts a new day from it", () => {
    const t = new SymbolTicker("AAPL");
    t.applyTrade(10, 1, DAY + 5);
    t.applyTrade(9, 1, DAY + 4); // older: counted, not the last price
    expect([t.last, t.direction]).toEqual([10, 0]);
    t.applyTrade(11, 1, DAY + 86_400 + 1);
    expect(t.reference).toEqual({ price: 10, kind: "previous close" });
    expect(t.volume).toBe(1);
    expect(t.direction).toBe(1);
  });

  it("draws the sparkline from second bars until the day has enough minute bars", () => {
    const t = new SymbolTicker("AAPL");
    t.setDay(DAY);
    for (let i = 0; i < 5; i++) t.applySecondBar(bar(DAY + i, 1, 1, 50 + i));
    t.applyTrade(60, 1, DAY + 5.5);
    expect(t.spark).toEqual([50, 51, 52, 53, 54, 60]);
    for (let i = 0; i < 20; i++) t.applyMinuteBar(bar(DAY + 60 * i, 60, 1, 70 + i));
    expect(t.spark.slice(0, 2)).toEqual([70, 71]);
    expect(t.spark).toHaveLength(21);
  });
});
