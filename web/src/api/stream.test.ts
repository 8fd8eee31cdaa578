// The stream client against a scripted socket: what it sends, and how it resumes.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Socket, StreamClient } from "./stream";

class FakeSocket implements Socket {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closed: number | null = null;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent<unknown>) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code = 1000): void {
    this.closed = code;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  receive(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent<unknown>);
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 } as CloseEvent);
  }
}

function bar(partition: number, offset: number) {
  return { type: "bar", symbol: "AAPL", topic: "market.bars.v1", partition, offset, data: {} };
}

describe("StreamClient", () => {
  let sockets: FakeSocket[];
  let client: StreamClient;

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    client = new StreamClient("test", {
      url: () => "ws://gateway/v1/stream",
      connect: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      probeAuth: () => Promise.resolve(null),
    });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("subscribes to what is wanted and follows changes", () => {
    client.setSubscription(["aapl", "MSFT"], ["bars", "trades"]);
    const ws = sockets[0]!;
    ws.open();
    expect(ws.sent).toEqual([{ action: "subscribe", symbols: ["AAPL", "MSFT"], channels: ["bars", "trades"] }]);
    ws.receive({ type: "subscribed", symbols: ["AAPL", "MSFT"], channels: ["bars", "trades"], positions: {} });
    expect(client.status.phase).toBe("live");
    client.setSubscription(["AAPL", "SPY"], ["bars", "trades"]);
    expect(ws.sent.slice(1)).toEqual([
      { action: "unsubscribe", symbols: ["MSFT"] },
      { action: "subscribe", symbols: ["SPY"], channels: ["bars", "trades"] },
    ]);
    client.setSubscription(["AAPL", "SPY"], ["greeks"]);
    expect(ws.sent[3]).toEqual({ action: "subscribe", symbols: [], channels: ["greeks"] });
    client.setSubscription([], []);
    expect(ws.closed).toBe(1000);
    expect(client.status.phase).toBe("idle");
  });

  it("resumes after a drop from the newest offsets seen, and reports the replay", () => {
    const updates: number[] = [];
    client.onUpdate((u) => updates.push(u.offset));
    client.setSubscription(["AAPL"], ["bars"]);
    const first = sockets[0]!;
    first.open();
    first.receive({ type: "subscribed", symbols: ["AAPL"], channels: ["bars"], positions: { "market.bars.v1/0": 10, "market.bars.v1/3": 40 } });
    first.receive(bar(3, 41));
    first.receive(bar(3, 42));
    first.drop();
    expect(client.status.phase).toBe("reconnecting");
    expect(client.status.attempt).toBe(1);

    vi.advanceTimersByTime(1000);
    const second = sockets[1]!;
    second.open();
    expect(second.sent).toEqual([
      { action: "subscribe", symbols: ["AAPL"], channels: ["bars"], resume: { "market.bars.v1/0": 10, "market.bars.v1/3": 42 } },
    ]);
    expect(client.status.phase).toBe("resuming");
    second.receive({ type: "subscribed", symbols: ["AAPL"], channels: ["bars"], positions: { "market.bars.v1/0": 12, "market.bars.v1/3": 50 } });
    second.receive(bar(3, 43));

    // Dropped again mid-replay: the next resume starts after 43, not at the snapshot's 50.
    second.drop();
    vi.advanceTimersByTime(2000);
    const third = sockets[2]!;
    third.open();
    expect(third.sent[0]).toMatchObject({ resume: { "market.bars.v1/0": 10, "market.bars.v1/3": 43 } });
    third.receive({ type: "subscribed", symbols: ["AAPL"], channels: ["bars"], positions: { "market.bars.v1/0": 12, "market.bars.v1/3": 50 } });
    for (let o = 44; o <= 50; o++) third.receive(bar(3, o));
    third.receive({ type: "resumed", replayed: 7, complete: true, problems: [] });
    expect(client.status.phase).toBe("live");
    expect(client.status.lastResume).toMatchObject({ replayed: 7, complete: true });
    expect(updates).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50]);

    // After a complete resume the snapshot's offsets hold for partitions that were quiet.
    third.drop();
    vi.advanceTimersByTime(1000);
    sockets[3]!.open();
    expect(sockets[3]!.sent[0]).toMatchObject({ resume: { "market.bars.v1/0": 12, "market.bars.v1/3": 50 } });
  });

  it("backs off between attempts and asks why a socket never opened", async () => {
    const probe = vi.fn(() => Promise.resolve(null));
    const c = new StreamClient("auth", {
      url: () => "ws://x",
      connect: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      probeAuth: probe,
    });
    c.setSubscription(["AAPL"], ["bars"]);
    sockets[0]!.drop();
    expect(probe).toHaveBeenCalledTimes(1);
    const firstWait = (c.status.retryAt ?? 0) - Date.now();
    vi.advanceTimersByTime(firstWait);
    sockets[1]!.drop();
    const secondWait = (c.status.retryAt ?? 0) - Date.now();
    expect(firstWait).toBeGreaterThanOrEqual(375);
    expect(firstWait).toBeLessThanOrEqual(625);
    expect(secondWait).toBeGreaterThanOrEqual(750);
    expect(secondWait).toBeLessThanOrEqual(1250);
    expect(c.status.attempt).toBe(2);
    // A fresh subscription after a drop does not resume: nothing had been subscribed.
    vi.advanceTimersByTime(secondWait);
    sockets[2]!.open();
    expect(sockets[2]!.sent[0]).not.toHaveProperty("resume");
  });
});
