// Uploading documents: a file picker and a drop zone for several files at once, the
// optional title, tickers and tags they are filed under, and one row per file with its
// upload progress, then the server's answer (queued, a duplicate, or why not).
//
// Uploads outlive the view: leaving the page section does not cancel a file half sent
// (the Cancel button does).

import { ApiError } from "../../api/rest";
import { uploadDocument, type Upload, type UploadFields } from "../../api/documents";
import type { DocumentOut } from "../../api/types";
import { h } from "../../ui/dom";
import { bytes } from "../../ui/format";

/** Files sent at the same time; the rest wait their turn. */
const PARALLEL = 2;

export const ACCEPTED = ".pdf,.txt,.text,.md,.markdown,.html,.htm";

interface Job {
  file: File;
  fields: UploadFields;
  row: HTMLLIElement;
  progress: HTMLProgressElement;
  status: HTMLElement;
  cancel: HTMLButtonElement;
  upload: Upload | null;
}

export class UploadPanel {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly title: HTMLInputElement;
  private readonly tickers: HTMLInputElement;
  private readonly tags: HTMLInputElement;
  private readonly zone: HTMLElement;
  private readonly rows: HTMLOListElement;
  private readonly clear: HTMLButtonElement;
  private readonly waiting: Job[] = [];
  private sending = 0;

  /** `onQueued` learns of each document the server took (new or a duplicate). */
  constructor(private readonly onQueued: (doc: DocumentOut) => void) {
    this.input = h("input", {
      type: "file",
      name: "files",
      multiple: true,
      accept: ACCEPTED,
      class: "visually-hidden",
      tabindex: -1,
      "aria-hidden": "true",
      on: {
        change: () => {
          this.add([...(this.input.files ?? [])]);
          this.input.value = "";
        },
      },
    });
    this.title = h("input", { type: "text", name: "title", autocomplete: "off", placeholder: "from the file" });
    this.tickers = h("input", { type: "text", name: "tickers", autocomplete: "off", autocapitalize: "characters", placeholder: "NWSC, AAPL" });
    this.tags = h("input", { type: "text", name: "tags", autocomplete: "off", placeholder: "q3, research" });
    const choose = h("button", { type: "button", class: "primary", on: { click: () => this.input.click() } }, "Choose files…");
    this.zone = h(
      "div",
      { class: "drop-zone", "data-drop": "documents" },
      this.input,
      choose,
      h("span", { class: "subtle" }, "or drop PDF, text, Markdown or HTML files here"),
    );
    this.rows = h("ol", { class: "uploads", "aria-label": "Uploads" });
    this.clear = h("button", { type: "button", class: "link", hidden: true, on: { click: () => this.clearFinished() } }, "Clear finished");
    this.element = h(
      "section",
      { class: "panel docs-upload", "aria-labelledby": "docs-upload-h" },
      h("h2", { id: "docs-upload-h" }, "Upload"),
      h(
        "div",
        { class: "upload-fields" },
        field("Title", this.title, "one file at a time"),
        field("Tickers", this.tickers, "comma-separated"),
        field("Tags", this.tags, "comma-separated"),
      ),
      this.zone,
      this.rows,
      this.clear,
    );
  }

  /**
   * Files dropped anywhere on `target` are uploaded (a drop that missed the zone would
   * otherwise make the browser open the file instead of the app); the zone lights up.
   */
  acceptDropsOn(target: HTMLElement): void {
    let depth = 0;
    const light = (on: boolean): void => {
      this.zone.classList.toggle("over", on);
    };
    target.addEventListener("dragenter", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      light(true);
    });
    target.addEventListener("dragover", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    });
    target.addEventListener("dragleave", (e) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) light(false);
    });
    target.addEventListener("drop", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      light(false);
      this.add([...(e.dataTransfer?.files ?? [])]);
    });
  }

  /** Uploads `files` with the fields as they are now. */
  add(files: File[]): void {
    if (files.length === 0) return;
    const title = this.title.value.trim();
    const shared: UploadFields = { tickers: this.tickers.value, tags: this.tags.value };
    for (const file of files) {
      const fields: UploadFields = files.length === 1 && title ? { ...shared, title } : shared;
      const progress = h("progress", { max: 1, value: 0, "aria-label": `${file.name} sent` });
      const status = h("span", { class: "upload-status" }, "waiting");
      const cancel = h("button", { type: "button", class: "link", "aria-label": `Cancel ${file.name}` }, "Cancel");
      const row = h(
        "li",
        { class: "upload", "data-file": file.name, "data-state": "waiting" },
        h("span", { class: "upload-name" }, file.name),
        h("span", { class: "upload-size subtle" }, bytes(file.size)),
        progress,
        status,
        cancel,
      );
      const job: Job = { file, fields, row, progress, status, cancel, upload: null };
      cancel.addEventListener("click", () => this.cancel(job));
      if (files.length > 1 && title) {
        row.append(h("span", { class: "hint upload-note" }, "title not used: it names one file at a time"));
      }
      this.rows.prepend(row);
      this.waiting.push(job);
    }
    if (files.length === 1 && title) this.title.value = "";
    this.pump();
  }

  private pump(): void {
    while (this.sending < PARALLEL && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.sending++;
      void this.send(job).finally(() => {
        this.sending--;
        this.pump();
      });
    }
  }

  private async send(job: Job): Promise<void> {
    this.setState(job, "sending", "sending…");
    let events = 0;
    job.upload = uploadDocument(job.file, job.fields, (sent, total) => {
      job.row.dataset.progressEvents = String(++events);
      job.progress.value = total > 0 ? sent / total : 0;
      job.status.textContent = total > 0 && sent < total ? `sending… ${Math.floor((100 * sent) / total)}%` : "sent, waiting for the server…";
    });
    try {
      const answer = await job.upload.done;
      const doc = answer.document;
      const name = doc.title ?? doc.filename;
      if (answer.duplicate) {
        this.setState(job, "duplicate", `already uploaded as “${name}” (${doc.status}): not processed again`);
      } else {
        this.setState(job, "queued", "queued: processing below");
      }
      this.onQueued(doc);
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") {
        this.setState(job, "cancelled", "cancelled");
        return;
      }
      const message = e instanceof ApiError ? `${e.status ? `${e.status} · ` : ""}${e.message}` : String(e);
      this.setState(job, "error", message);
    } finally {
      job.upload = null;
    }
  }

  private cancel(job: Job): void {
    const waiting = this.waiting.indexOf(job);
    if (waiting >= 0) {
      this.waiting.splice(waiting, 1);
      this.setState(job, "cancelled", "cancelled");
    } else {
      job.upload?.abort();
    }
  }

  private setState(job: Job, state: string, text: string): void {
    job.row.dataset.state = state;
    job.status.textContent = text;
    job.status.setAttribute("role", state === "error" ? "alert" : "status");
    const finished = !["waiting", "sending"].includes(state);
    job.cancel.hidden = finished;
    job.progress.hidden = finished && state !== "queued" && state !== "duplicate";
    this.clear.hidden = ![...this.rows.children].some((r) => !["waiting", "sending"].includes((r as HTMLElement).dataset.state ?? ""));
  }

  private clearFinished(): void {
    for (const r of [...this.rows.children]) {
      if (!["waiting", "sending"].includes((r as HTMLElement).dataset.state ?? "")) r.remove();
    }
    this.clear.hidden = true;
  }
}

function field(label: string, input: HTMLInputElement, hint: string): HTMLLabelElement {
  return h("label", { class: "stacked-field" }, h("span", {}, label, " ", h("span", { class: "hint" }, hint)), input);
}

function hasFiles(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes("Files") ?? false;
}
