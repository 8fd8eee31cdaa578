// The chat client against a scripted socket: joins, offsets kept per room, and the resume
// after a drop.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatClient, chatQuery } from "./chat";
import type { Socket } from "./stream";
import type { ChatServerFrame } from "./types";

class FakeSocket implements Socket {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent<unknown>) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {
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

const TOPIC = "chat.messages.v1";

function chat(room: string, partition: number, offset: number, id: string) {
  return {
    type: "chat",
    room,
    topic: TOPIC,
    partition,
    offset,
    data: { id, room, user: "bob", action: "post", role: "user", content: id, context: {}, target_id: null, thread_parent: null, event_time: 1, time: "" },
  };
}

describe("ChatClient", () => {
  let sockets: FakeSocket[];
  let client: ChatClient;
  let frames: ChatServerFrame[];

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    frames = [];
    client = new ChatClient("chat", {
      url: (user) => `ws://gateway/v1/chat${user ? `?user=${user}` : ""}`,
      connect: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      probe: () => Promise.resolve(null),
    });
    client.onFrame((f) => frames.push(f));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("joins its rooms once open, with refs, and is live once they are joined", () => {
    client.join("general");
    client.start("ann");
    const ws = sockets[0]!;
    expect(ws.url).toBe("ws://gateway/v1/chat?user=ann");
    expect(client.status.phase).toBe("connecting");
    ws.open();
    expect(ws.sent).toEqual([{ action: "join", room: "general", ref: "join:general" }]);
    expect(client.status.phase).toBe("connecting");
    ws.receive({ type: "joined", room: "general", user: "ann", positions: { [`${TOPIC}/0`]: 41 }, online: ["ann"], reads: {} });
    expect(client.status.phase).toBe("live");
    expect(client.isJoined("general")).toBe(true);
    client.join("desk");
    expect(ws.sent[1]).toEqual({ action: "join", room: "desk", ref: "join:desk" });
    const ref = client.send({ action: "send", room: "general", content: "hi" });
    expect(ref).toMatch(/^r\d+$/);
    expect(ws.sent[2]).toEqual({ action: "send", room: "general", content: "hi", ref });
    client.send({ action: "typing", room: "general" });
    expect(ws.sent[3]).toEqual({ action: "typing", room: "general" });
    expect(frames.map((f) => f.type)).toEqual(["joined"]);
  });

  it("keeps the newest offset per room and partition, and resumes from them after a drop", () => {
    client.join("general");
    client.join("desk");
    client.start("ann");
    let ws = sockets[0]!;
    ws.open();
    ws.receive({ type: "joined", room: "general", user: "ann", positions: { [`${TOPIC}/0`]: 10 }, online: [], reads: {} });
    ws.receive({ type: "joined", room: "desk", user: "ann", positions: { [`${TOPIC}/2`]: 3 }, online: [], reads: {} });
    ws.receive(chat("general", 0, 12, "m1"));
    ws.receive(chat("general", 0, 11, "m0"));
    ws.receive(chat("desk", 2, 5, "m2"));
    expect(client.positionsOf("general")).toEqual({ [`${TOPIC}/0`]: 12 });
    expect(client.positionsOf("desk")).toEqual({ [`${TOPIC}/2`]: 5 });

    ws.drop();
    expect(client.status.phase).toBe("reconnecting");
    expect(client.send({ action: "send", room: "general", content: "lost" })).toBeNull();
    vi.advanceTimersByTime(1000);
    ws = sockets[1]!;
    ws.open();
    expect(ws.sent).toEqual([
      { action: "join", room: "general", resume: { [`${TOPIC}/0`]: 12 }, ref: "join:general" },
      { action: "join", room: "desk", resume: { [`${TOPIC}/2`]: 5 }, ref: "join:desk" },
    ]);
    expect(client.status.phase).toBe("resuming");
    // The replay: the joined frame's offsets wait until it is over.
    ws.receive({ type: "joined", room: "general", user: "ann", positions: { [`${TOPIC}/0`]: 20 }, online: [], reads: {} });
    ws.receive(chat("general", 0, 15, "m3"));
    expect(client.positionsOf("general")).toEqual({ [`${TOPIC}/0`]: 15 });
    ws.receive({ type: "resumed", room: "general", replayed: 1, complete: true, problems: [] });
    expect(client.positionsOf("general")).toEqual({ [`${TOPIC}/0`]: 20 });
    expect(client.status.phase).toBe("resuming");
    ws.receive({ type: "joined", room: "desk", user: "ann", positions: { [`${TOPIC}/2`]: 5 }, online: [], reads: {} });
    ws.receive({ type: "resumed", room: "desk", replayed: 0, complete: true, problems: [] });
    expect(client.status.phase).toBe("live");
    expect(client.status.lastResume?.replayed).toBe(0);
  });

  it("resumes from what arrived when the connection drops during a replay", () => {
    client.join("general");
    client.start("ann");
    let ws = sockets[0]!;
    ws.open();
    ws.receive({ type: "joined", room: "general", user: "ann", positions: { [`${TOPIC}/0`]: 10 }, online: [], reads: {} });
    ws.drop();
    vi.advanceTimersByTime(1000);
    ws = sockets[1]!;
    ws.open();
    ws.receive({ type: "joined", room: "general", user: "ann", positions: { [`${TOPIC}/0`]: 30 }, online: [], reads: {} });
    ws.receive(chat("general", 0, 14, "m4"));
    ws.drop();
    vi.advanceTimersByTime(5000);
    ws = sockets[2]!;
    ws.open();
    expect(ws.sent[0]).toEqual({ action: "join", room: "general", resume: { [`${TOPIC}/0`]: 14 }, ref: "join:general" });
  });

  it("stops, keeping offsets for the next start; a new name reconnects; a refused room is dropped", () => {
    client.join("general");
    client.start("ann");
    let ws = sockets[0]!;
    ws.open();
    ws.receive({ type: "joined", room: "general", user: "ann", positions: { [`${TOPIC}/0`]: 7 }, online: [], reads: {} });
    client.stop();
    expect(client.status.phase).toBe("idle");
    vi.advanceTimersByTime(30_000);
    expect(sockets).toHaveLength(1);
    client.start("ann");
    ws = sockets[1]!;
    ws.open();
    expect(ws.sent[0]).toEqual({ action: "join", room: "general", resume: { [`${TOPIC}/0`]: 7 }, ref: "join:general" });
    client.start("bob");
    expect(sockets[2]!.url).toBe("ws://gateway/v1/chat?user=bob");
    ws = sockets[2]!;
    ws.open();
    client.join("bad room");
    ws.receive({ type: "error", code: 400, message: "\"bad room\" is not a room name", ref: "join:bad room" });
    expect(client.status.lastError).toContain("not a room name");
    client.leave("general");
    expect(client.positionsOf("general")).toEqual({});
  });

  it("names itself only without credentials", () => {
    expect(chatQuery(null, "ann@desk")).toBe("?user=ann%40desk");
    expect(chatQuery(null, null)).toBe("");
    expect(chatQuery({ kind: "key", keyId: "AK1", secret: "s" }, "ann")).toBe("?key=AK1&secret=s");
    expect(chatQuery({ kind: "token", token: "t" }, "ann")).toBe("?token=t");
  });
});
