// The documents and where each is in the pipeline (queued, extracted, embedded, failed
// and why), with pages, chunks, tickers and tags. While a document is still moving the
// list asks again every POLL_MS; when none is, or the view is left, it stops. An upload
// the server took shows at once, before the server's list has it (documents/pending.ts).

import { ApiError, fetchDocuments } from "../../api/rest";
import type { DocumentOut } from "../../api/types";
import { PendingUploads } from "../../documents/pending";
import { rfc3339ToSeconds } from "../../market/time";
import { h } from "../../ui/dom";
import { bytes, dateTimeUtc } from "../../ui/format";

const POLL_MS = 1500;
/** After a failed load, while something is still moving. */
const RETRY_MS = 4000;
/** A list request that takes longer is given up and asked again: one hung request must
 * not end the polling. */
const LOAD_TIMEOUT_MS = 15_000;

const STATUS_TEXT: Record<string, string> = {
  queued: "queued",
  extracted: "extracted, embedding…",
  embedded: "embedded",
  failed: "failed",
};

export function isMoving(doc: DocumentOut): boolean {
  return doc.status === "queued" || doc.status === "extracted";
}

export class DocumentList {
  readonly element: HTMLElement;
  private readonly meta: HTMLElement;
  private readonly error: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly table: HTMLElement;
  private readonly empty: HTMLElement;
  /** What the page shows: the server's list and the uploads it does not show yet. */
  private docs: DocumentOut[] = [];
  /** The server's last list, as it answered. */
  private listed: DocumentOut[] = [];
  private loaded = false;
  private readonly pending = new PendingUploads();
  private readonly rows = new Map<string, { row: HTMLTableRowElement; json: string }>();
  private timer: number | null = null;
  private abort: AbortController | null = null;
  private active = false;

  constructor(
    private readonly onChange: (docs: DocumentOut[]) => void,
    private readonly onAsk: (doc: DocumentOut) => void,
  ) {
    this.meta = h("span", { class: "list-meta subtle", role: "status" });
    this.error = h("div", { class: "error-box", role: "alert", hidden: true });
    this.body = h("tbody");
    this.table = h(
      "div",
      { class: "table-wrap docs-table-wrap", hidden: true },
      h(
        "table",
        { class: "grid docs-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Document"),
            h("th", { scope: "col" }, "Status"),
            h("th", { scope: "col", class: "num" }, "Pages"),
            h("th", { scope: "col", class: "num" }, "Chunks"),
            h("th", { scope: "col" }, "Tickers, tags"),
            h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
          ),
        ),
        this.body,
      ),
    );
    this.empty = h("p", { class: "empty", hidden: true }, "No documents yet: upload PDF, text, Markdown or HTML files above.");
    this.element = h(
      "section",
      { class: "panel docs-list", "aria-labelledby": "docs-list-h" },
      h("div", { class: "section-head" }, h("h2", { id: "docs-list-h" }, "Documents"), this.meta),
      this.error,
      this.empty,
      this.table,
    );
  }

  get documents(): DocumentOut[] {
    return this.docs;
  }

  /** Loads the list now and keeps it current while anything moves. */
  start(): void {
    this.active = true;
    void this.load();
  }

  stop(): void {
    this.active = false;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort();
    this.abort = null;
  }

  /** The server took `doc`: show it now, and follow it until it settles. */
  expect(doc: DocumentOut): void {
    this.pending.add(doc);
    this.show(this.pending.merge(this.listed));
    if (this.active) {
      if (this.timer !== null) window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.load(), 300);
    }
  }

  private async load(): Promise<void> {
    this.timer = null;
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    const timeout = window.setTimeout(
      () => abort.abort(new DOMException(`no answer within ${LOAD_TIMEOUT_MS / 1000} s`, "TimeoutError")),
      LOAD_TIMEOUT_MS,
    );
    let retry = POLL_MS;
    try {
      const { documents } = await fetchDocuments(abort.signal);
      if (abort.signal.aborted) return;
      this.loaded = true;
      this.listed = documents;
      this.error.hidden = true;
      this.show(this.pending.merge(documents));
    } catch (e) {
      // Aborted by the next load or by stop(): that one carries on, or nothing should.
      if (e instanceof DOMException && e.name === "AbortError") return;
      this.error.hidden = false;
      this.error.textContent = `The list did not load: ${e instanceof ApiError ? `${e.status ? `${e.status} · ` : ""}${e.message}` : e instanceof Error ? e.message : String(e)}`;
      retry = RETRY_MS;
    } finally {
      window.clearTimeout(timeout);
    }
    if (this.active && (this.docs.some(isMoving) || this.pending.size > 0)) {
      this.timer = window.setTimeout(() => void this.load(), retry);
    }
  }

  private show(docs: DocumentOut[]): void {
    this.docs = docs;
    const moving = docs.filter(isMoving).length;
    const failed = docs.filter((d) => d.status === "failed").length;
    this.meta.textContent =
      `${docs.length} document${docs.length === 1 ? "" : "s"}` +
      (moving ? ` · ${moving} processing (updating)` : "") +
      (failed ? ` · ${failed} failed` : "");
    this.empty.hidden = !this.loaded || docs.length > 0;
    this.table.hidden = docs.length === 0;
    const seen = new Set<string>();
    const order: HTMLTableRowElement[] = [];
    for (const doc of docs) {
      seen.add(doc.id);
      const json = JSON.stringify(doc);
      let entry = this.rows.get(doc.id);
      if (!entry || entry.json !== json) {
        const row = this.row(doc);
        entry?.row.replaceWith(row);
        entry = { row, json };
        this.rows.set(doc.id, entry);
      }
      order.push(entry.row);
    }
    for (const [id, entry] of this.rows) {
      if (!seen.has(id)) {
        entry.row.remove();
        this.rows.delete(id);
      }
    }
    // Only reorder when the order changed: moving a row would take the focus off its button.
    const current = [...this.body.children];
    if (current.length !== order.length || current.some((r, i) => r !== order[i])) this.body.replaceChildren(...order);
    this.onChange(docs);
  }

  private row(doc: DocumentOut): HTMLTableRowElement {
    const name = doc.title?.trim() || doc.filename;
    const added = safeSeconds(doc.submitted_at);
    const status = h(
      "td",
      { class: "doc-status-cell" },
      h("span", { class: "doc-status", "data-status": doc.status }, STATUS_TEXT[doc.status] ?? doc.status),
      doc.status === "failed"
        ? h(
            "div",
            { class: "doc-error" },
            doc.error_code ? h("code", {}, doc.error_code) : null,
            doc.error_code && doc.error ? " " : null,
            doc.error ?? (doc.error_code ? null : "no reason given"),
          )
        : null,
    );
    const little = doc.little_text_pages;
    const pages = h(
      "td",
      { class: "num", title: little.length ? `Little or no text on page${little.length === 1 ? "" : "s"} ${little.join(", ")} (scans or charts)` : null },
      doc.page_count > 0 ? String(doc.page_count) : "–",
      little.length ? h("span", { class: "warn-text" }, ` (${little.length} with little text)`) : null,
    );
    const details = [doc.title?.trim() && doc.title.trim() !== doc.filename ? doc.filename : null, doc.author, bytes(doc.size_bytes), added === null ? null : dateTimeUtc(added).slice(0, 16)];
    return h(
      "tr",
      { "data-document-id": doc.id, "data-status": doc.status, "data-filename": doc.filename },
      h(
        "th",
        { scope: "row", class: "doc-name" },
        h("span", { class: "doc-title" }, name),
        h(
          "span",
          { class: "doc-file subtle", title: `submitted ${doc.submitted_at} by ${doc.submitted_by}; ${doc.media_type}` },
          details.filter((d) => d).join(" · "),
        ),
      ),
      status,
      pages,
      h("td", { class: "num" }, doc.status === "embedded" || doc.chunk_count > 0 ? String(doc.chunk_count) : "–"),
      h(
        "td",
        { class: "doc-labels" },
        ...doc.tickers.map((t) => h("span", { class: "chip ticker" }, t)),
        ...doc.tags.map((t) => h("span", { class: "chip tag" }, t)),
      ),
      h(
        "td",
        {},
        doc.status === "embedded"
          ? h("button", { type: "button", class: "link", "aria-label": `Ask about ${name}`, on: { click: () => this.onAsk(doc) } }, "Ask")
          : null,
      ),
    );
  }
}

function safeSeconds(rfc3339: string): number | null {
  try {
    return rfc3339ToSeconds(rfc3339);
  } catch {
    return null;
  }
}
