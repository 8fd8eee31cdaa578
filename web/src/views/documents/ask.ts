// Questions to the documents (`POST /v1/chat`, streamed as server-sent events): the
// answer as it arrives with each `[n]` a link to source n, the mode (extractive sentences
// or an LLM's text), the sources with their highlighted passages, and the live market
// lines for symbols the question names.

import { askStreaming } from "../../api/documents";
import { ApiError } from "../../api/rest";
import type { AnswerContext, AnswerOut, MarketOut, SourceOut } from "../../api/types";
import { citationParts } from "../../documents/citations";
import { href } from "../../router";
import { h, replace } from "../../ui/dom";
import { price, signed } from "../../ui/format";
import { expandPassage, passageItem, sourcePlace, sourceTitle } from "./passage";

const MODE_TEXT: Record<string, string> = {
  extractive: "extractive: sentences quoted from the sources",
  llm: "llm: written by the language model from the sources",
};

type AskState = "idle" | "asking" | "streaming" | "done" | "stopped" | "error";

export class AskPanel {
  readonly element: HTMLElement;
  private readonly question: HTMLTextAreaElement;
  private readonly askButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly scopeNote: HTMLElement;
  private readonly error: HTMLElement;
  private readonly answerBox: HTMLElement;
  private readonly meta: HTMLElement;
  private readonly text: HTMLElement;
  private readonly warning: HTMLElement;
  private readonly market: HTMLUListElement;
  private readonly sourcesHead: HTMLElement;
  private readonly sources: HTMLOListElement;
  private abort: AbortController | null = null;
  private answer = "";
  private known = new Map<number, SourceOut>();

  constructor(private readonly scope: () => AnswerContext & { label: string }) {
    this.question = h("textarea", {
      name: "question",
      class: "ask-input",
      rows: 2,
      maxlength: 2000,
      placeholder: "What price target does the note set? (Enter asks, Shift+Enter adds a line)",
      "aria-label": "Question (Enter asks, Shift+Enter adds a line)",
      on: {
        keydown: (e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            // As the button: one question at a time (Stop ends the one under way).
            if (!this.askButton.disabled) void this.ask();
          }
        },
      },
    });
    this.askButton = h("button", { type: "submit", class: "primary" }, "Ask", h("kbd", {}, "Enter"));
    this.stopButton = h("button", { type: "button", hidden: true, on: { click: () => this.stop() } }, "Stop");
    this.scopeNote = h("span", { class: "hint" });
    this.error = h("div", { class: "error-box", role: "alert", hidden: true });
    this.meta = h("div", { class: "answer-meta" });
    this.text = h("p", { class: "answer-text" });
    this.warning = h("p", { class: "warn-text", hidden: true });
    this.market = h("ul", { class: "market-lines", "aria-label": "Market context", hidden: true });
    this.sourcesHead = h("h3", { hidden: true }, "Sources");
    this.sources = h("ol", { class: "passages sources", "aria-label": "Sources" });
    this.answerBox = h(
      "div",
      { class: "answer", "data-state": "idle", hidden: true },
      this.meta,
      h("div", { "aria-live": "polite" }, this.text),
      this.warning,
      this.market,
      this.sourcesHead,
      this.sources,
    );
    this.element = h(
      "section",
      { class: "panel docs-ask", "aria-labelledby": "docs-ask-h" },
      h("h2", { id: "docs-ask-h" }, "Ask"),
      h(
        "form",
        {
          class: "ask-form",
          on: {
            submit: (e) => {
              e.preventDefault();
              void this.ask();
            },
          },
        },
        this.question,
        h("div", { class: "toolbar" }, this.askButton, this.stopButton, this.scopeNote),
      ),
      this.error,
      this.answerBox,
    );
    this.showScope();
  }

  /** The scope changed: say what the next question searches. */
  showScope(): void {
    this.scopeNote.textContent = `Looks in ${this.scope().label}`;
  }

  focus(): void {
    this.question.focus();
  }

  /** Stops an answer under way, keeping what arrived. */
  stop(): void {
    if (!this.abort) return;
    this.abort.abort();
    this.abort = null;
    this.setState("stopped");
    this.meta.append(h("span", { class: "warn-text" }, "stopped before the end"));
  }

  private async ask(): Promise<void> {
    const message = this.question.value.trim();
    if (!message) {
      this.question.focus();
      return;
    }
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    const { label: _label, ...context } = this.scope();
    this.answer = "";
    this.known = new Map();
    this.error.hidden = true;
    this.answerBox.hidden = false;
    this.warning.hidden = true;
    replace(this.meta, h("span", { class: "hint" }, "looking through the documents…"));
    replace(this.text);
    replace(this.market);
    this.market.hidden = true;
    replace(this.sources);
    this.sourcesHead.hidden = true;
    this.setState("asking");
    try {
      const done = await askStreaming(
        message,
        context,
        {
          onSources: (sources, market) => {
            if (abort.signal.aborted) return;
            this.showSources(sources, market);
            this.setState("streaming");
            replace(this.meta, h("span", { class: "hint" }, "answering…"));
          },
          onDelta: (piece) => {
            if (abort.signal.aborted) return;
            this.answer += piece;
            this.renderAnswer();
          },
        },
        abort.signal,
      );
      if (abort.signal.aborted) return;
      this.finish(done);
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") return;
      if (abort !== this.abort) return;
      this.setState("error");
      this.error.hidden = false;
      this.error.textContent = e instanceof ApiError ? `${e.status ? `${e.status} · ` : ""}${e.message}` : String(e);
      if (!this.answer && this.known.size === 0) this.answerBox.hidden = true;
      else replace(this.meta, h("span", { class: "warn-text" }, "the answer stopped before the end"));
    } finally {
      if (this.abort === abort) this.abort = null;
      if (!this.abort) this.setBusy(false);
    }
  }

  private finish(done: AnswerOut): void {
    // `done` is the whole answer: it wins over the pieces (a piece could have been lost).
    this.showSources(done.sources, done.market);
    this.answer = done.answer;
    this.renderAnswer();
    const mode = done.mode;
    this.answerBox.dataset.mode = mode;
    this.answerBox.dataset.found = String(done.found);
    replace(
      this.meta,
      h("span", { class: "mode-badge", "data-mode": mode, title: MODE_TEXT[mode] ?? mode }, mode),
      h("span", { class: "hint" }, MODE_TEXT[mode]?.replace(/^\w+: /, "") ?? ""),
      h(
        "span",
        { class: "hint" },
        done.found ? `${done.sources.length} source${done.sources.length === 1 ? "" : "s"}` : "nothing relevant in the documents",
      ),
    );
    if (done.llm_error) {
      this.warning.hidden = false;
      this.warning.textContent = `The language model failed, so this answer is extractive: ${done.llm_error}`;
    }
    this.setState("done");
  }

  private showSources(sources: SourceOut[], market: MarketOut[]): void {
    const same =
      sources.length === this.known.size && sources.every((s) => this.known.get(s.n)?.chunk_id === s.chunk_id);
    this.known = new Map(sources.map((s) => [s.n, s]));
    // `done` repeats the sources: keep the items (and a passage the user opened) when equal.
    if (!same || this.sources.children.length !== sources.length) {
      replace(this.sources, ...sources.map((s) => passageItem(s, "source")));
    }
    this.sourcesHead.hidden = sources.length === 0;
    replace(
      this.market,
      ...market.map((m) =>
        h(
          "li",
          { "data-symbol": m.symbol },
          h("strong", {}, m.symbol),
          " ",
          h("span", { class: "num" }, price(m.latest_price)),
          m.change_percent === null ? null : h("span", { class: m.change_percent >= 0 ? "up num" : "down num" }, ` ${signed(m.change_percent)}%`),
          h("span", { class: "subtle" }, ` · ${m.summary}`),
        ),
      ),
    );
    this.market.hidden = market.length === 0;
    // The answer's links depend on which sources exist.
    if (this.answer) this.renderAnswer();
  }

  private renderAnswer(): void {
    const parts = citationParts(this.answer, new Set(this.known.keys()));
    replace(
      this.text,
      ...parts.map((p) => {
        if (p.kind === "text") return p.text;
        const s = this.known.get(p.n);
        const where = s ? [sourceTitle(s), sourcePlace(s)].filter(Boolean).join(", ") : "";
        return h(
          "a",
          {
            class: "cite",
            // The view's own route: the click is handled here, a new tab opens the view.
            href: href("documents"),
            "data-cite": p.n,
            title: `Source ${p.n}: ${where}`,
            "aria-label": `Source ${p.n}: ${where}`,
            on: {
              click: (e) => {
                e.preventDefault();
                this.reveal(p.n);
              },
            },
          },
          p.label,
        );
      }),
    );
  }

  /** Brings source `n` into view, opens its whole passage and marks it. */
  private reveal(n: number): void {
    const item = this.sources.querySelector<HTMLElement>(`li[data-n="${n}"]`);
    if (!item) return;
    for (const other of this.sources.querySelectorAll(".cited")) other.classList.remove("cited");
    expandPassage(item);
    item.classList.add("cited");
    const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    item.scrollIntoView({ block: "nearest", behavior: smooth ? "smooth" : "auto" });
    item.focus({ preventScroll: true });
  }

  private setState(state: AskState): void {
    this.answerBox.dataset.state = state;
    this.setBusy(state === "asking" || state === "streaming");
  }

  private setBusy(busy: boolean): void {
    this.askButton.disabled = busy;
    this.stopButton.hidden = !busy;
    this.answerBox.setAttribute("aria-busy", String(busy));
  }
}
