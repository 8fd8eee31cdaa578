// What the stream and chat clients share about keeping one WebSocket alive: the backoff
// between attempts and the ping watchdog. Each client keeps its own socket and state;
// what a loss means (resume offsets, rooms to join again) is theirs.

/** `WebSocket.OPEN`, spelled out so that tests run without a WebSocket global. */
export const OPEN = 1;

const PING_EVERY_MS = 20_000;
const PONG_WITHIN_MS = 10_000;
const BACKOFF_MAX_MS = 10_000;

/**
 * The wait before attempt `attempt` (1 first): doubling from 500 ms up to 10 s, with a
 * quarter either way at random so that clients of a restarted gateway do not return at once.
 */
export function retryDelay(attempt: number): number {
  const base = Math.min(BACKOFF_MAX_MS, 500 * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * Pings every 20 s. A connection that sends nothing, not even a pong, for 10 s after a
 * ping is dead without a close: `silent` is called to replace it.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | null = null;
  private deadline: number | null = null;

  start(ping: () => void, silent: () => void): void {
    this.stop();
    this.timer = setInterval(() => {
      if (this.deadline !== null && Date.now() > this.deadline) {
        silent();
        return;
      }
      ping();
      this.deadline ??= Date.now() + PONG_WITHIN_MS;
    }, PING_EVERY_MS);
  }

  /** Any frame from the gateway shows the connection alive. */
  heard(): void {
    this.deadline = null;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.deadline = null;
  }
}
