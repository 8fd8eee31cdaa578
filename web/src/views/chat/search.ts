// Searching the messages of the room (or of all the user's rooms): each result with its
// author, room and time, and the words that matched marked; choosing one shows it in the
// room when it is loaded.

import type { ChatFound } from "../../api/types";
import { resultSegments } from "../../chat/model";
import { h, replace } from "../../ui/dom";

export interface SearchHooks {
  /** Sends the search; returns false when it could not be sent (not connected). */
  search(q: string, allRooms: boolean): boolean;
  /** The user chose a result. */
  open(found: ChatFound): void;
}

export class ChatSearch {
  readonly form: HTMLFormElement;
  readonly results: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly scope: HTMLSelectElement;
  private readonly button: HTMLButtonElement;
  private readonly meta: HTMLElement;
  private readonly list: HTMLOListElement;
  private asked = "";

  constructor(private readonly hooks: SearchHooks) {
    this.input = h("input", {
      type: "search",
      name: "chat-q",
      autocomplete: "off",
      placeholder: "Search messages",
      "aria-label": "Search messages",
      on: {
        keydown: (e) => {
          if (e.key === "Escape" && !this.results.hidden) {
            e.preventDefault();
            this.close();
          }
        },
      },
    });
    this.scope = h(
      "select",
      { name: "chat-scope", "aria-label": "Where to search" },
      h("option", { value: "room" }, "this room"),
      h("option", { value: "all" }, "all my rooms"),
    );
    this.button = h("button", { type: "submit" }, "Search");
    this.form = h(
      "form",
      {
        role: "search",
        class: "inline-form chat-search",
        on: {
          submit: (e) => {
            e.preventDefault();
            this.run();
          },
        },
      },
      this.input,
      this.scope,
      this.button,
    );
    this.meta = h("span", { class: "hint", role: "status" });
    this.list = h("ol", { class: "chat-results-list", "aria-label": "Search results" });
    this.results = h(
      "section",
      { class: "chat-results", hidden: true, "aria-label": "Message search" },
      h(
        "div",
        { class: "section-head" },
        this.meta,
        h("button", { type: "button", class: "link chat-results-close", on: { click: () => this.close() } }, "Close"),
      ),
      this.list,
    );
  }

  /** The answer to the search last sent. */
  show(results: ChatFound[], room: string): void {
    this.button.disabled = false;
    this.results.hidden = false;
    const n = results.length;
    this.meta.textContent = n === 0 ? `Nothing found for “${this.asked}”.` : `${n} message${n === 1 ? "" : "s"} for “${this.asked}”, best first`;
    const all = this.scope.value === "all";
    replace(
      this.list,
      ...results.map((f) => {
        const cut = resultSegments(f.content, f.highlights);
        const text = h(
          "span",
          { class: "chat-result-text" },
          cut.clippedStart ? "… " : "",
          ...cut.segments.map((s) => (s.mark ? h("mark", {}, s.text) : s.text)),
          cut.clippedEnd ? " …" : "",
        );
        const when = new Date(f.event_time / 1e6);
        return h(
          "li",
          { class: "chat-result", "data-id": f.id, "data-room": f.room },
          h(
            "button",
            { type: "button", class: "chat-result-open", title: f.room === room ? "Show it in the room" : `Open #${f.room}`, on: { click: () => this.hooks.open(f) } },
            h(
              "span",
              { class: "chat-result-head" },
              h("strong", {}, f.user),
              all || f.room !== room ? h("span", { class: "subtle" }, ` in #${f.room}`) : null,
              h("time", { class: "subtle", datetime: when.toISOString() }, ` ${when.toLocaleString()}`),
            ),
            text,
          ),
        );
      }),
    );
  }

  /** The search was refused or could not be sent. */
  failed(): void {
    this.button.disabled = false;
    this.meta.textContent = "";
  }

  close(): void {
    this.results.hidden = true;
    replace(this.list);
    this.input.focus();
  }

  private run(): void {
    const q = this.input.value.trim();
    if (!q) {
      this.input.focus();
      return;
    }
    this.asked = q;
    if (!this.hooks.search(q, this.scope.value === "all")) return;
    this.button.disabled = true;
    this.results.hidden = false;
    this.meta.textContent = "searching…";
    replace(this.list);
  }
}
