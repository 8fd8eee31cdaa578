// Semantic search (`GET /v1/search`): the chunks closest in meaning to the words or
// question typed, with title, page, score and the passage with the words marked.

import { ApiError, searchDocuments } from "../../api/rest";
import type { AnswerContext, SearchOut } from "../../api/types";
import { h, replace } from "../../ui/dom";
import { passageItem } from "./passage";

export class SearchPanel {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly k: HTMLSelectElement;
  private readonly button: HTMLButtonElement;
  private readonly meta: HTMLElement;
  private readonly error: HTMLElement;
  private readonly results: HTMLOListElement;
  private abort: AbortController | null = null;

  constructor(private readonly scope: () => AnswerContext) {
    this.input = h("input", {
      type: "search",
      name: "q",
      required: true,
      autocomplete: "off",
      placeholder: "Words or a question",
      "aria-label": "Search the documents",
    });
    this.k = h(
      "select",
      { name: "k", "aria-label": "Results" },
      ...[5, 10, 20].map((k) => h("option", { value: k }, `${k} results`)),
    );
    this.button = h("button", { type: "submit" }, "Search");
    this.meta = h("p", { class: "hint", role: "status" });
    this.error = h("div", { class: "error-box", role: "alert", hidden: true });
    this.results = h("ol", { class: "passages search-results", "aria-label": "Search results" });
    this.element = h(
      "section",
      { class: "panel docs-search", "aria-labelledby": "docs-search-h" },
      h("h2", { id: "docs-search-h" }, "Search"),
      h(
        "form",
        {
          role: "search",
          class: "inline-form",
          on: {
            submit: (e) => {
              e.preventDefault();
              void this.run();
            },
          },
        },
        this.input,
        this.k,
        this.button,
      ),
      this.error,
      this.meta,
      this.results,
    );
  }

  /** Stops a search under way (the view is left). */
  stop(): void {
    this.abort?.abort();
    this.abort = null;
  }

  private async run(): Promise<void> {
    const q = this.input.value.trim();
    if (!q) {
      this.input.focus();
      return;
    }
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    this.button.disabled = true;
    this.error.hidden = true;
    this.meta.textContent = "searching…";
    const started = performance.now();
    try {
      const scope = this.scope();
      const out = await searchDocuments({ q, k: Number(this.k.value), ...(scope.documents ? { documents: scope.documents } : {}) }, abort.signal);
      if (abort.signal.aborted) return;
      this.show(out, performance.now() - started);
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") return;
      this.meta.textContent = "";
      this.error.hidden = false;
      this.error.textContent = e instanceof ApiError ? `${e.status ? `${e.status} · ` : ""}${e.message}` : String(e);
    } finally {
      if (this.abort === abort) {
        this.abort = null;
        this.button.disabled = false;
      }
    }
  }

  private show(out: SearchOut, ms: number): void {
    const n = out.results.length;
    this.meta.textContent =
      n === 0
        ? out.indexed_chunks === 0
          ? "Nothing is indexed yet: upload a document and wait until it is embedded."
          : `No passages found among ${out.indexed_chunks} indexed.`
        : `${n} passage${n === 1 ? "" : "s"} of ${out.indexed_chunks} indexed, closest first (${ms.toFixed(0)} ms)`;
    replace(this.results, ...out.results.map((s) => passageItem(s, "result")));
  }
}
