// A symbol field with the watchlist as suggestions; Enter or the button picks.

import { normalizeSymbol } from "../market/symbols";
import { h } from "./dom";

let pickers = 0;

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
      on: {
        submit: (e) => {
          e.preventDefault();
          const symbol = normalizeSymbol(input.value);
          if (!symbol) {
            error.textContent = "use letters, digits, '.', '-' or '/'";
            return;
          }
          error.textContent = "";
          input.value = symbol;
          onPick(symbol);
        },
      },
    },
    h("label", {}, h("span", { class: "visually-hidden" }, label), input),
    h("datalist", { id: listId }, ...suggestions.map((s) => h("option", { value: s }))),
    h("button", { type: "submit" }, "Go"),
    error,
  );
  return form;
}
