import { afterEach, describe, expect, it, vi } from "vitest";
import { Heartbeat, retryDelay } from "./socket";

describe("retryDelay", () => {
  it("doubles from 500 ms to at most 10 s, a quarter either way", () => {
    for (let i = 0; i < 200; i++) {
      const first = retryDelay(1);
      expect(first).toBeGreaterThanOrEqual(375);
      expect(first).toBeLessThanOrEqual(625);
      const fourth = retryDelay(4);
      expect(fourth).toBeGreaterThanOrEqual(3000);
      expect(fourth).toBeLessThanOrEqual(5000);
      expect(retryDelay(30)).toBeLessThanOrEqual(12_500);
    }
  });
});

describe("Heartbeat", () => {
  afterEach(() => vi.useRealTimers());

  it("pings every 20 s and calls a connection silent 10 s after an unanswered ping", () => {
    vi.useFakeTimers();
    const beat = new Heartbeat();
    let pings = 0;
    let silent = 0;
    beat.start(
      () => pings++,
      () => silent++,
    );
    vi.advanceTimersByTime(20_000);
    expect(pings).toBe(1);
    beat.heard(); // a pong
    vi.advanceTimersByTime(20_000);
    expect([pings, silent]).toEqual([2, 0]);
    // No answer to the second ping: the next tick finds the deadline passed.
    vi.advanceTimersByTime(20_000);
    expect([pings, silent]).toEqual([2, 1]);
    beat.stop();
    vi.advanceTimersByTime(60_000);
    expect([pings, silent]).toEqual([2, 1]);
  });
});
