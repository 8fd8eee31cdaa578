// What a view is: a module that draws into the main area while its route is shown. Views
// are created once and mounted and unmounted as the user moves between them, so each one
// reloads what it shows on mount and stops its timers and listeners on unmount. To add a
// view, write a module here and add it to `views/index.ts`.

import type { ChatClient } from "../api/chat";
import type { StreamClient } from "../api/stream";

export interface AppContext {
  /** The watchlist's stream, open while the watchlist has symbols. */
  watchStream: StreamClient;
  /** The stream of the view on screen: each view sets it to what it needs on mount. */
  viewStream: StreamClient;
  /** The `/v1/chat` socket: open while the chat view is (the connection badge follows it). */
  chat: ChatClient;
  /** The watchlist's symbols, for pickers. */
  symbols(): string[];
  /** The symbol the user looked at last, for views that open on one. */
  lastSymbol(): string;
  setLastSymbol(symbol: string): void;
}

export interface View {
  /** Draws into `root` for `params` (the route after the view's name). */
  mount(root: HTMLElement, params: string[]): void;
  /** The route changed while mounted (another symbol, say). */
  update(params: string[]): void;
  unmount(): void;
}

export interface ViewEntry {
  /** The route name: `#/<id>/...`. */
  id: string;
  title: string;
  /** Keyboard shortcut (a single key, pressed outside text fields). */
  key: string;
  create(ctx: AppContext): View;
}
