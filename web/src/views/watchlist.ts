// The watchlist: last price, change, the day's volume and a sparkline per symbol, live.
//
// Its stream (trades and bars of every listed symbol) stays open while the app runs, so
// the numbers are current whenever the view is shown. History comes from REST once per
// symbol: the snapshot (latest trade), daily bars (previous close), the day's minute bars
// (volume, sparkline) and the last two minutes of second bars (sparkline on a young day).

import { ApiError, fetchBars, fetchSnapshot } from "../api/rest";
import type { StreamClient } from "../api/stream";
import type { BarOut, StreamUpdate } from "../api/types";
import { loadWatchlist, saveWatchlist } from "../market/symbols";
import { SymbolTicker, type BarPoint } from "../market/ticker";
import { nanosToSeconds, rfc3339ToSeconds, secondsToRfc3339, utcDayStart } from "../market/time";
import { href, navigate } from "../router";
import { h, replace, setFlashing } from "../ui/dom";
import { compact, percent, price, signed } from "../ui/format";
import { sparkline } from "../ui/sparkline";
import { symbolSubmit } from "../ui/symbolpicker";
import type { AppContext, View } from "./view";

/** Minute bars published before the stream subscription may reach the store this late. */
const PERSIST_LAG_MS = 3000;

interface RowCells {
  row: HTMLTableRowElement;
  last: HTMLElement;
  change: HTMLElement;
  changePct: HTMLElement;
  volume: HTMLElement;
  spark: HTMLElement;
}

export class WatchlistModel {
  readonly tickers = new Map<string, SymbolTicker>();
  readonly errors = new Map<string, string>();
  private readonly listeners = new Set<(symbol: string, kind: "price" | "bars" | "list") => void>();
  private symbols: string[];

  constructor(private readonly stream: StreamClient) {
    this.symbols = loadWatchlist();
    stream.onUpdate((u) => this.apply(u));
    stream.onResumed((r) => {
      if (!r.complete) for (const s of this.symbols) void this.load(s);
    });
    this.subscribe();
    for (const s of this.symbols) void this.load(s);
  }

  list(): string[] {
    return [...this.symbols];
  }

  onChange(listener: (symbol: string, kind: "price" | "bars" | "list") => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  add(symbol: string): void {
    if (this.symbols.includes(symbol)) return;
    this.symbols.push(symbol);
    saveWatchlist(this.symbols);
    this.subscribe();
    void this.load(symbol);
    this.emit(symbol, "list");
  }

  remove(symbol: string): void {
    this.symbols = this.symbols.filter((s) => s !== symbol);
    this.tickers.delete(symbol);
    saveWatchlist(this.symbols);
    this.subscribe();
    this.emit(symbol, "list");
  }

  /** Loads everything again (new credentials, for instance). */
  reload(): void {
    for (const s of this.symbols) void this.load(s);
  }

  private subscribe(): void {
    this.stream.setSubscription(this.symbols, ["trades", "bars"]);
  }

  private ticker(symbol: string): SymbolTicker {
    let t = this.tickers.get(symbol);
    if (!t) this.tickers.set(symbol, (t = new SymbolTicker(symbol)));
    return t;
  }

  private apply(u: StreamUpdate): void {
    if (!this.symbols.includes(u.symbol)) return;
    const t = this.ticker(u.symbol);
    if (u.type === "trade") {
      t.applyTrade(u.data.price, u.data.size, nanosToSeconds(u.data.event_time));
      this.emit(u.symbol, "price");
    } else if (u.type === "bar") {
      const bar: BarPoint = {
        start: nanosToSeconds(u.data.start_time),
        end: nanosToSeconds(u.data.end_time),
        open: u.data.open,
        close: u.data.close,
        volume: u.data.volume,
        revision: u.data.revision,
      };
      if (u.data.timeframe === "1m") t.applyMinuteBar(bar);
      else if (u.data.timeframe === "1s") t.applySecondBar(bar);
      else return;
      this.emit(u.symbol, "bars");
    }
  }

  private async load(symbol: string): Promise<void> {
    const t = this.ticker(symbol);
    try {
      const snap = await fetchSnapshot(symbol);
      const trade = snap.latest_trade;
      const anchor = trade ? rfc3339ToSeconds(trade.time) : Date.now() / 1000;
      if (trade) t.applyTrade(trade.price, 0, anchor);
      const day = utcDayStart(anchor);
      t.setDay(day);
      const [daily, minutes, seconds] = await Promise.all([
        fetchBars(symbol, { timeframe: "1d", start: secondsToRfc3339(day - 10 * 86_400), end: secondsToRfc3339(day - 1), max: 20 }),
        fetchBars(symbol, { timeframe: "1m", start: secondsToRfc3339(day), end: secondsToRfc3339(anchor + 60), max: 2000 }),
        fetchBars(symbol, { timeframe: "1s", start: secondsToRfc3339(anchor - 150), end: secondsToRfc3339(anchor + 1), max: 300 }),
      ]);
      const previous = daily.filter((b) => rfc3339ToSeconds(b.start) < day).pop();
      if (previous) t.setPreviousClose(previous.close);
      for (const b of minutes) t.applyMinuteBar(point(b));
      for (const b of seconds) t.applySecondBar(point(b));
      this.errors.delete(symbol);
      this.emit(symbol, "bars");
      // Minute bars published just before the subscription may not have been stored
      // when the first read ran; read the tail once more when they must be.
      window.setTimeout(() => {
        void fetchBars(symbol, { timeframe: "1m", start: secondsToRfc3339(Math.max(day, t.minuteEnd() - 300)), max: 100 })
          .then((bars) => {
            for (const b of bars) t.applyMinuteBar(point(b));
            this.emit(symbol, "bars");
          })
          .catch(() => undefined);
      }, PERSIST_LAG_MS);
    } catch (e) {
      this.errors.set(symbol, e instanceof ApiError ? e.message : String(e));
      this.emit(symbol, "bars");
    }
  }

  private emit(symbol: string, kind: "price" | "bars" | "list"): void {
    for (const l of this.listeners) l(symbol, kind);
  }
}

function point(b: BarOut): BarPoint {
  return {
    start: rfc3339ToSeconds(b.start),
    end: rfc3339ToSeconds(b.end),
    open: b.open,
    close: b.close,
    volume: b.volume,
    revision: b.revision,
  };
}

export class WatchlistView implements View {
  private cells = new Map<string, RowCells>();
  private dirty = new Map<string, boolean>();
  private frame: number | null = null;
  private off: (() => void) | null = null;
  private body: HTMLTableSectionElement | null = null;

  constructor(
    private readonly model: WatchlistModel,
    private readonly ctx: AppContext,
  ) {}

  mount(root: HTMLElement): void {
    const input = h("input", {
      type: "text",
      name: "add-symbol",
      placeholder: "Add symbol",
      "aria-label": "Add a symbol to the watchlist",
      autocomplete: "off",
      spellcheck: "false",
      size: 10,
    });
    const error = h("span", { class: "field-error", role: "alert" });
    const form = h(
      "form",
      {
        class: "toolbar",
        on: { submit: symbolSubmit(input, error, (symbol) => this.model.add(symbol), "clear") },
      },
      input,
      h("button", { type: "submit" }, "Add"),
      error,
    );
    this.body = h("tbody");
    const table = h(
      "table",
      { class: "grid watchlist", "aria-label": "Watchlist" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Symbol"),
          h("th", { scope: "col", class: "num" }, "Last"),
          h("th", { scope: "col", class: "num chg", title: "Against the previous day's close, or the day's open when finstream has no earlier day" }, "Change"),
          h("th", { scope: "col", class: "num" }, "%"),
          h("th", { scope: "col", class: "num", title: "Shares traded today (UTC)" }, "Volume"),
          h("th", { scope: "col", class: "spark-col" }, "Trend"),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
        ),
      ),
      this.body,
    );
    replace(
      root,
      h("div", { class: "view-head" }, h("h1", {}, "Watchlist"), form),
      h("div", { class: "table-wrap" }, table),
      h("p", { class: "hint" }, "↑/↓ move between rows, Enter opens the chart, o the option chain."),
    );
    this.buildRows();
    this.off = this.model.onChange((symbol, kind) => {
      if (kind === "list") this.buildRows();
      else this.markDirty(symbol, kind === "bars");
    });
  }

  update(): void {}

  unmount(): void {
    this.off?.();
    this.off = null;
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.cells.clear();
    this.dirty.clear();
    this.body = null;
  }

  private buildRows(): void {
    if (!this.body) return;
    this.cells.clear();
    const rows = this.model.list().map((symbol) => {
      const cells: RowCells = {
        row: h("tr", {
          tabindex: 0,
          "data-symbol": symbol,
          on: {
            keydown: (e) => this.rowKey(e, symbol),
            click: (e) => {
              if (!(e.target instanceof HTMLElement) || !e.target.closest("a, button")) navigate("chart", symbol);
            },
          },
        }),
        last: h("td", { class: "num last" }),
        change: h("td", { class: "num chg" }),
        changePct: h("td", { class: "num chg-pct" }),
        volume: h("td", { class: "num vol" }),
        spark: h("td", { class: "spark-col" }),
      };
      cells.row.append(
        h("th", { scope: "row" }, h("a", { href: href("chart", symbol), tabindex: -1 }, symbol)),
        cells.last,
        cells.change,
        cells.changePct,
        cells.volume,
        cells.spark,
        h(
          "td",
          { class: "actions" },
          h("a", { href: href("options", symbol), tabindex: -1, title: `${symbol} option chain` }, "chain"),
          h("button", { type: "button", class: "link", tabindex: -1, title: `Remove ${symbol}`, on: { click: () => this.model.remove(symbol) } }, "×"),
        ),
      );
      this.cells.set(symbol, cells);
      this.dirty.set(symbol, true);
      return cells.row;
    });
    replace(this.body, ...rows);
    if (rows.length === 0) this.body.append(h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No symbols: add one above.")));
    this.schedule();
  }

  private rowKey(e: KeyboardEvent, symbol: string): void {
    const row = e.currentTarget as HTMLTableRowElement;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = e.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
      if (next instanceof HTMLElement) next.focus();
    } else if (e.key === "Enter") {
      navigate("chart", symbol);
    } else if (e.key === "o") {
      e.stopPropagation();
      navigate("options", symbol);
    } else if (e.key === "Delete") {
      this.model.remove(symbol);
    }
    this.ctx.setLastSymbol(symbol);
  }

  private markDirty(symbol: string, bars: boolean): void {
    this.dirty.set(symbol, (this.dirty.get(symbol) ?? false) || bars);
    this.schedule();
  }

  private schedule(): void {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      for (const [symbol, bars] of this.dirty) this.render(symbol, bars);
      this.dirty.clear();
    });
  }

  private render(symbol: string, withSpark: boolean): void {
    const cells = this.cells.get(symbol);
    const t = this.model.tickers.get(symbol);
    if (!cells) return;
    const error = this.model.errors.get(symbol);
    cells.row.classList.toggle("has-error", error !== undefined);
    cells.row.title = error ?? "";
    if (!t) return;
    setFlashing(cells.last, price(t.last), t.direction);
    const change = t.change;
    const tone = change === null || change === 0 ? "" : change > 0 ? "up" : "down";
    cells.change.className = `num chg ${tone}`;
    cells.changePct.className = `num chg-pct ${tone}`;
    cells.change.textContent = signed(change);
    cells.changePct.textContent = percent(t.changeRatio, 2, true);
    cells.change.title = t.reference ? `against the ${t.reference.kind}, ${price(t.reference.price)}` : "no reference price yet";
    cells.volume.textContent = compact(t.volume);
    if (withSpark) cells.spark.replaceChildren(sparkline(t.spark));
  }
}
