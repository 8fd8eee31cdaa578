// The documents view: upload research (PDF, text, Markdown, HTML), follow it through
// extraction and embedding, search it by meaning and ask it questions answered with
// citations. Two columns on wide screens: the library (upload.ts, list.ts) and the
// research (ask.ts, search.ts), both narrowed by one "look in" choice.
//
// The panels are built once and kept, so a search, an answer or uploads in progress are
// still there when the user comes back; on unmount the list stops polling and a search
// or an answer under way is stopped.

import type { AnswerContext, DocumentOut } from "../../api/types";
import { h } from "../../ui/dom";
import type { View } from "../view";
import { AskPanel } from "./ask";
import { DocumentList } from "./list";
import { SearchPanel } from "./search";
import { UploadPanel } from "./upload";

export class DocumentsView implements View {
  private readonly page: HTMLElement;
  private readonly upload: UploadPanel;
  private readonly list: DocumentList;
  private readonly search: SearchPanel;
  private readonly ask: AskPanel;
  private readonly scopeSelect: HTMLSelectElement;

  constructor() {
    this.scopeSelect = h(
      "select",
      { name: "scope", on: { change: () => this.ask.showScope() } },
      h("option", { value: "" }, "all documents"),
    );
    const scope = (): AnswerContext & { label: string } => {
      const id = this.scopeSelect.value;
      if (!id) return { label: "all documents" };
      return { documents: [id], label: `“${this.scopeSelect.selectedOptions[0]?.textContent ?? id}”` };
    };
    this.list = new DocumentList(
      (docs) => this.updateScopes(docs),
      (doc) => this.askAbout(doc),
    );
    this.upload = new UploadPanel((doc) => this.list.expect(doc));
    this.ask = new AskPanel(scope);
    this.search = new SearchPanel(scope);
    this.page = h(
      "div",
      { class: "docs-view" },
      h(
        "div",
        { class: "view-head" },
        h("h1", {}, "Documents"),
        h("span", { class: "subtle" }, "Upload research, search it by meaning, ask it questions answered with citations"),
      ),
      h(
        "div",
        { class: "docs-grid" },
        h("div", { class: "docs-col" }, this.upload.element, this.list.element),
        h(
          "div",
          { class: "docs-col" },
          h("div", { class: "toolbar docs-scope" }, h("label", { class: "inline-field" }, "Look in ", this.scopeSelect)),
          this.ask.element,
          this.search.element,
        ),
      ),
    );
    this.upload.acceptDropsOn(this.page);
  }

  mount(root: HTMLElement): void {
    root.replaceChildren(this.page);
    this.list.start();
  }

  update(): void {}

  unmount(): void {
    this.list.stop();
    this.search.stop();
    this.ask.stop();
  }

  /** The embedded documents are the ones a search or a question can look in. */
  private updateScopes(docs: DocumentOut[]): void {
    const chosen = this.scopeSelect.value;
    const usable = docs.filter((d) => d.status === "embedded");
    const options = [
      h("option", { value: "" }, "all documents"),
      ...usable.map((d) => h("option", { value: d.id, selected: d.id === chosen }, d.title?.trim() || d.filename)),
    ];
    const same =
      this.scopeSelect.options.length === options.length &&
      options.every((o, i) => this.scopeSelect.options[i]?.value === o.value && this.scopeSelect.options[i]?.textContent === o.textContent);
    if (same) return;
    this.scopeSelect.replaceChildren(...options);
    this.scopeSelect.value = usable.some((d) => d.id === chosen) ? chosen : "";
    this.ask.showScope();
  }

  private askAbout(doc: DocumentOut): void {
    this.scopeSelect.value = doc.id;
    this.ask.showScope();
    this.ask.element.scrollIntoView({ block: "nearest" });
    this.ask.focus();
  }
}
