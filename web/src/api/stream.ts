// One `/v1/stream` WebSocket that keeps itself subscribed to what its owner wants.
//
// The gateway applies a connection's channels to all its symbols, so the app opens one
// connection per need (the watchlist's, and the open view's) rather than one union. A
// connection that drops reconnects with backoff and resumes by offset: it keeps, per topic
// partition, the newest of the `positions` it was given and the offsets of the updates it
// got, and subscribes again with them as `resume`; the gateway replays what was missed,
// then sends `resumed`. Nothing is missed and nothing comes twice (stream.rs).

import { authQuery, loadCredentials } from "./credentials";
import { Heartbeat, OPEN, retryDelay } from "./socket";
import { type ApiError, probeStreamAuth } from "./rest";
import type {
  Channel,
  Positions,
  ResumedFrame,
  ServerFrame,
  StreamUpdate,
} from "./types";

export type Phase =
  /** Nothing wanted: no socket. */
  | "idle"
  | "connecting"
  | "live"
  /** Dropped; waiting to retry. */
  | "reconnecting"
  /** Reconnected and asked for what was missed; the replay is under way. */
  | "resuming";

export interface ResumeReport {
  replayed: number;
  complete: boolean;
  problems: string[];
  at: number;
}

export interface StreamStatus {
  name: string;
  phase: Phase;
  /** Failed attempts since the connection was last live. */
  attempt: number;
  /** When the next attempt starts (ms since the epoch), while reconnecting. */
  retryAt: number | null;
  lastResume: ResumeReport | null;
  /** Why the gateway refuses the stored credentials, if it does. */
  authError: string | null;
  /** The last error frame the gateway sent (a bad subscription, for instance). */
  lastError: string | null;
}

/** What the client needs of a WebSocket. */
export interface Socket {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface StreamOptions {
  /** The stream's URL with the credentials; read at each connect. */
  url?: () => string;
  connect?: (url: string) => Socket;
  /** Why the gateway refuses the credentials, asked when a socket never opened. */
  probeAuth?: () => Promise<ApiError | null>;
}

export class StreamClient {
  private socket: Socket | null = null;
  private wantedSymbols = new Set<string>();
  private wantedChannels: Channel[] = [];
  /** What the gateway has for this connection, as last acknowledged. */
  private sentSymbols = new Set<string>();
  private sentChannels = "";
  private positions: Positions = {};
  /** The `positions` of a resuming subscription, kept until its replay is complete. */
  private replayingThrough: Positions | null = null;
  /** Whether `positions` belong to a subscription that dropped and should be resumed. */
  private resumable = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly heartbeat = new Heartbeat();
  private readonly updateListeners = new Set<(u: StreamUpdate) => void>();
  private readonly statusListeners = new Set<(s: StreamStatus) => void>();
  private readonly resumeListeners = new Set<(r: ResumedFrame) => void>();
  private current: StreamStatus;

  private readonly url: () => string;
  private readonly connectSocket: (url: string) => Socket;
  private readonly probeAuth: () => Promise<ApiError | null>;

  constructor(
    readonly name: string,
    options: StreamOptions = {},
  ) {
    this.url = options.url ?? defaultStreamUrl;
    this.connectSocket = options.connect ?? ((url) => new WebSocket(url));
    this.probeAuth = options.probeAuth ?? probeStreamAuth;
    this.current = {
      name,
      phase: "idle",
      attempt: 0,
      retryAt: null,
      lastResume: null,
      authError: null,
      lastError: null,
    };
  }

  get status(): StreamStatus {
    return this.current;
  }

  /** Wants exactly these symbols on these channels from now on. */
  setSubscription(symbols: Iterable<string>, channels: Channel[]): void {
    this.wantedSymbols = new Set([...symbols].map((s) => s.toUpperCase()));
    this.wantedChannels = [...channels].sort();
    if (this.wantedSymbols.size === 0 || this.wantedChannels.length === 0) {
      this.close();
      return;
    }
    if (this.socket?.readyState === OPEN) this.sync();
    else if (!this.socket && this.retryTimer === null) this.connect();
  }

  onUpdate(listener: (u: StreamUpdate) => void): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  onStatus(listener: (s: StreamStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** After a reconnect, once the gateway has replayed what was missed. */
  onResumed(listener: (r: ResumedFrame) => void): () => void {
    this.resumeListeners.add(listener);
    return () => this.resumeListeners.delete(listener);
  }

  /** Drops the socket and connects again at once (new credentials, for instance). */
  reconnectNow(): void {
    if (this.wantedSymbols.size === 0) return;
    this.clearRetry();
    if (this.sentSymbols.size > 0) this.resumable = true;
    if (this.socket) this.dropSocket(4001, "reconnecting with new settings");
    this.connect();
  }

  private close(): void {
    this.clearRetry();
    if (this.socket) this.dropSocket(1000, "nothing subscribed");
    this.positions = {};
    this.resumable = false;
    this.sentSymbols.clear();
    this.sentChannels = "";
    this.setStatus({ phase: "idle", attempt: 0, retryAt: null });
  }

  private connect(): void {
    const resuming = this.resumable;
    this.setStatus({ phase: resuming ? "reconnecting" : "connecting", retryAt: null });
    const socket = this.connectSocket(this.url());
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.replayingThrough = null;
      this.sentSymbols.clear();
      this.sentChannels = "";
      this.setStatus({ authError: null });
      this.heartbeat.start(() => this.send({ action: "ping" }), () => this.silent());
      this.sync();
    };
    socket.onmessage = (event: MessageEvent<unknown>) => {
      if (typeof event.data === "string") this.receive(event.data);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return; // replaced on purpose
      this.socket = null;
      this.heartbeat.stop();
      if (this.sentSymbols.size > 0) this.resumable = true;
      this.scheduleRetry();
      if (!opened) void this.checkAuth();
    };
  }

  /** Brings the gateway's subscription to what is wanted. */
  private sync(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return;
    const gone = [...this.sentSymbols].filter((s) => !this.wantedSymbols.has(s));
    if (gone.length > 0) {
      this.send({ action: "unsubscribe", symbols: gone });
      for (const s of gone) this.sentSymbols.delete(s);
    }
    const channels = this.wantedChannels.join(",");
    const added = [...this.wantedSymbols].filter((s) => !this.sentSymbols.has(s));
    if (this.resumable) {
      // One subscribe with `resume` replays everything missed on every wanted symbol;
      // a symbol added while disconnected is replayed from the same offsets, which the
      // views absorb (they key bars by start and trades by time).
      this.resumable = false;
      this.setStatus({ phase: "resuming" });
      this.send({
        action: "subscribe",
        symbols: [...this.wantedSymbols],
        channels: this.wantedChannels,
        resume: this.positions,
      });
      this.sentChannels = channels;
      for (const s of this.wantedSymbols) this.sentSymbols.add(s);
      return;
    }
    if (added.length === 0 && channels === this.sentChannels) return;
    // Channels replace the connection's set for all its symbols.
    this.send({ action: "subscribe", symbols: added, channels: this.wantedChannels });
    this.sentChannels = channels;
    for (const s of added) this.sentSymbols.add(s);
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    this.heartbeat.heard();
    switch (frame.type) {
      case "subscribed":
        if (this.current.phase === "resuming") {
          // Updates up to these offsets are still being replayed: a drop before `resumed`
          // must resume from the offsets actually received, not from these.
          this.replayingThrough = frame.positions;
        } else {
          this.mergePositions(frame.positions);
          this.setStatus({ phase: "live", attempt: 0 });
        }
        return;
      case "resumed":
        if (this.replayingThrough) this.mergePositions(this.replayingThrough);
        this.replayingThrough = null;
        this.setStatus({
          phase: "live",
          attempt: 0,
          lastResume: {
            replayed: frame.replayed,
            complete: frame.complete,
            problems: frame.problems,
            at: Date.now(),
          },
        });
        for (const l of this.resumeListeners) l(frame);
        return;
      case "error":
        this.setStatus({ lastError: frame.message });
        return;
      case "pong":
        return;
      default: {
        const key = `${frame.topic}/${frame.partition}`;
        const seen = this.positions[key];
        if (seen === undefined || frame.offset > seen) this.positions[key] = frame.offset;
        for (const l of this.updateListeners) l(frame);
      }
    }
  }

  private mergePositions(positions: Positions): void {
    for (const [key, offset] of Object.entries(positions)) {
      const seen = this.positions[key];
      if (seen === undefined || offset > seen) this.positions[key] = offset;
    }
  }

  private send(message: object): void {
    this.socket?.send(JSON.stringify(message));
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

  private async checkAuth(): Promise<void> {
    const refused = await this.probeAuth();
    this.setStatus({ authError: refused ? `${refused.status}: ${refused.message}` : null });
  }

  /** The connection went silent: replace it. */
  private silent(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.onclose = null;
    socket.close(4000, "no pong");
    this.heartbeat.stop();
    this.resumable = this.sentSymbols.size > 0;
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

export function defaultStreamUrl(): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/v1/stream${authQuery(loadCredentials())}`;
}
