// The chat view's pure parts: a room's events folded into the messages it shows, the
// assistant's answers as they stream, the offsets a reconnect resumes from, an answer's
// citations, search results with their words marked, who is typing, and the names the
// gateway takes.
//
// A room's history is its events in order: posts, then edits, deletions and reactions
// that name a post by `target_id`. They arrive live, replayed after a reconnect, and in
// history pages (older pages later than the live events after them), so the fold does
// not depend on the order it is given: an event id is applied once, the newest edit wins
// whenever it comes, a deletion holds even if it comes before its post, and events whose
// post has not arrived yet wait for it.

import type { ChatAttachment, ChatEvent, ChatSource, Positions } from "../api/types";
import { type AnswerPart, citationParts } from "../documents/citations";
import { excerpt, highlightSegments, type Segment } from "../documents/passage";

/** A post as the view shows it, with what later events did to it. */
export interface ChatMessage {
  id: string;
  room: string;
  user: string;
  role: string;
  content: string;
  context: Record<string, unknown>;
  threadParent: string | null;
  /** Nanoseconds since the epoch. */
  eventTime: number;
  time: string;
  /** The edit whose text is shown (the newest by id), if any. */
  editId: string | null;
  editedTime: string | null;
  deleted: boolean;
  /** Emoji to the users who reacted with it, in the order first seen. */
  reactions: Map<string, string[]>;
}

/** An assistant's answer still streaming (`assistant_delta`); the whole one follows as a post. */
export interface Draft {
  answerId: string;
  replyTo: string;
  text: string;
}

export type TimelineItem = { kind: "message"; message: ChatMessage } | { kind: "draft"; draft: Draft };

/** Message ids start with 20 digits of time: plain string order is time order, as history pages are. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One room's events folded into its messages. */
export class RoomLog {
  private readonly posts = new Map<string, ChatMessage>();
  /** Every event id applied: an event comes live and again in a history page or a replay. */
  private readonly seen = new Set<string>();
  /** Posts deleted, even those not arrived yet. */
  private readonly deletedIds = new Set<string>();
  /** Edits and reactions whose post has not arrived yet, by the post's id. */
  private readonly waiting = new Map<string, ChatEvent[]>();
  private readonly drafts = new Map<string, Draft>();
  private oldest: string | null = null;
  private newest: string | null = null;
  /** Bumped by every change, so a view can tell whether to draw. */
  version = 0;

  /** Applies one event; returns whether anything changed. */
  apply(event: ChatEvent): boolean {
    if (!event || typeof event.id !== "string" || this.seen.has(event.id)) return false;
    this.seen.add(event.id);
    if (this.oldest === null || compareIds(event.id, this.oldest) < 0) this.oldest = event.id;
    if (this.newest === null || compareIds(event.id, this.newest) > 0) this.newest = event.id;
    const changed = this.fold(event);
    if (changed) this.version++;
    return changed;
  }

  /** Applies events (a history page, oldest first); returns whether anything changed. */
  applyAll(events: readonly ChatEvent[]): boolean {
    let changed = false;
    for (const e of events) if (this.apply(e)) changed = true;
    return changed;
  }

  /** A piece of an assistant's answer; ignored once the whole answer is here. */
  delta(answerId: string, replyTo: string, text: string): boolean {
    if (this.posts.has(answerId) || this.deletedIds.has(answerId)) return false;
    const draft = this.drafts.get(answerId);
    if (draft) draft.text += text;
    else this.drafts.set(answerId, { answerId, replyTo, text });
    this.version++;
    return true;
  }

  has(id: string): boolean {
    return this.posts.has(id);
  }

  get(id: string): ChatMessage | undefined {
    return this.posts.get(id);
  }

  /** The oldest event id seen: where the next older history page starts. */
  get oldestEventId(): string | null {
    return this.oldest;
  }

  get newestEventId(): string | null {
    return this.newest;
  }

  /** The messages not deleted, oldest first. */
  messages(): ChatMessage[] {
    return [...this.posts.values()].filter((m) => !m.deleted).sort((a, b) => compareIds(a.id, b.id));
  }

  /**
   * Messages and streaming answers in order. An answer's id is made when the question is
   * taken, so both the draft and the answer posted later sit right after their question.
   */
  timeline(): TimelineItem[] {
    const items: TimelineItem[] = [
      ...this.messages().map((message): TimelineItem => ({ kind: "message", message })),
      ...[...this.drafts.values()].map((draft): TimelineItem => ({ kind: "draft", draft })),
    ];
    const key = (i: TimelineItem): string => (i.kind === "message" ? i.message.id : i.draft.answerId);
    return items.sort((a, b) => compareIds(key(a), key(b)));
  }

  /** Replies to `id` that are not deleted. */
  replyCount(id: string): number {
    let n = 0;
    for (const m of this.posts.values()) if (!m.deleted && m.threadParent === id) n++;
    return n;
  }

  /** The newest post (not deleted), for read markers. */
  newestMessage(): ChatMessage | null {
    const all = this.messages();
    return all[all.length - 1] ?? null;
  }

  private fold(e: ChatEvent): boolean {
    switch (e.action) {
      case "post": {
        const message: ChatMessage = {
          id: e.id,
          room: e.room,
          user: e.user,
          role: e.role,
          content: e.content,
          context: isObject(e.context) ? e.context : {},
          threadParent: e.thread_parent ?? null,
          eventTime: e.event_time,
          time: e.time,
          editId: null,
          editedTime: null,
          deleted: this.deletedIds.has(e.id),
          reactions: new Map(),
        };
        this.posts.set(e.id, message);
        this.drafts.delete(e.id);
        const waiting = this.waiting.get(e.id);
        if (waiting) {
          this.waiting.delete(e.id);
          for (const w of waiting.sort((a, b) => compareIds(a.id, b.id))) this.onTarget(message, w);
        }
        return true;
      }
      case "delete": {
        const target = e.target_id;
        if (!target) return false;
        this.deletedIds.add(target);
        this.waiting.delete(target);
        this.drafts.delete(target);
        const message = this.posts.get(target);
        if (!message || message.deleted) return false;
        message.deleted = true;
        return true;
      }
      case "edit":
      case "react": {
        const target = e.target_id;
        if (!target || this.deletedIds.has(target)) return false;
        const message = this.posts.get(target);
        if (!message) {
          const list = this.waiting.get(target);
          if (list) list.push(e);
          else this.waiting.set(target, [e]);
          return false;
        }
        return this.onTarget(message, e);
      }
      default:
        return false;
    }
  }

  private onTarget(message: ChatMessage, e: ChatEvent): boolean {
    if (e.action === "edit") {
      // The newest edit wins, whichever came first.
      if (message.editId !== null && compareIds(e.id, message.editId) <= 0) return false;
      message.editId = e.id;
      message.editedTime = e.time;
      message.content = e.content;
      return true;
    }
    const emoji = e.content;
    if (!emoji) return false;
    const users = message.reactions.get(emoji);
    if (users?.includes(e.user)) return false;
    if (users) users.push(e.user);
    else message.reactions.set(emoji, [e.user]);
    return true;
  }
}

// ---- offsets ----------------------------------------------------------------------

/** The key of a topic partition in `positions` and `resume`: `chat.messages.v1/0`. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** Keeps the newest offset of a partition; returns whether it moved. */
export function advance(positions: Positions, key: string, offset: number): boolean {
  if (!Number.isInteger(offset)) return false;
  const seen = positions[key];
  if (seen !== undefined && seen >= offset) return false;
  positions[key] = offset;
  return true;
}

/** Keeps, per partition, the newer of the two. */
export function mergePositions(into: Positions, from: Positions): void {
  for (const [key, offset] of Object.entries(from)) advance(into, key, offset);
}

// ---- what a message carries -------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Only the assistant's own posts carry sources: anyone can put a `context` on a message. */
export function isAssistant(m: Pick<ChatMessage, "user" | "role">): boolean {
  return m.user === "assistant" && m.role === "assistant";
}

/** An assistant answer's sources, those well formed. */
export function sourcesOf(m: Pick<ChatMessage, "user" | "role" | "context">): ChatSource[] {
  if (!isAssistant(m)) return [];
  const raw = m.context.sources;
  if (!Array.isArray(raw)) return [];
  const out: ChatSource[] = [];
  for (const s of raw) {
    if (!isObject(s) || !Number.isInteger(s.n) || typeof s.text !== "string") continue;
    out.push({
      n: s.n as number,
      document_id: typeof s.document_id === "string" ? s.document_id : "",
      chunk_id: typeof s.chunk_id === "string" ? s.chunk_id : "",
      title: typeof s.title === "string" ? s.title : null,
      page: typeof s.page === "number" && Number.isInteger(s.page) ? s.page : null,
      score: typeof s.score === "number" && Number.isFinite(s.score) ? s.score : 0,
      text: s.text,
    });
  }
  return out;
}

/** An assistant's text cut into text and `[n]` citations of its sources. */
export function answerParts(m: Pick<ChatMessage, "user" | "role" | "context" | "content">): AnswerPart[] {
  const known = new Set(sourcesOf(m).map((s) => s.n));
  if (known.size === 0) return m.content ? [{ kind: "text", text: m.content }] : [];
  return citationParts(m.content, known);
}

const ATTACHMENT_URL = /^\/v1\/chat\/rooms\/([A-Za-z0-9._-]{1,64})\/attachments\/([0-9a-fA-F]{64})$/;

/**
 * A post's attachment, when its `context.attachment` is one the gateway made: its URL
 * must be this room's attachment path (a message could carry any link).
 */
export function attachmentOf(m: Pick<ChatMessage, "room" | "context">): ChatAttachment | null {
  const a = m.context.attachment;
  if (!isObject(a) || typeof a.url !== "string" || typeof a.filename !== "string") return null;
  const match = ATTACHMENT_URL.exec(a.url);
  if (!match || match[1] !== m.room) return null;
  const out: ChatAttachment = {
    sha256: typeof a.sha256 === "string" ? a.sha256 : (match[2] ?? ""),
    filename: a.filename,
    media_type: typeof a.media_type === "string" ? a.media_type : "application/octet-stream",
    size_bytes: typeof a.size_bytes === "number" ? a.size_bytes : 0,
    url: a.url,
  };
  if (typeof a.document_id === "string" && a.document_id) out.document_id = a.document_id;
  return out;
}

/** An attachment's download address: with `?as=NAME` when the app has no key to send. */
export function attachmentHref(url: string, asName: string | null): string {
  return asName ? `${url}?as=${encodeURIComponent(asName)}` : url;
}

/** Whether a message asks the assistant (the gateway's own test: `@assistant`, any case). */
export function mentionsAssistant(text: string): boolean {
  return text.toLowerCase().includes("@assistant");
}

/** `text` with `@assistant ` in front, unless it already names the assistant. */
export function askAssistant(text: string): string {
  const t = text.trim();
  if (mentionsAssistant(t)) return t;
  return t ? `@assistant ${t}` : "@assistant ";
}

/**
 * The symbols among `known` a message names (`NVDA`, `$NVDA`), for the assistant's market
 * context; whole words in capitals only, so "a" and "NOW" in a sentence are not AAPL.
 */
export function symbolsIn(text: string, known: readonly string[]): string[] {
  const words = new Set(text.match(/\$?\b[A-Z][A-Z0-9.]{0,9}\b/g)?.map((w) => w.replace(/^\$/, "")) ?? []);
  return known.filter((s) => words.has(s.toUpperCase()));
}

/** The first words of a message, for "in reply to …". */
export function snippet(text: string, max = 60): string {
  const points = Array.from(text.replace(/\s+/g, " ").trim());
  if (points.length <= max) return points.join("");
  return `${points.slice(0, max - 1).join("").trimEnd()}…`;
}

// ---- search results ---------------------------------------------------------------

/**
 * A search result's text with the matched words marked (highlights are code-point ranges,
 * as the gateway counts Rust `char`s); long messages are cut around the first match.
 */
export function resultSegments(
  content: string,
  highlights: readonly (readonly number[])[],
  max = 280,
): { segments: Segment[]; clippedStart: boolean; clippedEnd: boolean } {
  if (Array.from(content).length <= max) return { segments: highlightSegments(content, highlights), clippedStart: false, clippedEnd: false };
  return excerpt(content, highlights, max);
}

// ---- typing -----------------------------------------------------------------------

/** How long "is typing" stays after the last signal. */
export const TYPING_SHOWN_MS = 4000;

/** Who typed lately, by the time of their last signal. */
export class TypingTracker {
  private readonly last = new Map<string, number>();

  saw(user: string, now: number): void {
    this.last.delete(user);
    this.last.set(user, now);
  }

  /** A user whose message arrived has stopped typing it. */
  stopped(user: string): void {
    this.last.delete(user);
  }

  clear(): void {
    this.last.clear();
  }

  /** Those typing at `now`, in the order they started. */
  active(now: number): string[] {
    const out: string[] = [];
    for (const [user, at] of this.last) {
      if (now - at < TYPING_SHOWN_MS) out.push(user);
      else this.last.delete(user);
    }
    return out;
  }

  /** When the next one stops showing, for a timer (null when nobody types). */
  nextExpiry(now: number): number | null {
    let next: number | null = null;
    for (const at of this.last.values()) {
      const end = at + TYPING_SHOWN_MS;
      if (end > now && (next === null || end < next)) next = end;
    }
    return next;
  }
}

/** "ann is typing…", "ann and bob are typing…", "4 people are typing…". */
export function typingText(users: readonly string[]): string {
  if (users.length === 0) return "";
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  if (users.length === 3) return `${users[0]}, ${users[1]} and ${users[2]} are typing…`;
  return `${users.length} people are typing…`;
}

// ---- read markers -----------------------------------------------------------------

/** Message id to the other users whose read marker is there. */
export function readersByMessage(reads: Readonly<Record<string, string>>, me: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [user, id] of Object.entries(reads).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (user === me) continue;
    const list = out.get(id);
    if (list) list.push(user);
    else out.set(id, [user]);
  }
  return out;
}

// ---- names ------------------------------------------------------------------------

/** Why the gateway would refuse `name` as a user name, or null when it takes it. */
export function userNameProblem(name: string): string | null {
  if (name.length < 1 || name.length > 64) return "a name is 1 to 64 characters";
  if (!/^[A-Za-z0-9._\-@]+$/.test(name)) return "use letters, digits, '.', '_', '-' or '@' only";
  if (name.toLowerCase() === "assistant") return "“assistant” is the room assistant's name: pick another";
  return null;
}

/** Why the gateway would refuse `room` as a room name, or null when it takes it. */
export function roomNameProblem(room: string): string | null {
  if (room.length < 1 || room.length > 64) return "a room name is 1 to 64 characters";
  if (!/^[A-Za-z0-9._-]+$/.test(room)) return "use letters, digits, '.', '_' or '-' only";
  return null;
}

/** A name for someone who has not picked one: `guest-` and four digits. */
export function guestName(random: () => number = Math.random): string {
  return `guest-${String(Math.floor(random() * 10_000)).padStart(4, "0")}`;
}
