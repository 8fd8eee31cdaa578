// The `/v1/chat` WebSocket and the chat's REST calls (attachments).
//
// One connection carries every room the user keeps in the list. It reconnects with
// backoff and resumes by offset, as the `/v1/stream` client does: per room it keeps, per
// topic partition, the newest offset of the `chat` frames it was sent (and the `positions`
// of a plain join), and joins again with them as `resume`; the gateway sends the room's
// events missed, nothing twice, then `resumed`. While a replay is under way the offsets of
// its `joined` frame are held back, so a drop in the middle resumes from what arrived.
//
// Names: with a key or a token the gateway names the user after it; without (`finstream
// run`), the client names itself with `?user=`.

import { type Credentials, authHeaders, authQuery, loadCredentials } from "./credentials";
import { ApiError, errorMessage, fetchWithCredentials } from "./rest";
import type { Socket, StreamStatus } from "./stream";
import { Heartbeat, OPEN, retryDelay } from "./socket";
import type { ChatClientMessage, ChatPosted, ChatServerFrame, Positions } from "./types";
import { advance, mergePositions, partitionKey } from "../chat/model";

export interface ChatClientOptions {
  /** The socket's URL for a user name (null: named by the credentials); read at each connect. */
  url?: (user: string | null) => string;
  connect?: (url: string) => Socket;
  /** Why the gateway refuses the credentials or the name, asked when a socket never opened. */
  probe?: (user: string | null) => Promise<ApiError | null>;
}

export class ChatClient {
  private socket: Socket | null = null;
  private user: string | null = null;
  private wanted = false;
  /** The rooms to be in, in the order added. */
  private readonly rooms = new Set<string>();
  /** Rooms joined on the current socket. */
  private readonly joined = new Set<string>();
  /** Rooms whose join is sent and not answered yet. */
  private readonly joining = new Set<string>();
  /** Per room: the newest offset seen per partition. */
  private readonly positions = new Map<string, Positions>();
  /** Per room, while its resume replay runs: the `joined` positions, merged at `resumed`. */
  private readonly replaying = new Map<string, Positions>();
  /** Rooms this socket joined with `resume` (the others may have missed something). */
  private readonly resumedJoins = new Set<string>();
  private nextRef = 1;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly heartbeat = new Heartbeat();
  private readonly frameListeners = new Set<(f: ChatServerFrame) => void>();
  private readonly statusListeners = new Set<(s: StreamStatus) => void>();
  private current: StreamStatus;
  private readonly url: (user: string | null) => string;
  private readonly connectSocket: (url: string) => Socket;
  private readonly probe: (user: string | null) => Promise<ApiError | null>;

  constructor(
    readonly name: string,
    options: ChatClientOptions = {},
  ) {
    this.url = options.url ?? defaultChatUrl;
    this.connectSocket = options.connect ?? ((url) => new WebSocket(url));
    this.probe = options.probe ?? probeChat;
    this.current = { name, phase: "idle", attempt: 0, retryAt: null, lastResume: null, authError: null, lastError: null };
  }

  get status(): StreamStatus {
    return this.current;
  }

  /** The name this client asks for (null: the credentials name it). */
  get askedName(): string | null {
    return this.user;
  }

  onFrame(listener: (f: ChatServerFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onStatus(listener: (s: StreamStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Connects as `user` (null with credentials), or reconnects when the name changed. */
  start(user: string | null): void {
    const renamed = user !== this.user;
    this.user = user;
    this.wanted = true;
    if (renamed && (this.socket || this.retryTimer !== null)) {
      this.reconnectNow();
      return;
    }
    if (!this.socket && this.retryTimer === null) this.connect();
  }

  /** Closes the connection; the rooms and their offsets are kept for the next `start`. */
  stop(): void {
    this.wanted = false;
    this.clearRetry();
    if (this.socket) this.dropSocket(1000, "chat closed");
    this.forgetSocket();
    this.setStatus({ phase: "idle", attempt: 0, retryAt: null });
  }

  /** Drops the socket and connects again at once (new credentials or name). */
  reconnectNow(): void {
    if (!this.wanted) return;
    this.clearRetry();
    if (this.socket) this.dropSocket(4001, "reconnecting with new settings");
    this.forgetSocket();
    this.connect();
  }

  /** Wants to be in `room`: joins it now if connected, else on connect. */
  join(room: string): void {
    if (this.rooms.has(room)) return;
    this.rooms.add(room);
    if (this.socket?.readyState === OPEN) this.sendJoin(room);
  }

  /** Leaves `room` (its membership too) and forgets its offsets. */
  leave(room: string): void {
    this.rooms.delete(room);
    this.positions.delete(room);
    this.replaying.delete(room);
    this.resumedJoins.delete(room);
    const joined = this.joined.delete(room);
    const joining = this.joining.delete(room);
    if (joined || joining) this.send({ action: "leave", room });
  }

  /** Whether this connection has joined `room` (sending, history and search need it). */
  isJoined(room: string): boolean {
    return this.joined.has(room);
  }

  /**
   * Whether this connection joined `room` resuming from kept offsets. A room joined
   * without (nothing was kept for it) may have missed what was said while the socket was
   * down: its latest history page fills that in.
   */
  joinedWithResume(room: string): boolean {
    return this.resumedJoins.has(room);
  }

  /** The offsets kept for `room` (a copy). */
  positionsOf(room: string): Positions {
    return { ...(this.positions.get(room) ?? {}) };
  }

  /**
   * Sends `message` with a new `ref` (unless it has one, or takes none) and returns the
   * ref; null when not connected, and nothing was sent.
   */
  send(message: ChatClientMessage): string | null {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return null;
    let ref = "";
    if ("ref" in message && message.ref) ref = message.ref;
    else if (message.action !== "typing" && message.action !== "read" && message.action !== "ping") {
      ref = `r${this.nextRef++}`;
      message = { ...message, ref };
    }
    socket.send(JSON.stringify(message));
    return ref;
  }

  private connect(): void {
    const resuming = [...this.rooms].some((r) => Object.keys(this.positions.get(r) ?? {}).length > 0);
    this.setStatus({ phase: resuming ? "reconnecting" : "connecting", retryAt: null });
    const socket = this.connectSocket(this.url(this.user));
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.setStatus({ authError: null });
      this.heartbeat.start(() => this.send({ action: "ping" }), () => this.silent());
      if (this.rooms.size === 0) this.setStatus({ phase: "live", attempt: 0 });
      for (const room of this.rooms) this.sendJoin(room);
    };
    socket.onmessage = (event: MessageEvent<unknown>) => {
      if (typeof event.data === "string") this.receive(event.data);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.heartbeat.stop();
      this.forgetSocket();
      if (!this.wanted) return;
      this.scheduleRetry();
      if (!opened) void this.checkProbe();
    };
  }

  private sendJoin(room: string): void {
    const kept = this.positions.get(room);
    const resume = kept && Object.keys(kept).length > 0 ? { ...kept } : null;
    this.joining.add(room);
    if (resume) {
      this.resumedJoins.add(room);
      this.replaying.set(room, {});
      this.setStatus({ phase: "resuming" });
      this.send({ action: "join", room, resume, ref: `join:${room}` });
    } else {
      this.send({ action: "join", room, ref: `join:${room}` });
    }
  }

  private receive(text: string): void {
    let frame: ChatServerFrame;
    try {
      frame = JSON.parse(text) as ChatServerFrame;
    } catch {
      return;
    }
    this.heartbeat.heard();
    switch (frame.type) {
      case "joined": {
        this.joining.delete(frame.room);
        this.joined.add(frame.room);
        if (this.replaying.has(frame.room)) {
          // Offsets the replay is still bringing: merged once it is over.
          this.replaying.set(frame.room, frame.positions);
        } else {
          mergePositions(this.roomPositions(frame.room), frame.positions);
        }
        this.settle();
        break;
      }
      case "resumed": {
        const through = this.replaying.get(frame.room);
        if (through) mergePositions(this.roomPositions(frame.room), through);
        this.replaying.delete(frame.room);
        this.setStatus({
          lastResume: { replayed: frame.replayed, complete: frame.complete, problems: frame.problems, at: Date.now() },
        });
        this.settle();
        break;
      }
      case "chat":
        if (this.rooms.has(frame.room)) advance(this.roomPositions(frame.room), partitionKey(frame.topic, frame.partition), frame.offset);
        break;
      case "left":
        this.joined.delete(frame.room);
        break;
      case "error":
        this.setStatus({ lastError: frame.message });
        if (typeof frame.ref === "string" && frame.ref.startsWith("join:")) {
          // A room the gateway would not let us join: stop asking.
          const room = frame.ref.slice(5);
          this.joining.delete(room);
          this.replaying.delete(room);
          this.rooms.delete(room);
          this.settle();
        }
        break;
      case "pong":
        return;
      default:
        break;
    }
    for (const l of this.frameListeners) l(frame);
  }

  /** Live once every room is joined and no replay is under way. */
  private settle(): void {
    if (this.joining.size === 0 && this.replaying.size === 0 && this.socket?.readyState === OPEN) {
      this.setStatus({ phase: "live", attempt: 0 });
    }
  }

  private roomPositions(room: string): Positions {
    let p = this.positions.get(room);
    if (!p) this.positions.set(room, (p = {}));
    return p;
  }

  /** What belonged to the socket that is gone. */
  private forgetSocket(): void {
    this.joined.clear();
    this.joining.clear();
    this.resumedJoins.clear();
    // A replay cut short: the offsets of what did arrive are kept, its `joined` ones are not.
    this.replaying.clear();
  }

  private scheduleRetry(): void {
    const attempt = this.current.attempt + 1;
    const delay = retryDelay(attempt);
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
    this.setStatus({ phase: "reconnecting", attempt, retryAt: Date.now() + delay });
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async checkProbe(): Promise<void> {
    const refused = await this.probe(this.user);
    if (!refused) {
      this.setStatus({ authError: null });
      return;
    }
    if (refused.status === 401 || (refused.status === 403 && loadCredentials())) {
      // A key is needed, or the one stored is refused: the badge's business.
      this.setStatus({ authError: `${refused.status}: ${refused.message}` });
      return;
    }
    // A name the gateway does not take, say: the view shows it as an error frame.
    this.setStatus({ lastError: refused.message });
    const frame: ChatServerFrame = { type: "error", code: refused.status, message: refused.message, ref: "connect" };
    for (const l of this.frameListeners) l(frame);
  }

  /** The connection went silent: replace it. */
  private silent(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.onclose = null;
    socket.close(4000, "no pong");
    this.heartbeat.stop();
    this.forgetSocket();
    this.scheduleRetry();
  }

  private dropSocket(code: number, reason: string): void {
    const socket = this.socket;
    this.socket = null;
    this.heartbeat.stop();
    if (!socket) return;
    socket.onclose = null;
    socket.onmessage = null;
    socket.close(code, reason);
  }

  private setStatus(patch: Partial<StreamStatus>): void {
    this.current = { ...this.current, ...patch };
    for (const l of this.statusListeners) l(this.current);
  }
}

/** `?key=&secret=` or `?token=` with credentials, else `?user=NAME` (the gateway is open). */
export function chatQuery(credentials: Credentials | null, user: string | null): string {
  if (credentials) return authQuery(credentials);
  return user ? `?${new URLSearchParams({ user }).toString()}` : "";
}

export function defaultChatUrl(user: string | null): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/v1/chat${chatQuery(loadCredentials(), user)}`;
}

/** `?as=NAME` for REST calls when the app has no credentials to send. */
function asQuery(user: string | null): string {
  return !loadCredentials() && user ? `?as=${encodeURIComponent(user)}` : "";
}

/**
 * Browsers do not say why a WebSocket handshake failed: asks `GET /v1/chat/rooms` with
 * the same credentials and name, which the same checks refuse with a reason.
 */
export async function probeChat(user: string | null): Promise<ApiError | null> {
  try {
    const r = await fetchWithCredentials(`/v1/chat/rooms${asQuery(user)}`);
    if (r.ok) return null;
    return new ApiError(r.status, errorMessage(r.status, r.statusText, await r.text()));
  } catch (e) {
    return e instanceof ApiError && e.status !== 0 ? e : null;
  }
}

export interface AttachmentUpload {
  done: Promise<ChatPosted>;
  abort(): void;
}

/**
 * Attaches `file` to `room` (`POST /v1/chat/rooms/{room}/attachments`), with progress;
 * `ingest` sends a PDF, text, Markdown or HTML file on to the documents as well. `done`
 * rejects with the server's message (413 too large, 415 a type it does not take).
 */
export function uploadAttachment(
  room: string,
  file: File,
  fields: { caption?: string; ingest?: boolean; user: string | null },
  onProgress: (sent: number, total: number) => void,
): AttachmentUpload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<ChatPosted>((resolve, reject) => {
    const form = new FormData();
    form.append("file", file, file.name);
    const caption = fields.caption?.trim();
    if (caption) form.append("caption", caption);
    if (fields.ingest) form.append("ingest", "true");
    xhr.open("POST", `/v1/chat/rooms/${encodeURIComponent(room)}/attachments${asQuery(fields.user)}`);
    for (const [k, v] of Object.entries(authHeaders(loadCredentials()))) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size));
    xhr.addEventListener("load", () => {
      const text = xhr.responseText;
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(new ApiError(xhr.status, errorMessage(xhr.status, xhr.statusText, text)));
        return;
      }
      try {
        resolve(JSON.parse(text) as ChatPosted);
      } catch {
        reject(new ApiError(xhr.status, `the answer to the upload is not JSON: ${text.slice(0, 200)}`));
      }
    });
    xhr.addEventListener("error", () =>
      reject(new ApiError(0, "the upload did not get an answer: the connection failed or was closed (is finstream running?)")),
    );
    xhr.addEventListener("abort", () => reject(new DOMException("the upload was cancelled", "AbortError")));
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}

/** Downloads an attachment with the app's credentials (a link cannot carry headers). */
export async function downloadAttachment(url: string, filename: string): Promise<void> {
  const r = await fetchWithCredentials(url);
  if (!r.ok) throw new ApiError(r.status, errorMessage(r.status, r.statusText, await r.text()));
  const blob = await r.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
