import { describe, expect, it } from "vitest";
import type { ChatEvent } from "../api/types";
import {
  advance,
  answerParts,
  askAssistant,
  attachmentHref,
  attachmentOf,
  guestName,
  mergePositions,
  partitionKey,
  readersByMessage,
  resultSegments,
  RoomLog,
  roomNameProblem,
  snippet,
  sourcesOf,
  symbolsIn,
  TypingTracker,
  typingText,
  userNameProblem,
} from "./model";

/** An id as the gateway makes them: `m`, 20 digits of nanoseconds, 8 hex digits. */
function id(t: number, tail = "0000abcd"): string {
  return `m1700000000${String(t).padStart(10, "0")}${tail}`;
}

function ev(t: number, patch: Partial<ChatEvent> = {}): ChatEvent {
  return {
    id: id(t),
    room: "general",
    user: "ann",
    action: "post",
    role: "user",
    content: `message ${t}`,
    context: {},
    target_id: null,
    thread_parent: null,
    event_time: 1_700_000_000_000 + t,
    time: "2023-11-14T22:13:20Z",
    ...patch,
  };
}

const post = (t: number, content: string, user = "ann", patch: Partial<ChatEvent> = {}) => ev(t, { content, user, ...patch });
const edit = (t: number, target: number, content: string, user = "ann") => ev(t, { action: "edit", target_id: id(target), content, user });
const del = (t: number, target: number, user = "ann") => ev(t, { action: "delete", target_id: id(target), content: "", user });
const react = (t: number, target: number, emoji: string, user: string) => ev(t, { action: "react", target_id: id(target), content: emoji, user });

const texts = (log: RoomLog) => log.messages().map((m) => m.content);

describe("RoomLog: folding a room's events", () => {
  it("shows posts in id order whatever order they arrive in", () => {
    const log = new RoomLog();
    expect(log.apply(post(3, "third"))).toBe(true);
    log.apply(post(1, "first"));
    log.apply(post(2, "second"));
    expect(texts(log)).toEqual(["first", "second", "third"]);
    expect(log.oldestEventId).toBe(id(1));
    expect(log.newestEventId).toBe(id(3));
    expect(log.newestMessage()?.content).toBe("third");
  });

  it("applies an edit to its post and marks it edited; the newest edit wins in any order", () => {
    const log = new RoomLog();
    log.applyAll([post(1, "hi"), edit(2, 1, "hi there")]);
    const m = log.get(id(1))!;
    expect(m.content).toBe("hi there");
    expect(m.editId).toBe(id(2));
    // An older edit arriving late (from a history page) does not undo the newer one.
    log.apply(edit(5, 1, "hello, everyone"));
    expect(log.apply(edit(4, 1, "an older edit"))).toBe(false);
    expect(log.get(id(1))!.content).toBe("hello, everyone");
    expect(log.messages()).toHaveLength(1);
  });

  it("removes a deleted post, even when the deletion comes before the post", () => {
    const log = new RoomLog();
    log.applyAll([post(1, "keep"), post(2, "oops"), del(3, 2)]);
    expect(texts(log)).toEqual(["keep"]);
    // A deletion from a live frame, its post only in an older page loaded later.
    const late = new RoomLog();
    late.apply(del(9, 7));
    late.apply(react(10, 7, "👍", "bob"));
    late.applyAll([post(7, "gone"), post(8, "stays")]);
    expect(texts(late)).toEqual(["stays"]);
    expect(late.get(id(7))?.deleted).toBe(true);
    // An edit of a deleted post changes nothing.
    expect(late.apply(edit(11, 7, "back?"))).toBe(false);
    expect(texts(late)).toEqual(["stays"]);
  });

  it("adds reactions per emoji, each user once, in the order first seen", () => {
    const log = new RoomLog();
    log.applyAll([post(1, "NVDA beat"), react(2, 1, "👍", "bob"), react(3, 1, "🎉", "cy"), react(4, 1, "👍", "cy")]);
    expect(log.apply(react(5, 1, "👍", "bob"))).toBe(false);
    const reactions = log.get(id(1))!.reactions;
    expect([...reactions.entries()]).toEqual([
      ["👍", ["bob", "cy"]],
      ["🎉", ["cy"]],
    ]);
  });

  it("ignores an event it has applied already (live, then again in a page or a replay)", () => {
    const log = new RoomLog();
    const r = react(2, 1, "👍", "bob");
    log.applyAll([post(1, "x"), r]);
    const version = log.version;
    expect(log.apply(post(1, "x"))).toBe(false);
    expect(log.apply({ ...r })).toBe(false);
    expect(log.version).toBe(version);
    expect(log.get(id(1))!.reactions.get("👍")).toEqual(["bob"]);
  });

  it("merges history with live events without duplicates, and keeps edits that waited for their post", () => {
    const log = new RoomLog();
    // Live first: a new post, then an edit and a reaction of a post from before the join.
    log.apply(post(20, "live post", "bob"));
    expect(log.apply(edit(21, 5, "edited before we saw it"))).toBe(false);
    expect(log.apply(react(22, 5, "👀", "bob"))).toBe(false);
    expect(log.messages()).toHaveLength(1);
    // The latest page overlaps the live events.
    log.applyAll([post(10, "ten"), post(11, "eleven"), post(20, "live post", "bob")]);
    expect(texts(log)).toEqual(["ten", "eleven", "live post"]);
    expect(log.oldestEventId).toBe(id(10));
    // An older page brings the post the waiting events name.
    log.applyAll([post(4, "four"), post(5, "five")]);
    expect(texts(log)).toEqual(["four", "edited before we saw it", "ten", "eleven", "live post"]);
    expect([...log.get(id(5))!.reactions.keys()]).toEqual(["👀"]);
    expect(log.oldestEventId).toBe(id(4));
  });

  it("counts replies in a thread", () => {
    const log = new RoomLog();
    log.applyAll([post(1, "q"), post(2, "a1", "bob", { thread_parent: id(1) }), post(3, "a2", "cy", { thread_parent: id(1) }), del(4, 3, "cy")]);
    expect(log.replyCount(id(1))).toBe(1);
    expect(log.get(id(2))!.threadParent).toBe(id(1));
  });

  it("streams an assistant's answer as a draft under its question, replaced by the posted answer", () => {
    const log = new RoomLog();
    log.applyAll([post(1, "@assistant what target?"), post(3, "meanwhile", "bob")]);
    const answer = id(2, "ffff0000");
    expect(log.delta(answer, id(1), "The target ")).toBe(true);
    log.delta(answer, id(1), "is $227 [1].");
    const items = log.timeline();
    expect(items.map((i) => (i.kind === "message" ? i.message.content : `draft: ${i.draft.text}`))).toEqual([
      "@assistant what target?",
      "draft: The target is $227 [1].",
      "meanwhile",
    ]);
    log.apply({
      ...ev(2),
      id: answer,
      user: "assistant",
      role: "assistant",
      content: "The target is $227. [1]",
      thread_parent: id(1),
      event_time: 1_700_000_000_000 + 9,
    });
    expect(log.timeline().map((i) => i.kind)).toEqual(["message", "message", "message"]);
    expect(log.messages()[1]!.user).toBe("assistant");
    // A piece relayed after the post changes nothing.
    expect(log.delta(answer, id(1), " late")).toBe(false);
    expect(log.get(answer)!.content).toBe("The target is $227. [1]");
  });
});

describe("offsets", () => {
  it("keeps the newest offset per partition", () => {
    const p = {};
    const key = partitionKey("chat.messages.v1", 0);
    expect(key).toBe("chat.messages.v1/0");
    expect(advance(p, key, 41)).toBe(true);
    expect(advance(p, key, 40)).toBe(false);
    expect(advance(p, key, 41)).toBe(false);
    expect(advance(p, "chat.messages.v1/3", 2)).toBe(true);
    mergePositions(p, { "chat.messages.v1/0": 39, "chat.messages.v1/3": 7, "chat.messages.v1/5": -1 });
    expect(p).toEqual({ "chat.messages.v1/0": 41, "chat.messages.v1/3": 7, "chat.messages.v1/5": -1 });
  });
});

describe("citations in the assistant's answers", () => {
  const sources = [
    { n: 1, document_id: "d1", chunk_id: "c1", title: "NWSC Q3", page: 2, score: 0.71, text: "price target of $227" },
    { n: 2, document_id: "d1", chunk_id: "c2", title: "NWSC Q3", page: 3, score: 0.5, text: "guidance" },
  ];
  const answer = { user: "assistant", role: "assistant", context: { sources }, content: "Target $227. [1] Raised guidance [2]; see [2024] and [3]." };

  it("links [n] of the answer's sources and leaves other brackets as text", () => {
    expect(answerParts(answer)).toEqual([
      { kind: "text", text: "Target $227. " },
      { kind: "cite", n: 1, label: "[1]" },
      { kind: "text", text: " Raised guidance " },
      { kind: "cite", n: 2, label: "[2]" },
      { kind: "text", text: "; see [2024] and [3]." },
    ]);
    expect(sourcesOf(answer).map((s) => [s.n, s.title, s.page])).toEqual([
      [1, "NWSC Q3", 2],
      [2, "NWSC Q3", 3],
    ]);
  });

  it("trusts sources only on the assistant's own posts, and only well-formed ones", () => {
    const forged = { ...answer, user: "mallory", role: "user" };
    expect(sourcesOf(forged)).toEqual([]);
    expect(answerParts(forged)).toEqual([{ kind: "text", text: answer.content }]);
    const messy = { ...answer, context: { sources: [{ n: "1", text: "x" }, null, { n: 2, text: "ok", page: "3" }] } };
    expect(sourcesOf(messy)).toEqual([{ n: 2, document_id: "", chunk_id: "", title: null, page: null, score: 0, text: "ok" }]);
  });
});

describe("attachments", () => {
  const sha = "a".repeat(64);
  const context = { attachment: { sha256: sha, filename: "note.pdf", media_type: "application/pdf", size_bytes: 1234, url: `/v1/chat/rooms/desk/attachments/${sha}`, document_id: "doc1" } };

  it("takes the gateway's attachment of this room and builds its download address", () => {
    const a = attachmentOf({ room: "desk", context });
    expect(a).toEqual(context.attachment);
    expect(attachmentHref(a!.url, "ann@desk")).toBe(`/v1/chat/rooms/desk/attachments/${sha}?as=ann%40desk`);
    expect(attachmentHref(a!.url, null)).toBe(a!.url);
  });

  it("refuses links that are not this room's attachments", () => {
    expect(attachmentOf({ room: "other", context })).toBeNull();
    expect(attachmentOf({ room: "desk", context: { attachment: { ...context.attachment, url: "javascript:alert(1)" } } })).toBeNull();
    expect(attachmentOf({ room: "desk", context: { attachment: { ...context.attachment, url: "https://evil.example/x" } } })).toBeNull();
    expect(attachmentOf({ room: "desk", context: {} })).toBeNull();
  });
});

describe("search results", () => {
  it("marks the matched words by code points, past an emoji", () => {
    // "😀" is one code point but two UTF-16 units: [9, 17) is "earnings" in code points.
    const content = "😀 before earnings call";
    expect(resultSegments(content, [[9, 17]]).segments).toEqual([
      { text: "😀 before ", mark: false },
      { text: "earnings", mark: true },
      { text: " call", mark: false },
    ]);
    expect(resultSegments("no marks", []).segments).toEqual([{ text: "no marks", mark: false }]);
  });

  it("cuts a long message around its first match", () => {
    const long = `${"word ".repeat(100)}target here ${"tail ".repeat(100)}`;
    const start = Array.from(long).indexOf("t", 500);
    const cut = resultSegments(long, [[start, start + 6]], 120);
    expect(cut.clippedStart && cut.clippedEnd).toBe(true);
    expect(cut.segments.find((s) => s.mark)?.text).toBe("target");
  });
});

describe("typing", () => {
  it("shows who typed in the last four seconds", () => {
    const t = new TypingTracker();
    t.saw("ann", 1000);
    t.saw("bob", 2000);
    expect(t.active(3000)).toEqual(["ann", "bob"]);
    expect(t.nextExpiry(3000)).toBe(5000);
    expect(t.active(5000)).toEqual(["bob"]);
    t.saw("ann", 5500);
    t.stopped("bob");
    expect(t.active(5600)).toEqual(["ann"]);
    expect(t.active(10_000)).toEqual([]);
    expect(t.nextExpiry(10_000)).toBeNull();
  });

  it("says it in words", () => {
    expect(typingText([])).toBe("");
    expect(typingText(["ann"])).toBe("ann is typing…");
    expect(typingText(["ann", "bob"])).toBe("ann and bob are typing…");
    expect(typingText(["a", "b", "c"])).toBe("a, b and c are typing…");
    expect(typingText(["a", "b", "c", "d"])).toBe("4 people are typing…");
  });
});

describe("names, read markers, small helpers", () => {
  it("checks names as the gateway does", () => {
    expect(userNameProblem("ann.b-1_x@desk")).toBeNull();
    expect(userNameProblem("")).not.toBeNull();
    expect(userNameProblem("a b")).not.toBeNull();
    expect(userNameProblem("Assistant")).toMatch(/assistant/);
    expect(userNameProblem("x".repeat(65))).not.toBeNull();
    expect(roomNameProblem("desk-2.a_b")).toBeNull();
    expect(roomNameProblem("a@b")).not.toBeNull();
    expect(guestName(() => 0.0421)).toBe("guest-0421");
    expect(userNameProblem(guestName())).toBeNull();
  });

  it("groups read markers by message, without mine", () => {
    const readers = readersByMessage({ cy: "m2", ann: "m1", bob: "m2" }, "ann");
    expect([...readers.entries()]).toEqual([["m2", ["bob", "cy"]]]);
  });

  it("asks the assistant once, and shortens replies' quotes", () => {
    expect(askAssistant("what target?")).toBe("@assistant what target?");
    expect(askAssistant("hey @Assistant, what target?")).toBe("hey @Assistant, what target?");
    expect(askAssistant("  ")).toBe("@assistant ");
    expect(snippet("short")).toBe("short");
    expect(snippet("a\n b   c")).toBe("a b c");
    expect(snippet("x".repeat(80), 10)).toBe("xxxxxxxxx…");
  });

  it("finds the watchlist's symbols a question names", () => {
    expect(symbolsIn("@assistant how is $NVDA vs AAPL now? not msft", ["AAPL", "MSFT", "NVDA", "SPY"])).toEqual(["AAPL", "NVDA"]);
    expect(symbolsIn("nothing here", ["AAPL"])).toEqual([]);
  });
});
