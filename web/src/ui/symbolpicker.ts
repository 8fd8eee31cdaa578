// A symbol field with the watchlist as suggestions; Enter or the button picks.

import { normalizeSymbol } from "../market/symbols";
import { h } from "./dom";

let pickers = 0;

/// The submit handler of a symbol form: the field's text normalized, or an error shown
/// beside it; after a pick the field keeps the symbol or is cleared.
export function symbolSubmit(
  input: HTMLInputElement,
  error: HTMLElement,
  onPick: (symbol: string) => void,
  after: "keep" | "clear",
): (e: Event) => void {
  return (e) => {
    e.preventDefault();
    const symbol = normalizeSymbol(input.value);
    if (!symbol) {
      error.textContent = "use letters, digits, '.', '-' or '/'";
      return;
    }
    error.textContent = "";
    input.value = after === "keep" ? symbol : "";
    onPick(symbol);
  };
}

export function symbolPicker(
  current: string,
  suggestions: readonly string[],
  onPick: (symbol: string) => void,
  label = "Symbol",
): HTMLFormElement {
  const listId = `symbols-${++pickers}`;
  const input = h("input", {
    type: "text",
    name: "symbol",
    value: current,
    list: listId,
    autocomplete: "off",
    spellcheck: "false",
    "aria-label": label,
    class: "symbol-input",
    size: 8,
  });
  const error = h("span", { class: "field-error", role: "alert" });
  const form = h(
    "form",
    {
      class: "symbol-picker",
      on: { submit: symbolSubmit(input, error, onPick, "keep") },
    },
    h("label", {}, h("span", { class: "visually-hidden" }, label), input),
    h("datalist", { id: listId }, ...suggestions.map((s) => h("option", { value: s }))),
    h("button", { type: "submit" }, "Go"),
    error,
  );
  return form;
}
