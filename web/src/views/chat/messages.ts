// A room's messages in a scrolling list: kept items for unchanged messages (a reaction
// redraws one item, not the list, and an open picker or a focused button elsewhere stays),
// the view pinned to the newest while the reader is there and held in place when older
// pages come in above, and "load older" at the top, by button or by scrolling there.

import type { ChatMessage, TimelineItem } from "../../chat/model";
import { h } from "../../ui/dom";
import { draftItem, type MessageActions, type MessageInfo, messageItem, messageSignature, pendingItem } from "./message";

/** Within this many pixels of the bottom counts as reading the newest. */
const BOTTOM_SLACK_PX = 48;

export type OlderState = "unknown" | "more" | "loading" | "none";

export interface PendingMessage {
  ref: string;
  content: string;
}

export interface ListInput {
  room: string;
  items: TimelineItem[];
  pending: PendingMessage[];
  info: (m: ChatMessage) => MessageInfo;
  me: string | null;
}

export class MessageList {
  readonly element: HTMLElement;
  readonly scroller: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly olderButton: HTMLButtonElement;
  private readonly beginning: HTMLElement;
  private readonly top: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly kept = new Map<string, { el: HTMLLIElement; sig: string }>();
  private room: string | null = null;
  private observer: IntersectionObserver | null = null;
  private older: OlderState = "unknown";

  constructor(
    private readonly actions: MessageActions,
    private readonly onLoadOlder: () => void,
  ) {
    this.olderButton = h("button", { type: "button", class: "link chat-older", on: { click: () => this.onLoadOlder() } }, "Load older messages");
    this.beginning = h("span", { class: "hint chat-beginning", hidden: true });
    this.top = h("div", { class: "chat-top" }, this.olderButton, this.beginning);
    this.list = h("ol", { class: "chat-messages", "aria-label": "Messages", "aria-live": "polite", "aria-relevant": "additions" });
    this.empty = h("p", { class: "empty chat-empty", hidden: true }, "No messages yet: say hello.");
    this.scroller = h("div", { class: "chat-scroll", tabindex: 0, "aria-label": "Messages (scroll up for older ones)" }, this.top, this.empty, this.list);
    this.element = this.scroller;
  }

  /** Starts loading older pages when the top of the list scrolls into view. */
  watchTop(): void {
    if (this.observer || typeof IntersectionObserver === "undefined") return;
    this.observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && this.older === "more" && this.list.children.length > 0) this.onLoadOlder();
      },
      { root: this.scroller, rootMargin: "40px 0px 0px 0px" },
    );
    this.observer.observe(this.top);
  }

  unwatchTop(): void {
    this.observer?.disconnect();
    this.observer = null;
  }

  setOlder(state: OlderState, room: string): void {
    this.older = state;
    this.olderButton.hidden = state === "none" || state === "unknown";
    this.olderButton.disabled = state === "loading";
    this.olderButton.textContent = state === "loading" ? "Loading older messages…" : "Load older messages";
    this.beginning.hidden = state !== "none";
    this.beginning.textContent = `The beginning of #${room}`;
    this.scroller.dataset.older = state;
  }

  isAtBottom(): boolean {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < BOTTOM_SLACK_PX;
  }

  scrollToBottom(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** Draws `input`, keeping what did not change and the reader's place. */
  render(input: ListInput): void {
    const switched = input.room !== this.room;
    if (switched) {
      this.kept.clear();
      this.list.replaceChildren();
      this.room = input.room;
    }
    const stick = switched || this.isAtBottom();
    const anchor = stick ? null : this.firstVisible();
    const wanted: HTMLLIElement[] = [];
    const live = new Set<string>();
    for (const item of input.items) {
      if (item.kind === "draft") {
        const key = `draft:${item.draft.answerId}`;
        live.add(key);
        wanted.push(this.keep(key, item.draft.text, () => draftItem(item.draft)));
        continue;
      }
      const m = item.message;
      const info = input.info(m);
      live.add(m.id);
      const sig = messageSignature(m, info);
      const known = this.kept.get(m.id);
      // An item being edited keeps its form (and what was typed) until the edit ends.
      if (known && (known.sig === sig || (info.editing && known.el.querySelector(".chat-edit-form")))) {
        wanted.push(known.el);
        continue;
      }
      wanted.push(this.keep(m.id, sig, () => messageItem(m, info, this.actions)));
    }
    for (const p of input.pending) {
      const key = `pending:${p.ref}`;
      live.add(key);
      wanted.push(this.keep(key, p.content, () => pendingItem(p.ref, input.me, p.content)));
    }
    for (const key of [...this.kept.keys()]) if (!live.has(key)) this.kept.delete(key);
    // Bring the list to `wanted`, moving only what is out of place.
    let cursor: ChildNode | null = this.list.firstChild;
    for (const el of wanted) {
      if (el === cursor) {
        cursor = cursor.nextSibling;
        continue;
      }
      this.list.insertBefore(el, cursor);
    }
    while (cursor) {
      const next: ChildNode | null = cursor.nextSibling;
      cursor.remove();
      cursor = next;
    }
    this.empty.hidden = wanted.length > 0 || this.older === "unknown" || this.older === "loading";
    if (stick) this.scrollToBottom();
    else if (anchor) {
      // The item the reader looked at stays where it was (older pages come in above it).
      const el = anchor.el.isConnected ? anchor.el : this.kept.get(anchor.key)?.el;
      if (el?.isConnected) {
        const moved = el.getBoundingClientRect().top - this.scroller.getBoundingClientRect().top - anchor.offset;
        if (moved !== 0) this.scroller.scrollTop += moved;
      }
    }
  }

  /** Brings message `id` into view and marks it for a moment; false when it is not loaded. */
  reveal(id: string): boolean {
    const el = this.kept.get(id)?.el;
    if (!el || !el.isConnected) return false;
    el.classList.remove("flash");
    // Restart the animation.
    void el.offsetWidth;
    el.classList.add("flash");
    const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    el.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
    el.focus({ preventScroll: true });
    return true;
  }

  private keep(key: string, sig: string, make: () => HTMLLIElement): HTMLLIElement {
    const known = this.kept.get(key);
    if (known && known.sig === sig) return known.el;
    const el = make();
    const old = known?.el;
    // Focus inside a redrawn item moves to the new one's same control when it can.
    const focused = old && old.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null;
    this.kept.set(key, { el, sig });
    if (old?.parentNode) old.replaceWith(el);
    if (focused) refocus(focused, el);
    return el;
  }

  /** The first item in view, its key, and where it is. */
  private firstVisible(): { el: HTMLElement; key: string; offset: number } | null {
    const top = this.scroller.getBoundingClientRect().top;
    for (const child of this.list.children) {
      const el = child as HTMLElement;
      const r = el.getBoundingClientRect();
      if (r.bottom <= top) continue;
      const d = el.dataset;
      const key = d.id ?? (d.answerId ? `draft:${d.answerId}` : `pending:${d.ref ?? ""}`);
      return { el, key, offset: r.top - top };
    }
    return null;
  }
}

function refocus(old: HTMLElement, item: HTMLElement): void {
  const cls = [...old.classList].find((c) => c.startsWith("chat-"));
  const emoji = old.dataset.emoji ?? old.dataset.react ?? old.dataset.pick;
  const selector = emoji ? `[data-emoji="${emoji}"], [data-react="${emoji}"]` : cls ? `.${cls}` : null;
  const found = selector ? item.querySelector<HTMLElement>(selector) : null;
  // A button that is now disabled (👍 once given) cannot take focus: the item does.
  const target = found && !(found instanceof HTMLButtonElement && found.disabled) ? found : item;
  target.focus({ preventScroll: true });
}
