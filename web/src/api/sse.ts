// Server-sent events from a byte stream, as the WHATWG HTML standard defines the format
// ("event stream interpretation"). `/v1/chat` streams its answer this way; EventSource
// cannot POST, so the body is read with fetch and decoded here. No I/O: bytes in, events
// out, in whatever pieces the network delivers them.

export interface SseEvent {
  /** The `event:` field, `message` when there was none. */
  event: string;
  /** The `data:` lines, joined with `\n`. */
  data: string;
  /** The last `id:` seen, if any. */
  id?: string;
}

export class SseDecoder {
  // Streaming decode: a character split across two chunks waits for the rest of its bytes.
  private readonly utf8 = new TextDecoder("utf-8");
  /** The unfinished line. */
  private line = "";
  /** The last chunk ended in CR: a LF that starts the next one ends the same line. */
  private afterCr = false;
  private eventType = "";
  private data: string[] = [];
  private lastId: string | undefined;

  /** The events that `bytes` complete. */
  push(bytes: Uint8Array): SseEvent[] {
    return this.feed(this.utf8.decode(bytes, { stream: true }));
  }

  /**
   * The stream ended. An event without its closing blank line is dropped, as the standard
   * says: the server did not finish it.
   */
  end(): SseEvent[] {
    const out = this.feed(this.utf8.decode());
    this.line = "";
    this.data = [];
    this.eventType = "";
    return out;
  }

  private feed(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    if (text.length === 0) return out;
    let start = 0;
    if (this.afterCr && text.charCodeAt(0) === 10) start = 1;
    this.afterCr = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.field(this.line + text.slice(start, i), out);
      this.line = "";
      if (c === 13) {
        if (i + 1 === text.length) this.afterCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.line += text.slice(start);
    return out;
  }

  private field(line: string, out: SseEvent[]): void {
    if (line === "") {
      this.dispatch(out);
      return;
    }
    if (line.startsWith(":")) return; // a comment: keep-alives look like this
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (name) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      default:
      // `retry` and unknown fields: nothing here reconnects on its own.
    }
  }

  private dispatch(out: SseEvent[]): void {
    const lines = this.data;
    const type = this.eventType;
    this.data = [];
    this.eventType = "";
    if (lines.length === 0) return;
    const event: SseEvent = { event: type || "message", data: lines.join("\n") };
    if (this.lastId !== undefined) event.id = this.lastId;
    out.push(event);
  }
}
