// The connection badge: the state of every stream the app holds (and of the chat's socket
// while the chat is open), worst first. After a reconnect it says "resumed" (and how many
// missed updates the gateway replayed) for a while, or that the resume was incomplete and
// why.

import type { StreamStatus } from "../api/stream";
import { h } from "./dom";

/** A connection the badge follows: the streams, and the chat. */
export interface StatusSource {
  readonly status: StreamStatus;
  onStatus(listener: (s: StreamStatus) => void): () => void;
}

export type BadgeState = "live" | "resumed" | "gaps" | "connecting" | "reconnecting" | "resuming" | "auth" | "idle";

const RESUMED_SHOWN_MS = 10_000;
const GAPS_SHOWN_MS = 60_000;

export class ConnectionBadge {
  readonly element: HTMLElement;
  private readonly text: HTMLElement;
  private readonly action: HTMLButtonElement;

  constructor(
    private readonly streams: StatusSource[],
    onAuthClick: () => void,
  ) {
    this.text = h("span", { class: "conn-text" });
    this.action = h("button", { type: "button", class: "conn-action", hidden: true, on: { click: onAuthClick } }, "Set a key");
    this.element = h(
      "div",
      { class: "conn", role: "status", "aria-live": "polite" },
      h("span", { class: "conn-dot", "aria-hidden": "true" }),
      this.text,
      this.action,
    );
    for (const s of streams) s.onStatus(() => this.render());
    setInterval(() => this.render(), 1000);
    this.render();
  }

  private render(): void {
    const [state, text, detail] = describe(this.streams.map((s) => s.status), Date.now());
    this.element.dataset.state = state;
    if (this.text.textContent !== text) this.text.textContent = text;
    this.element.title = detail;
    this.action.hidden = state !== "auth";
  }
}

export function describe(statuses: StreamStatus[], now: number): [BadgeState, string, string] {
  const detail = statuses.map((s) => `${s.name}: ${s.phase}${s.lastError ? ` (last error: ${s.lastError})` : ""}`).join("\n");
  const refused = statuses.find((s) => s.authError);
  if (refused) return ["auth", "key refused", `${refused.authError}\n${detail}`];
  const reconnecting = statuses.filter((s) => s.phase === "reconnecting");
  if (reconnecting.length > 0) {
    const next = Math.min(...reconnecting.map((s) => s.retryAt ?? now));
    const attempt = Math.max(...reconnecting.map((s) => s.attempt));
    const secs = Math.max(0, Math.ceil((next - now) / 1000));
    return ["reconnecting", `reconnecting${secs > 0 ? ` in ${secs}s` : "…"} (attempt ${attempt})`, detail];
  }
  if (statuses.some((s) => s.phase === "resuming")) return ["resuming", "resuming…", detail];
  if (statuses.some((s) => s.phase === "connecting")) return ["connecting", "connecting…", detail];
  const live = statuses.filter((s) => s.phase === "live");
  if (live.length === 0) return ["idle", "idle", detail];
  const gaps = live
    .map((s) => s.lastResume)
    .find((r) => r && !r.complete && now - r.at < GAPS_SHOWN_MS);
  if (gaps) return ["gaps", "live · resumed with gaps", `${gaps.problems.join("\n")}\n${detail}`];
  const resumed = live.map((s) => s.lastResume).filter((r) => r && now - r.at < RESUMED_SHOWN_MS);
  if (resumed.length > 0) {
    const replayed = resumed.reduce((n, r) => n + (r?.replayed ?? 0), 0);
    return ["resumed", `live · resumed (${replayed} missed update${replayed === 1 ? "" : "s"} replayed)`, detail];
  }
  return ["live", "live", detail];
}
