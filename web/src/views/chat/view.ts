// The chat view (`#/chat/<room>`): rooms with live messages over `/v1/chat`, edits,
// deletions, reactions, replies in threads, files, typing and presence, read markers,
// search, and the assistant, which answers a message naming @assistant from the
// documents, streamed, with `[n]` citations of its sources.
//
// Three parts: the rooms (left, or on top on a phone), the room's messages with the
// composer, and the people (the user's name, who is online). The rooms' messages are
// folded from their events by chat/model.ts and kept while the view is away; coming back
// reconnects and resumes from the offsets kept, so nothing missed is lost and nothing
// comes twice. The socket is closed while another view is shown (others see the user go
// offline), and its state shows in the header's connection badge.

import { type ChatClient, uploadAttachment } from "../../api/chat";
import { loadCredentials } from "../../api/credentials";
import { ApiError } from "../../api/rest";
import type { StreamStatus } from "../../api/stream";
import type { ChatClientMessage, ChatFound, ChatServerFrame } from "../../api/types";
import {
  askAssistant,
  type ChatMessage,
  guestName,
  mentionsAssistant,
  readersByMessage,
  RoomLog,
  roomNameProblem,
  snippet,
  symbolsIn,
  TypingTracker,
  typingText,
  userNameProblem,
} from "../../chat/model";
import { navigate, replaceRoute } from "../../router";
import { h, replace } from "../../ui/dom";
import { bytes } from "../../ui/format";
import type { AppContext, View } from "../view";
import type { MessageActions } from "./message";
import { MessageList, type OlderState } from "./messages";
import { ChatSearch } from "./search";

const NAME_KEY = "finstream.chat.name";
const ROOMS_KEY = "finstream.chat.rooms";
const ROOM_KEY = "finstream.chat.room";
const DEFAULT_ROOM = "general";
const HISTORY_PAGE = 50;
/** The gateway relays one typing signal a second per room and connection. */
const TYPING_EVERY_MS = 1500;
export const ATTACHMENT_TYPES = ".pdf,.txt,.text,.md,.markdown,.html,.htm,.csv,.json,.png,.jpg,.jpeg,.gif";

interface Pending {
  ref: string;
  content: string;
  /** The message's id, once acknowledged (its event may come before or after the ack). */
  id: string | null;
}

interface RoomState {
  name: string;
  log: RoomLog;
  online: Set<string>;
  reads: Record<string, string>;
  typing: TypingTracker;
  /** The latest page of history: asked once per room, again after an incomplete resume. */
  history: "none" | "loading" | "loaded";
  older: OlderState;
  unread: number;
  pending: Pending[];
  /** The last read marker sent. */
  readSent: string | null;
}

type Purpose =
  | { kind: "send"; room: string; content: string }
  | { kind: "latest"; room: string }
  | { kind: "older"; room: string }
  | { kind: "search" }
  | { kind: "act"; room: string; what: string };

export class ChatView implements View {
  private readonly client: ChatClient;
  private readonly rooms = new Map<string, RoomState>();
  private current = DEFAULT_ROOM;
  private me: string | null = null;
  private mounted = false;
  private replyTo: ChatMessage | null = null;
  private editing: string | null = null;
  /** A search result to show once its room's messages are drawn. */
  private revealWanted: string | null = null;
  private readonly refs = new Map<string, Purpose>();
  private searchRef: string | null = null;
  private renderTimer: ReturnType<typeof setTimeout> | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private lastTypingSent = 0;
  private upload: { abort(): void } | null = null;
  private phase: StreamStatus["phase"] = "idle";

  private readonly page: HTMLElement;
  private readonly roomList: HTMLUListElement;
  private readonly roomInput: HTMLInputElement;
  private readonly roomError: HTMLElement;
  private readonly nameInput: HTMLInputElement;
  private readonly nameButton: HTMLButtonElement;
  private readonly nameHint: HTMLElement;
  private readonly nameError: HTMLElement;
  private readonly onlineHead: HTMLElement;
  private readonly onlineList: HTMLUListElement;
  private readonly roomTitle: HTMLElement;
  private readonly stateHint: HTMLElement;
  private readonly errorBox: HTMLElement;
  private readonly errorText: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly list: MessageList;
  private readonly typingLine: HTMLElement;
  private readonly replyBar: HTMLElement;
  private readonly replyText: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly fileInput: HTMLInputElement;
  private readonly ingest: HTMLInputElement;
  private readonly uploadBox: HTMLElement;
  private readonly search: ChatSearch;

  constructor(private readonly ctx: AppContext) {
    this.client = ctx.chat;
    this.client.onFrame((f) => this.onFrame(f));
    this.client.onStatus((s) => this.renderState(s));

    // ---- rooms
    this.roomList = h("ul", { class: "chat-rooms", "aria-label": "Your rooms" });
    this.roomInput = h("input", { type: "text", name: "room", autocomplete: "off", spellcheck: "false", placeholder: "room name", "aria-label": "Room to join", maxlength: 64 });
    this.roomError = h("p", { class: "field-error", role: "alert" });
    const roomsPanel = h(
      "section",
      { class: "panel chat-rooms-panel", "aria-labelledby": "chat-rooms-h" },
      h("h2", { id: "chat-rooms-h" }, "Rooms"),
      this.roomList,
      h(
        "form",
        {
          class: "inline-form chat-join",
          on: {
            submit: (e) => {
              e.preventDefault();
              this.joinTyped();
            },
          },
        },
        this.roomInput,
        h("button", { type: "submit" }, "Join"),
      ),
      this.roomError,
    );

    // ---- people
    this.nameInput = h("input", { type: "text", name: "chat-name", autocomplete: "nickname", spellcheck: "false", maxlength: 64, "aria-label": "Your name in the chat" });
    this.nameButton = h("button", { type: "submit" }, "Save");
    this.nameHint = h("p", { class: "hint" });
    this.nameError = h("p", { class: "field-error", role: "alert" });
    this.onlineHead = h("h2", { id: "chat-online-h" }, "Online");
    this.onlineList = h("ul", { class: "chat-online", "aria-labelledby": "chat-online-h" });
    const people = h(
      "div",
      { class: "chat-people" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "chat-you-h" },
        h("h2", { id: "chat-you-h" }, "You"),
        h(
          "form",
          {
            class: "inline-form chat-name",
            on: {
              submit: (e) => {
                e.preventDefault();
                this.rename();
              },
            },
          },
          this.nameInput,
          this.nameButton,
        ),
        this.nameError,
        this.nameHint,
      ),
      h("section", { class: "panel", "aria-labelledby": "chat-online-h" }, this.onlineHead, this.onlineList),
    );

    // ---- the room
    this.roomTitle = h("h2", { id: "chat-room-h", class: "chat-room-title" });
    this.stateHint = h("span", { class: "hint chat-state", role: "status" });
    this.search = new ChatSearch({
      search: (q, all) => this.runSearch(q, all),
      open: (f) => this.openResult(f),
    });
    this.errorText = h("span", {});
    this.errorBox = h(
      "div",
      { class: "error-box chat-error", role: "alert", hidden: true },
      this.errorText,
      h("button", { type: "button", class: "link", "aria-label": "Dismiss", on: { click: () => (this.errorBox.hidden = true) } }, "×"),
    );
    this.notice = h("p", { class: "warn-text chat-notice", role: "status", hidden: true });
    const actions: MessageActions = {
      react: (id, emoji) => this.act({ action: "react", room: this.current, id, emoji }, "react"),
      reply: (m) => this.setReply(m),
      startEdit: (id) => this.startEdit(id),
      saveEdit: (id, content) => {
        this.act({ action: "edit", room: this.current, id, content }, "edit");
        this.endEdit(id);
      },
      cancelEdit: () => this.endEdit(this.editing),
      remove: (id) => this.act({ action: "delete", room: this.current, id }, "delete"),
      jumpTo: (id) => this.jumpTo(id),
      error: (text) => this.showError(text),
    };
    this.list = new MessageList(actions, () => this.loadOlder());
    this.list.scroller.addEventListener("scroll", () => this.maybeRead(), { passive: true });
    this.typingLine = h("p", { class: "hint chat-typing", "aria-live": "polite" });

    // ---- the composer
    this.replyText = h("span", {});
    this.replyBar = h(
      "div",
      { class: "chat-replying", hidden: true },
      this.replyText,
      h("button", { type: "button", class: "link", "aria-label": "Cancel the reply", on: { click: () => this.setReply(null) } }, "×"),
    );
    this.input = h("textarea", {
      name: "message",
      class: "chat-input",
      rows: 2,
      maxlength: 4000,
      "aria-label": "Message (Enter sends, Shift+Enter adds a line)",
      on: {
        keydown: (e) => this.onComposerKey(e),
        input: () => this.onTyping(),
      },
    });
    this.fileInput = h("input", {
      type: "file",
      name: "attachment",
      accept: ATTACHMENT_TYPES,
      class: "visually-hidden",
      tabindex: -1,
      "aria-hidden": "true",
      on: {
        change: () => {
          const file = this.fileInput.files?.[0];
          this.fileInput.value = "";
          if (file) this.attach(file);
        },
      },
    });
    this.ingest = h("input", { type: "checkbox", name: "ingest" });
    this.uploadBox = h("div", { class: "chat-upload hint", role: "status", hidden: true });
    const composer = h(
      "form",
      {
        class: "chat-composer",
        on: {
          submit: (e) => {
            e.preventDefault();
            this.sendMessage();
          },
        },
      },
      this.replyBar,
      this.input,
      h(
        "div",
        { class: "toolbar chat-tools" },
        h("button", { type: "button", class: "chat-attach", title: "Attach a file (PDF, text, Markdown, HTML, CSV, JSON, PNG, JPEG, GIF; up to 20 MiB)", on: { click: () => this.fileInput.click() } }, "📎 Attach…"),
        this.fileInput,
        h("label", { class: "inline-field chat-ingest", title: "PDF, text, Markdown and HTML files also go to the documents, where the assistant reads them" }, this.ingest, " also add to Documents"),
        h("button", { type: "button", class: "chat-ask", title: "Ask the assistant: it answers from the documents, with sources", on: { click: () => this.ask() } }, "Ask @assistant"),
        h("button", { type: "submit", class: "primary chat-send" }, "Send", h("kbd", {}, "Enter")),
      ),
      this.uploadBox,
    );

    const main = h(
      "section",
      { class: "chat-main", "aria-labelledby": "chat-room-h" },
      h("div", { class: "chat-main-head" }, this.roomTitle, this.stateHint, this.search.form),
      this.search.results,
      this.errorBox,
      this.notice,
      this.list.element,
      this.typingLine,
      composer,
    );
    this.page = h(
      "div",
      { class: "chat-view" },
      h(
        "div",
        { class: "view-head" },
        h("h1", {}, "Chat"),
        h("span", { class: "subtle" }, "Rooms with live messages; @assistant answers from the documents, with sources"),
      ),
      h("div", { class: "chat-grid" }, roomsPanel, main, people),
    );

    for (const room of this.storedRooms()) this.ensureRoom(room);
  }

  mount(root: HTMLElement, params: string[]): void {
    this.mounted = true;
    root.replaceChildren(this.page);
    this.renderName();
    this.client.start(this.askedName());
    for (const room of this.rooms.keys()) this.client.join(room);
    this.setRoom(params[0] ?? localStorage.getItem(ROOM_KEY) ?? DEFAULT_ROOM, true);
    this.list.watchTop();
    this.renderState(this.client.status);
  }

  update(params: string[]): void {
    this.setRoom(params[0] ?? this.current, true);
  }

  unmount(): void {
    this.mounted = false;
    this.client.stop();
    this.list.unwatchTop();
    if (this.renderTimer !== null) clearTimeout(this.renderTimer);
    if (this.typingTimer !== null) clearTimeout(this.typingTimer);
    this.renderTimer = null;
    this.typingTimer = null;
    for (const r of this.rooms.values()) r.typing.clear();
  }

  // ---- names and rooms ------------------------------------------------------------

  /** The name asked for: none with credentials (the gateway names the user after them). */
  private askedName(): string | null {
    if (loadCredentials()) return null;
    let name = localStorage.getItem(NAME_KEY);
    if (!name || userNameProblem(name)) {
      name = guestName();
      localStorage.setItem(NAME_KEY, name);
    }
    return name;
  }

  private rename(): void {
    const name = this.nameInput.value.trim();
    const problem = userNameProblem(name);
    if (problem) {
      this.nameError.textContent = problem;
      this.nameInput.focus();
      return;
    }
    this.nameError.textContent = "";
    localStorage.setItem(NAME_KEY, name);
    this.me = null;
    this.client.start(name);
    this.renderName();
  }

  private renderName(): void {
    const keyed = loadCredentials() !== null;
    this.nameInput.disabled = keyed;
    this.nameButton.disabled = keyed;
    if (keyed) {
      this.nameInput.value = this.me ?? "";
      this.nameHint.textContent = "Named by your API key.";
    } else {
      if (document.activeElement !== this.nameInput) this.nameInput.value = this.askedName() ?? "";
      this.nameHint.textContent = this.me ? `Others see you as ${this.me}.` : "Others see you by this name.";
    }
  }

  private storedRooms(): string[] {
    try {
      const v: unknown = JSON.parse(localStorage.getItem(ROOMS_KEY) ?? "null");
      if (Array.isArray(v)) {
        const rooms = v.filter((r): r is string => typeof r === "string" && roomNameProblem(r) === null);
        if (rooms.length > 0) return rooms;
      }
    } catch {
      // a broken list: start again
    }
    return [DEFAULT_ROOM];
  }

  private saveRooms(): void {
    localStorage.setItem(ROOMS_KEY, JSON.stringify([...this.rooms.keys()]));
  }

  private ensureRoom(room: string): RoomState {
    let r = this.rooms.get(room);
    if (!r) {
      r = {
        name: room,
        log: new RoomLog(),
        online: new Set(),
        reads: {},
        typing: new TypingTracker(),
        history: "none",
        older: "unknown",
        unread: 0,
        pending: [],
        readSent: null,
      };
      this.rooms.set(room, r);
      this.saveRooms();
      if (this.mounted) this.client.join(room);
    }
    return r;
  }

  private joinTyped(): void {
    const room = this.roomInput.value.trim().replace(/^#/, "");
    const problem = roomNameProblem(room);
    if (problem) {
      this.roomError.textContent = problem;
      this.roomInput.focus();
      return;
    }
    this.roomError.textContent = "";
    this.roomInput.value = "";
    navigate("chat", room);
  }

  private setRoom(room: string, fromRoute: boolean): void {
    if (roomNameProblem(room)) room = DEFAULT_ROOM;
    const changed = room !== this.current;
    this.ensureRoom(room);
    this.current = room;
    localStorage.setItem(ROOM_KEY, room);
    if (fromRoute) replaceRoute("chat", room);
    const r = this.rooms.get(room)!;
    r.unread = 0;
    if (changed) {
      this.setReply(null);
      this.editing = null;
      this.notice.hidden = true;
    }
    this.roomTitle.textContent = `#${room}`;
    this.input.placeholder = `Message #${room} (Enter sends, Shift+Enter adds a line)`;
    this.renderRooms();
    this.renderPeople();
    this.renderTyping();
    this.renderMessages();
  }

  private leaveRoom(room: string): void {
    this.client.leave(room);
    this.rooms.delete(room);
    this.saveRooms();
    if (room === this.current) {
      const next = this.rooms.keys().next().value ?? DEFAULT_ROOM;
      navigate("chat", next);
    } else {
      this.renderRooms();
    }
  }

  // ---- the socket's frames ----------------------------------------------------------

  private onFrame(f: ChatServerFrame): void {
    switch (f.type) {
      case "hello":
        this.me = f.user;
        this.renderName();
        this.renderPeople();
        this.scheduleRender();
        return;
      case "joined": {
        const r = this.rooms.get(f.room);
        if (!r) return;
        r.online = new Set(f.online);
        r.reads = { ...f.reads };
        // The first time, the latest page; after a reconnect the replay brings what was
        // missed, unless there were no offsets to resume from.
        if (r.history === "none" || (r.history === "loaded" && !this.client.joinedWithResume(f.room))) this.requestLatest(r);
        if (f.room === this.current) this.renderPeople();
        this.scheduleRender();
        return;
      }
      case "chat": {
        const r = this.rooms.get(f.room);
        if (!r) return;
        const e = f.data;
        const changed = r.log.apply(e);
        if (e.action === "post") {
          r.typing.stopped(e.user);
          const before = r.pending.length;
          r.pending = r.pending.filter((p) => p.id !== e.id);
          if (r.pending.length !== before && f.room === this.current) this.list.scrollToBottom();
          if (changed && f.room !== this.current && e.user !== this.me && r.history === "loaded") {
            r.unread++;
            this.renderRooms();
          }
          if (f.room === this.current) this.renderTyping();
        }
        if (changed || f.room === this.current) this.scheduleRender();
        return;
      }
      case "ack": {
        const p = typeof f.ref === "string" ? this.refs.get(f.ref) : undefined;
        if (typeof f.ref === "string") this.refs.delete(f.ref);
        if (p?.kind === "send") {
          const r = this.rooms.get(p.room);
          if (!r) return;
          const pending = r.pending.find((x) => x.ref === f.ref);
          if (pending) pending.id = f.id;
          // The event itself may have come first.
          if (r.log.has(f.id)) r.pending = r.pending.filter((x) => x.id !== f.id);
          this.scheduleRender();
        }
        return;
      }
      case "presence": {
        const r = this.rooms.get(f.room);
        if (!r) return;
        if (f.state === "online") r.online.add(f.user);
        else {
          r.online.delete(f.user);
          r.typing.stopped(f.user);
        }
        if (f.room === this.current) {
          this.renderPeople();
          this.renderTyping();
        }
        return;
      }
      case "typing": {
        const r = this.rooms.get(f.room);
        if (!r || f.user === this.me) return;
        r.typing.saw(f.user, Date.now());
        if (f.room === this.current) this.renderTyping();
        return;
      }
      case "read": {
        const r = this.rooms.get(f.room);
        if (!r) return;
        r.reads[f.user] = f.id;
        if (f.room === this.current) this.scheduleRender();
        return;
      }
      case "assistant_delta": {
        const r = this.rooms.get(f.room);
        if (r?.log.delta(f.answer_id, f.reply_to, f.text) && f.room === this.current) this.scheduleRender();
        return;
      }
      case "history": {
        const p = typeof f.ref === "string" ? this.refs.get(f.ref) : undefined;
        if (typeof f.ref === "string") this.refs.delete(f.ref);
        const r = this.rooms.get(f.room);
        if (!r) return;
        r.log.applyAll(f.messages);
        if (p?.kind === "older" || r.older === "unknown" || r.older === "loading") r.older = f.has_more ? "more" : "none";
        if (p?.kind !== "older") r.history = "loaded";
        if (f.room === this.current) this.renderMessages();
        return;
      }
      case "search":
        if (typeof f.ref === "string" && f.ref === this.searchRef) {
          this.refs.delete(f.ref);
          this.search.show(f.results, this.current);
        }
        return;
      case "resumed": {
        const r = this.rooms.get(f.room);
        if (!r) return;
        if (!f.complete) {
          // Something could not be replayed: the latest page fills what it can.
          if (f.room === this.current) {
            this.notice.hidden = false;
            this.notice.textContent = `Reconnected, but some messages of #${f.room} could not be replayed${f.problems.length ? `: ${f.problems.join("; ")}` : ""}. The latest ones are loaded again.`;
          }
          this.requestLatest(r);
        }
        return;
      }
      case "left":
        return;
      case "error":
        this.onError(f);
        return;
      default:
        return;
    }
  }

  private onError(f: Extract<ChatServerFrame, { type: "error" }>): void {
    const ref = typeof f.ref === "string" ? f.ref : null;
    const p = ref ? this.refs.get(ref) : undefined;
    if (ref) this.refs.delete(ref);
    const text = `${f.code ? `${f.code} · ` : ""}${f.message}`;
    if (ref === "connect") {
      this.showError(`The gateway does not take this name: ${f.message}`);
      return;
    }
    if (ref?.startsWith("join:")) {
      const room = ref.slice(5);
      this.rooms.delete(room);
      this.saveRooms();
      this.showError(`#${room}: ${text}`);
      if (room === this.current && room !== DEFAULT_ROOM) navigate("chat", DEFAULT_ROOM);
      else this.renderRooms();
      return;
    }
    if (p?.kind === "send") {
      const r = this.rooms.get(p.room);
      if (r) r.pending = r.pending.filter((x) => x.ref !== ref);
      // Not sent: the text goes back in the box, unless something else was typed.
      if (p.room === this.current && !this.input.value.trim()) this.input.value = p.content;
      this.scheduleRender();
    } else if (p?.kind === "latest" || p?.kind === "older") {
      const r = this.rooms.get(p.room);
      if (r) {
        if (p.kind === "latest") r.history = "none";
        r.older = p.kind === "older" ? "more" : r.older;
        this.list.setOlder(r.older, r.name);
      }
    } else if (p?.kind === "search") {
      this.search.failed();
    }
    this.showError(text);
  }

  // ---- history ----------------------------------------------------------------------

  private requestLatest(r: RoomState): void {
    const ref = this.client.send({ action: "history", room: r.name, limit: HISTORY_PAGE });
    if (ref === null) return;
    this.refs.set(ref, { kind: "latest", room: r.name });
    r.history = "loading";
    if (r.older === "unknown") r.older = "loading";
  }

  private loadOlder(): void {
    const r = this.rooms.get(this.current);
    const before = r?.log.oldestEventId;
    if (!r || r.older !== "more" || !before || !this.client.isJoined(r.name)) return;
    const ref = this.client.send({ action: "history", room: r.name, before, limit: HISTORY_PAGE });
    if (ref === null) return;
    this.refs.set(ref, { kind: "older", room: r.name });
    r.older = "loading";
    this.list.setOlder(r.older, r.name);
  }

  // ---- acting -----------------------------------------------------------------------

  private sendMessage(): void {
    const content = this.input.value.trim();
    if (!content) {
      this.input.focus();
      return;
    }
    const room = this.current;
    const r = this.ensureRoom(room);
    if (!this.client.isJoined(room)) {
      this.showError(`Not connected to #${room} yet: the message was not sent (it is still in the box).`);
      return;
    }
    const message: { action: "send"; room: string; content: string; context?: Record<string, unknown>; thread_parent?: string } = {
      action: "send",
      room,
      content,
    };
    if (mentionsAssistant(content)) {
      const symbols = symbolsIn(content, this.ctx.symbols());
      if (symbols.length > 0) message.context = { symbols };
    }
    if (this.replyTo) message.thread_parent = this.replyTo.id;
    const ref = this.client.send(message);
    if (ref === null) {
      this.showError("Not connected: the message was not sent (it is still in the box).");
      return;
    }
    this.refs.set(ref, { kind: "send", room, content });
    r.pending.push({ ref, content, id: null });
    this.input.value = "";
    this.errorBox.hidden = true;
    this.setReply(null);
    this.renderMessages();
    this.list.scrollToBottom();
  }

  private ask(): void {
    const had = this.input.value.trim();
    this.input.value = askAssistant(this.input.value);
    if (had) {
      this.sendMessage();
    } else {
      this.input.focus();
      this.input.setSelectionRange(this.input.value.length, this.input.value.length);
    }
  }

  private act(message: ChatClientMessage, what: string): void {
    const room = "room" in message ? message.room : this.current;
    if (!this.client.isJoined(room)) {
      this.showError(`Not connected to #${room}: try again in a moment.`);
      return;
    }
    const ref = this.client.send(message);
    if (ref) this.refs.set(ref, { kind: "act", room, what });
  }

  private setReply(m: ChatMessage | null): void {
    this.replyTo = m;
    this.replyBar.hidden = m === null;
    if (m) {
      this.replyText.textContent = `Replying to ${m.user}: “${snippet(m.content)}”`;
      this.input.focus();
    }
  }

  private startEdit(id: string): void {
    this.editing = id;
    this.renderMessages();
  }

  private endEdit(id: string | null): void {
    if (this.editing === null || this.editing !== id) return;
    this.editing = null;
    this.renderMessages();
    if (id) this.list.reveal(id);
  }

  private onComposerKey(e: KeyboardEvent): void {
    if (e.isComposing) return;
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      this.sendMessage();
    } else if (e.key === "Escape" && this.replyTo) {
      e.preventDefault();
      this.setReply(null);
    } else if (e.key === "ArrowUp" && !this.input.value) {
      // Edit my last message, as chat apps do.
      const mine = this.rooms
        .get(this.current)
        ?.log.messages()
        .filter((m) => m.user === this.me && m.role === "user")
        .pop();
      if (mine) {
        e.preventDefault();
        this.startEdit(mine.id);
      }
    }
  }

  private onTyping(): void {
    const now = Date.now();
    if (!this.input.value.trim() || now - this.lastTypingSent < TYPING_EVERY_MS) return;
    if (!this.client.isJoined(this.current)) return;
    this.lastTypingSent = now;
    this.client.send({ action: "typing", room: this.current });
  }

  private attach(file: File): void {
    const room = this.current;
    if (!this.client.isJoined(room)) {
      this.showError(`Not connected to #${room} yet: the file was not sent.`);
      return;
    }
    this.upload?.abort();
    const caption = this.input.value.trim();
    const progress = h("progress", { max: file.size || 1, value: 0 });
    const status = h("span", {}, `sending ${bytes(file.size)}…`);
    const cancel = h("button", { type: "button", class: "link", on: { click: () => upload.abort() } }, "Cancel");
    replace(this.uploadBox, h("span", { class: "upload-name" }, `📎 ${file.name}`), " ", progress, " ", status, " ", cancel);
    this.uploadBox.hidden = false;
    this.uploadBox.dataset.state = "sending";
    const upload = uploadAttachment(room, file, { caption, ingest: this.ingest.checked, user: this.askedName() }, (sent, total) => {
      progress.max = total || 1;
      progress.value = sent;
    });
    this.upload = upload;
    if (caption) this.input.value = "";
    upload.done
      .then(() => {
        this.uploadBox.dataset.state = "done";
        status.textContent = "attached";
        cancel.remove();
        setTimeout(() => {
          if (this.uploadBox.dataset.state === "done") this.uploadBox.hidden = true;
        }, 4000);
      })
      .catch((e: unknown) => {
        this.uploadBox.dataset.state = "error";
        cancel.remove();
        if (e instanceof DOMException && e.name === "AbortError") {
          status.textContent = "cancelled";
          return;
        }
        status.textContent = "not attached";
        if (caption && !this.input.value.trim()) this.input.value = caption;
        this.showError(e instanceof ApiError ? `${e.status ? `${e.status} · ` : ""}${e.message}` : String(e));
      })
      .finally(() => {
        if (this.upload === upload) this.upload = null;
      });
  }

  // ---- search -----------------------------------------------------------------------

  private runSearch(q: string, allRooms: boolean): boolean {
    if (!this.client.isJoined(this.current)) {
      this.showError("Not connected: search when the chat is live again.");
      return false;
    }
    const ref = this.client.send(allRooms ? { action: "search", q } : { action: "search", q, room: this.current });
    if (ref === null) return false;
    this.refs.set(ref, { kind: "search" });
    this.searchRef = ref;
    return true;
  }

  private openResult(f: ChatFound): void {
    if (f.room !== this.current) {
      this.revealWanted = f.id;
      navigate("chat", f.room);
      return;
    }
    this.jumpTo(f.id);
  }

  private jumpTo(id: string): void {
    if (this.list.reveal(id)) {
      this.notice.hidden = true;
      return;
    }
    this.notice.hidden = false;
    this.notice.textContent = "That message is further back: load older messages to see it.";
  }

  // ---- drawing ----------------------------------------------------------------------

  private scheduleRender(): void {
    if (this.renderTimer !== null || !this.mounted) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = null;
      this.renderMessages();
    }, 0);
  }

  private renderMessages(): void {
    if (!this.mounted) return;
    const r = this.rooms.get(this.current);
    if (!r) return;
    const keyed = loadCredentials() !== null;
    const asName = keyed ? null : this.client.askedName;
    const readers = readersByMessage(r.reads, this.me);
    const replies = new Map<string, string[]>();
    for (const m of r.log.messages()) {
      if (!m.threadParent) continue;
      const list = replies.get(m.threadParent);
      if (list) list.push(m.id);
      else replies.set(m.threadParent, [m.id]);
    }
    this.list.setOlder(r.older, r.name);
    this.list.render({
      room: r.name,
      items: r.log.timeline(),
      pending: r.pending.map((p) => ({ ref: p.ref, content: p.content })),
      me: this.me,
      info: (m) => ({
        me: this.me,
        asName,
        keyed,
        parent: m.threadParent ? r.log.get(m.threadParent) : null,
        replies: replies.get(m.id) ?? [],
        readers: readers.get(m.id) ?? [],
        editing: this.editing === m.id,
      }),
    });
    this.page.dataset.room = r.name;
    this.page.dataset.messages = String(r.log.messages().length);
    if (this.revealWanted && r.log.has(this.revealWanted)) {
      const id = this.revealWanted;
      this.revealWanted = null;
      this.jumpTo(id);
    }
    this.maybeRead();
  }

  /** Moves my read marker to the newest message while I am looking at it. */
  private maybeRead(): void {
    if (!this.mounted || document.visibilityState !== "visible" || !this.list.isAtBottom()) return;
    const r = this.rooms.get(this.current);
    const newest = r?.log.newestMessage();
    if (!r || !newest || !this.me || !this.client.isJoined(r.name)) return;
    if (newest.id === r.readSent || (r.reads[this.me] ?? "") >= newest.id) return;
    r.readSent = newest.id;
    r.reads[this.me] = newest.id;
    this.client.send({ action: "read", room: r.name, id: newest.id });
  }

  private renderRooms(): void {
    replace(
      this.roomList,
      ...[...this.rooms.values()].map((r) =>
        h(
          "li",
          { "data-room": r.name },
          h(
            "a",
            { href: `#/chat/${encodeURIComponent(r.name)}`, "aria-current": r.name === this.current ? "page" : null },
            `#${r.name}`,
            r.unread > 0 ? h("span", { class: "chat-unread", "aria-label": `${r.unread} new` }, String(r.unread)) : null,
          ),
          h("button", { type: "button", class: "link chat-leave", title: `Leave #${r.name}`, "aria-label": `Leave #${r.name}`, on: { click: () => this.leaveRoom(r.name) } }, "×"),
        ),
      ),
    );
  }

  private renderPeople(): void {
    const r = this.rooms.get(this.current);
    const online = r ? [...r.online].sort((a, b) => (a === this.me ? -1 : b === this.me ? 1 : a.localeCompare(b))) : [];
    this.onlineHead.textContent = `Online in #${this.current} (${online.length})`;
    replace(
      this.onlineList,
      ...online.map((u) => h("li", { "data-user": u }, h("span", { class: "chat-dot", "aria-hidden": "true" }), u, u === this.me ? h("span", { class: "subtle" }, " (you)") : null)),
    );
    if (online.length === 0) this.onlineList.append(h("li", { class: "subtle" }, "nobody yet"));
  }

  private renderTyping(): void {
    if (this.typingTimer !== null) clearTimeout(this.typingTimer);
    this.typingTimer = null;
    const r = this.rooms.get(this.current);
    if (!r) return;
    const now = Date.now();
    const users = r.typing.active(now);
    const text = typingText(users);
    if (this.typingLine.textContent !== text) this.typingLine.textContent = text;
    this.typingLine.dataset.users = users.join(",");
    const next = r.typing.nextExpiry(now);
    if (next !== null && this.mounted) this.typingTimer = setTimeout(() => this.renderTyping(), next - now + 20);
  }

  /**
   * The socket is gone (dropped, or the view was left): requests sent on it get no answer.
   * History asked is asked again on the next join; a message not acknowledged may or may
   * not have been taken, so it goes back in the box with a word, rather than twice.
   */
  private onSocketGone(): void {
    this.refs.clear();
    this.searchRef = null;
    this.search.failed();
    let unconfirmed: string | null = null;
    for (const r of this.rooms.values()) {
      if (r.history === "loading") r.history = "none";
      if (r.older === "loading") r.older = r.history === "loaded" ? "more" : "unknown";
      const kept = r.pending.filter((p) => p.id !== null);
      const lost = r.pending.filter((p) => p.id === null);
      r.pending = kept;
      if (r.name === this.current && lost.length > 0) unconfirmed = lost.map((p) => p.content).join("\n");
    }
    if (unconfirmed !== null) {
      if (!this.input.value.trim()) this.input.value = unconfirmed;
      this.notice.hidden = false;
      this.notice.textContent = "The connection dropped before the gateway confirmed your message: it is back in the box. Check whether it arrived before sending it again.";
    }
    this.scheduleRender();
  }

  private renderState(s: StreamStatus): void {
    // From a socket that was open to none, or to a new one (a new name).
    const gone = (this.phase === "live" || this.phase === "resuming") && s.phase !== "live" && s.phase !== "resuming";
    this.phase = s.phase;
    if (gone) this.onSocketGone();
    const text: Record<string, string> = {
      idle: "",
      connecting: "connecting…",
      live: "",
      reconnecting: `reconnecting${s.attempt > 0 ? ` (attempt ${s.attempt})` : ""}…`,
      resuming: "catching up on what was missed…",
    };
    this.stateHint.textContent = text[s.phase] ?? s.phase;
    this.page.dataset.phase = s.phase;
  }

  private showError(text: string): void {
    this.errorText.textContent = text;
    this.errorBox.hidden = false;
  }
}
