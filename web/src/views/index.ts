// The app's views, in the order of the navigation.

import { ChartView } from "./chart/view";
import { ChatView } from "./chat/view";
import { DocumentsView } from "./documents/view";
import { OptionsView } from "./options";
import { SqlView } from "./sql";
import type { AppContext, ViewEntry } from "./view";
import { WatchlistModel, WatchlistView } from "./watchlist";

let watchlist: WatchlistModel | null = null;

/** The watchlist's model outlives its view: the prices stay current off screen. */
export function watchlistModel(ctx: AppContext): WatchlistModel {
  watchlist ??= new WatchlistModel(ctx.watchStream);
  return watchlist;
}

export const VIEWS: ViewEntry[] = [
  { id: "watchlist", title: "Watchlist", key: "w", create: (ctx) => new WatchlistView(watchlistModel(ctx), ctx) },
  { id: "chart", title: "Chart", key: "c", create: (ctx) => new ChartView(ctx) },
  { id: "options", title: "Options", key: "o", create: (ctx) => new OptionsView(ctx) },
  { id: "sql", title: "SQL", key: "s", create: () => new SqlView() },
  { id: "documents", title: "Documents", key: "d", create: () => new DocumentsView() },
  { id: "chat", title: "Chat", key: "m", create: (ctx) => new ChatView(ctx) },
];
