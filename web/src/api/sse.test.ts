import { describe, expect, it } from "vitest";
import { SseDecoder, type SseEvent } from "./sse";

const utf8 = new TextEncoder();

/** Feeds `bytes` in pieces cut at `cuts` (byte offsets) and returns every event. */
function decodeCut(bytes: Uint8Array, cuts: number[]): SseEvent[] {
  const d = new SseDecoder();
  const out: SseEvent[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...d.push(bytes.subarray(at, cut)));
    at = cut;
  }
  out.push(...d.end());
  return out;
}

// What /v1/chat sends (captured from the gateway), with a keep-alive comment, a multi-byte
// character in the answer and an emoji (four UTF-8 bytes) to split.
const CHAT =
  'event: sources\ndata: {"sources":[],"market":[]}\n\n' +
  ":\n\n" +
  'event: delta\ndata: {"text":"Überschuss 😀 [1]"}\n\n' +
  'event: done\ndata: {"answer":"Überschuss 😀 [1]","mode":"extractive"}\n\n';

const CHAT_EVENTS: SseEvent[] = [
  { event: "sources", data: '{"sources":[],"market":[]}' },
  { event: "delta", data: '{"text":"Überschuss 😀 [1]"}' },
  { event: "done", data: '{"answer":"Überschuss 😀 [1]","mode":"extractive"}' },
];

describe("SseDecoder", () => {
  it("decodes the chat stream in one piece", () => {
    expect(decodeCut(utf8.encode(CHAT), [])).toEqual(CHAT_EVENTS);
  });

  it("gives the same events however the bytes are cut, inside characters too", () => {
    const bytes = utf8.encode(CHAT);
    // Every single cut, then every pair of cuts: all 1- and 2-point splits.
    for (let i = 0; i <= bytes.length; i++) {
      expect(decodeCut(bytes, [i]), `cut at ${i}`).toEqual(CHAT_EVENTS);
    }
    for (let i = 0; i <= bytes.length; i += 3) {
      for (let j = i; j <= bytes.length; j += 5) {
        expect(decodeCut(bytes, [i, j]), `cuts at ${i}, ${j}`).toEqual(CHAT_EVENTS);
      }
    }
    // One byte at a time.
    expect(decodeCut(bytes, Array.from({ length: bytes.length }, (_, i) => i))).toEqual(CHAT_EVENTS);
  });

  it("joins data lines with newlines and keeps the last event name", () => {
    const text = "event: a\nevent: b\ndata: first\ndata:second\ndata\ndata:  two spaces\n\n";
    expect(decodeCut(utf8.encode(text), [])).toEqual([{ event: "b", data: "first\nsecond\n\n two spaces" }]);
  });

  it("takes CRLF, CR and LF line ends, also a CRLF split between chunks", () => {
    const text = "event: x\r\ndata: 1\r\n\r\ndata: 2\r\rdata: 3\n\n";
    const want = [
      { event: "x", data: "1" },
      { event: "message", data: "2" },
      { event: "message", data: "3" },
    ];
    const bytes = utf8.encode(text);
    for (let i = 0; i <= bytes.length; i++) expect(decodeCut(bytes, [i]), `cut at ${i}`).toEqual(want);
  });

  it("defaults the event name, skips comments and events without data, and keeps ids", () => {
    const text = ": keep-alive\n\nevent: ping\n\nid: 7\ndata: x\n\ndata: y\nretry: 10\n\n";
    expect(decodeCut(utf8.encode(text), [])).toEqual([
      { event: "message", data: "x", id: "7" },
      { event: "message", data: "y", id: "7" },
    ]);
  });

  it("drops an event the stream did not finish", () => {
    expect(decodeCut(utf8.encode('event: done\ndata: {"answer":"cut'), [])).toEqual([]);
    expect(decodeCut(utf8.encode("data: whole\n\ndata: half\n"), [])).toEqual([{ event: "message", data: "whole" }]);
  });

  it("strips a byte order mark at the start", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8.encode("data: a\n\n")]);
    expect(decodeCut(bytes, [1])).toEqual([{ event: "message", data: "a" }]);
  });
});
