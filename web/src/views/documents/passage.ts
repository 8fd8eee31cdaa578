// One retrieved passage as the search results and an answer's sources show it: its
// number, title, page and score, and its text with the question's words in <mark>. The
// text goes in as text nodes only: passages are whatever the uploaded files said.

import type { SourceOut } from "../../api/types";
import { excerpt, highlightSegments, type Segment } from "../../documents/passage";
import { h, replace } from "../../ui/dom";

/** Code points shown of a passage until the user asks for the whole of it. */
const EXCERPT_CHARS = 420;

export function sourceTitle(s: Pick<SourceOut, "title" | "document_id">): string {
  return s.title?.trim() || s.document_id;
}

export function sourcePlace(s: Pick<SourceOut, "page">): string {
  return s.page === null ? "" : `page ${s.page}`;
}

/** A `<li>` for `source`, collapsed to an excerpt around its first highlight. */
export function passageItem(source: SourceOut, what: "result" | "source"): HTMLLIElement {
  const cut = excerpt(source.text, source.highlights, EXCERPT_CHARS);
  const text = h("p", { class: "passage-text" });
  const clipped = cut.clippedStart || cut.clippedEnd;
  let expanded = false;
  const toggle = clipped
    ? h(
        "button",
        {
          type: "button",
          class: "link passage-toggle",
          "aria-expanded": "false",
          on: { click: () => show(!expanded) },
        },
        "Whole passage",
      )
    : null;
  const show = (whole: boolean): void => {
    expanded = whole;
    if (whole) replace(text, ...segmentNodes(highlightSegments(source.text, source.highlights)));
    else replace(text, cut.clippedStart ? "… " : "", ...segmentNodes(cut.segments), cut.clippedEnd ? " …" : "");
    if (toggle) {
      toggle.setAttribute("aria-expanded", String(whole));
      toggle.textContent = whole ? "Excerpt" : "Whole passage";
    }
  };
  show(false);
  const place = sourcePlace(source);
  const item = h(
    "li",
    {
      class: `passage ${what}`,
      "data-n": source.n,
      "data-document-id": source.document_id,
      "data-chunk-id": source.chunk_id,
      tabindex: what === "source" ? -1 : null,
    },
    h(
      "div",
      { class: "passage-head" },
      h("span", { class: "passage-n" }, `[${source.n}]`),
      h("span", { class: "passage-title" }, sourceTitle(source)),
      place ? h("span", { class: "passage-page" }, place) : null,
      h("span", { class: "passage-score", title: "Cosine similarity with the question" }, `score ${source.score.toFixed(3)}`),
      toggle,
    ),
    text,
  );
  return item;
}

/** Shows the whole passage of an item `passageItem` made (a citation does that). */
export function expandPassage(item: Element): void {
  item.querySelector<HTMLButtonElement>('.passage-toggle[aria-expanded="false"]')?.click();
}

function segmentNodes(segments: Segment[]): Node[] {
  return segments.map((s) => (s.mark ? h("mark", {}, s.text) : document.createTextNode(s.text)));
}
