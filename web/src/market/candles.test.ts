import { describe, expect, it } from "vitest";
import { CandleSeries } from "./candles";

function bar(time: number, close: number, revision = 0, volume = 10) {
  return { time, open: close, high: close, low: close, close, volume, revision };
}

describe("CandleSeries", () => {
  it("orders bars by start and says what changed", () => {
    const s = new CandleSeries(60);
    expect(s.upsertBar(bar(120, 2))).toBe("append");
    expect(s.upsertBar(bar(180, 3))).toBe("append");
    expect(s.upsertBar(bar(60, 1))).toBe("rewrite");
    expect(s.candles.map((c) => c.time)).toEqual([60, 120, 180]);
    expect(s.upsertBar(bar(180, 3.5, 1))).toBe("last");
    expect(s.upsertBar(bar(120, 2.5, 1))).toBe("rewrite");
    expect(s.candles.map((c) => c.close)).toEqual([1, 2.5, 3.5]);
  });

  it("keeps a newer revision over an older one that arrives late", () => {
    const s = new CandleSeries(60);
    s.upsertBar(bar(60, 2, 2));
    expect(s.upsertBar(bar(60, 1, 1))).toBe("none");
    expect(s.candles[0]?.close).toBe(2);
  });

  it("builds the forming candle from trades after the newest bar, and the bar replaces it", () => {
    const s = new CandleSeries(60);
    s.upsertBar(bar(60, 10));
    expect(s.applyTrade(11, 5, 100)).toBe("none"); // inside the published bar
    expect(s.applyTrade(11, 5, 125)).toBe("append");
    expect(s.applyTrade(13, 1, 130)).toBe("last");
    expect(s.applyTrade(9, 2, 170)).toBe("last");
    expect(s.candles[1]).toMatchObject({ time: 120, open: 11, high: 13, low: 9, close: 9, volume: 8, closed: false });
    expect(s.closedCount).toBe(1);
    expect(s.upsertBar(bar(120, 9.5))).toBe("last");
    expect(s.candles[1]).toMatchObject({ close: 9.5, closed: true });
  });

  it("drops forming candles that a later published bar skipped", () => {
    const s = new CandleSeries(1);
    s.upsertBar(bar(1, 1));
    s.applyTrade(2, 1, 2.5);
    expect(s.upsertBar(bar(3, 3))).toBe("rewrite");
    expect(s.candles.map((c) => [c.time, c.closed])).toEqual([
      [1, true],
      [3, true],
    ]);
  });
});
