// finstream's browser app. Start here.
//
// - api/: the gateway's REST calls (rest.ts), the `/v1/stream` client that reconnects and
//   resumes by offset (stream.ts), credentials, and the wire types.
// - market/: pure computation: candles from bars and trades, indicators (TA-Lib's
//   definitions), chain analytics, a watchlist symbol's numbers.
// - views/: one module (or folder) per view, listed in views/index.ts; each mounts into
//   the main area for its hash route and sets the view stream to what it needs.
// - ui/: DOM building, plots, sparklines, the connection badge, the key dialog.
//
// The app holds two streams: the watchlist's (trades and bars of its symbols, always on)
// and the open view's, because the gateway applies one channel set to all of a
// connection's symbols; and, while the chat view is open, the `/v1/chat` socket.

import "./styles.css";
import { ChatClient } from "./api/chat";
import { onCredentialsChange } from "./api/credentials";
import { StreamClient } from "./api/stream";
import { href, navigate, onRouteChange, parseRoute, type Route } from "./router";
import { h } from "./ui/dom";
import { openKeyDialog } from "./ui/keydialog";
import { ConnectionBadge } from "./ui/status";
import { VIEWS, watchlistModel } from "./views/index";
import type { AppContext, View, ViewEntry } from "./views/view";

const LAST_SYMBOL_KEY = "finstream.symbol";

const watchStream = new StreamClient("watchlist stream");
const viewStream = new StreamClient("view stream");
const chat = new ChatClient("chat");

const ctx: AppContext = {
  watchStream,
  viewStream,
  chat,
  symbols: () => watchlistModel(ctx).list(),
  lastSymbol: () => localStorage.getItem(LAST_SYMBOL_KEY) ?? watchlistModel(ctx).list()[0] ?? "AAPL",
  setLastSymbol: (symbol) => localStorage.setItem(LAST_SYMBOL_KEY, symbol),
};

const views = new Map<string, View>();
let current: { entry: ViewEntry; view: View } | null = null;

const main = h("main", { id: "view", tabindex: -1 });
const nav = h(
  "nav",
  { "aria-label": "Views" },
  ...VIEWS.map((v) =>
    h("a", { href: href(v.id), "data-view": v.id, title: `${v.title} (${v.key})` }, v.title, h("kbd", { "aria-hidden": "true" }, v.key)),
  ),
);
const badge = new ConnectionBadge([watchStream, viewStream, chat], openKeyDialog);
const header = h(
  "header",
  { class: "app-header" },
  h("a", { class: "brand", href: href("watchlist") }, "finstream"),
  nav,
  h(
    "div",
    { class: "header-tools" },
    badge.element,
    h("button", { type: "button", class: "key-button", title: "API key (k)", on: { click: openKeyDialog } }, "Key"),
    h("button", { type: "button", class: "help-button", title: "Keyboard shortcuts (?)", "aria-label": "Keyboard shortcuts", on: { click: toggleHelp } }, "?"),
  ),
);
document.body.replaceChildren(h("a", { class: "skip-link", href: "#view", on: { click: skipToMain } }, "Skip to content"), header, main);

function skipToMain(e: MouseEvent): void {
  e.preventDefault();
  main.focus();
}

function show(route: Route): void {
  const entry = VIEWS.find((v) => v.id === route.view);
  if (!entry) {
    navigate("watchlist");
    return;
  }
  for (const a of nav.querySelectorAll<HTMLAnchorElement>("a")) {
    if (a.dataset.view === entry.id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (current?.entry === entry) {
    current.view.update(route.params);
    return;
  }
  current?.view.unmount();
  viewStream.setSubscription([], []);
  let view = views.get(entry.id);
  if (!view) views.set(entry.id, (view = entry.create(ctx)));
  current = { entry, view };
  document.title = `${entry.title} · finstream`;
  main.dataset.view = entry.id;
  view.mount(main, route.params);
  main.focus({ preventScroll: true });
}

/** Shortcuts work outside text fields and without modifiers. */
function onKey(e: KeyboardEvent): void {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
  const target = e.target;
  if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  if (document.querySelector("dialog[open]")) return;
  const entry = VIEWS.find((v) => v.key === e.key);
  if (entry) {
    e.preventDefault();
    const withSymbol = entry.id === "chart" || entry.id === "options";
    if (withSymbol) navigate(entry.id, ctx.lastSymbol());
    else navigate(entry.id);
  } else if (e.key === "k") {
    e.preventDefault();
    openKeyDialog();
  } else if (e.key === "?") {
    e.preventDefault();
    toggleHelp();
  } else if (e.key === "/") {
    const field = main.querySelector<HTMLElement>(".symbol-input, input[name=add-symbol], textarea");
    if (field) {
      e.preventDefault();
      field.focus();
    }
  }
}

function toggleHelp(): void {
  const open = document.querySelector<HTMLDialogElement>("dialog.help");
  if (open) {
    open.close();
    open.remove();
    return;
  }
  const rows: [string, string][] = [
    ...VIEWS.map((v): [string, string] => [v.key, v.title]),
    ["/", "Symbol field (or the SQL editor, the question box, the message box)"],
    ["k", "API key"],
    ["↑ ↓ Enter", "Watchlist rows: move, open the chart"],
    ["o", "On a watchlist row: its option chain"],
    ["Ctrl+Enter", "Run the SQL query"],
    ["Enter", "In the question box: ask (Shift+Enter adds a line)"],
    ["Enter", "In the message box: send (Shift+Enter adds a line)"],
    ["↑", "In an empty message box: edit your last message"],
    ["Esc", "Close this (in the chat: cancel a reply or an edit, close the emoji picker)"],
  ];
  const dialog = h(
    "dialog",
    { class: "help", "aria-label": "Keyboard shortcuts" },
    h("h2", {}, "Keyboard"),
    h("dl", {}, ...rows.flatMap(([k, what]) => [h("dt", {}, h("kbd", {}, k)), h("dd", {}, what)])),
    h("form", { method: "dialog" }, h("button", { type: "submit" }, "Close")),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

document.addEventListener("keydown", onKey);
onRouteChange(show);
onCredentialsChange(() => {
  watchStream.reconnectNow();
  viewStream.reconnectNow();
  watchlistModel(ctx).reload();
  if (current) {
    const { view } = current;
    view.unmount();
    view.mount(main, parseRoute(location.hash).params);
  }
});

watchlistModel(ctx);
show(parseRoute(location.hash));
