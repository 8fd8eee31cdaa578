// The option chain of an underlying: calls and puts by strike for one expiration with
// bid/ask, IV and Greeks, volume and open interest; the IV smile of that expiration and
// the at-the-money term structure; put/call ratios and max pain, computed here from the
// chain (market/chain.ts).
//
// IV and Greeks update live from the `greeks` channel, the spot from `trades`. Quotes,
// volume and open interest are not on the stream: the chain is read again every few
// seconds, keeping Greeks the stream brought more recently than the store can have them.

import { ApiError, fetchChain } from "../api/rest";
import type { ContractOut, GreeksData, StreamUpdate } from "../api/types";
import { maxPain, parseOcc, putCallRatios, smile, termStructure, toMilli, type ChainRow } from "../market/chain";
import { epochDaysToDate, utcDayStart } from "../market/time";
import { navigate, replaceRoute } from "../router";
import { h, replace, setFlashing } from "../ui/dom";
import { clockUtc, fixed, integer, percent, price } from "../ui/format";
import { renderPlot } from "../ui/plot";
import { symbolPicker } from "../ui/symbolpicker";
import type { AppContext, View } from "./view";

const REFRESH_MS = 5000;
/** Greeks from the stream this recent are newer than what a chain read returns. */
const STREAM_FRESH_MS = 5000;
const PLOT_EVERY_MS = 2000;
const WINDOWS = ["5", "10", "20", "all"] as const;
type StrikeWindow = (typeof WINDOWS)[number];
type Sides = "both" | "call" | "put";

interface Contract extends ContractOut {
  /** When the stream last brought its Greeks (ms), 0 if never. */
  streamedAt: number;
}

type SummaryItem = "spot" | "atm" | "pcVolume" | "pcOpenInterest" | "maxPain";
const SUMMARY: { id: SummaryItem; label: string; title: string }[] = [
  { id: "spot", label: "Spot", title: "The underlying's latest trade" },
  { id: "atm", label: "ATM IV", title: "Mean of call and put IV at the strike nearest the spot" },
  { id: "pcVolume", label: "P/C volume", title: "Put volume / call volume, this expiration (all expirations)" },
  { id: "pcOpenInterest", label: "P/C open interest", title: "Put OI / call OI, this expiration (all expirations)" },
  { id: "maxPain", label: "Max pain", title: "The strike at which holders of this expiration's open contracts would collect the least" },
];

const GREEKS = ["implied_volatility", "delta", "gamma", "theta", "vega"] as const;
type Greek = (typeof GREEKS)[number];

const SIDE_COLUMNS: { key: keyof ContractOut; label: string; title: string; format: (c: ContractOut) => string; cls: string }[] = [
  { key: "bid", label: "Bid", title: "Bid", format: (c) => fixed(c.bid, 2), cls: "bid" },
  { key: "ask", label: "Ask", title: "Ask", format: (c) => fixed(c.ask, 2), cls: "ask" },
  { key: "last", label: "Last", title: "Last trade price", format: (c) => fixed(c.last, 2), cls: "last" },
  { key: "implied_volatility", label: "IV", title: "Implied volatility", format: (c) => percent(c.implied_volatility, 1), cls: "iv" },
  { key: "delta", label: "Δ", title: "Delta", format: (c) => fixed(c.delta, 3), cls: "delta" },
  { key: "gamma", label: "Γ", title: "Gamma", format: (c) => fixed(c.gamma, 4), cls: "gamma" },
  { key: "theta", label: "Θ", title: "Theta, per calendar day", format: (c) => fixed(c.theta, 3), cls: "theta" },
  { key: "vega", label: "Vega", title: "Vega, per volatility point", format: (c) => fixed(c.vega, 3), cls: "vega" },
  { key: "volume", label: "Vol", title: "Contracts traded in the session", format: (c) => integer(c.volume), cls: "volume" },
  { key: "open_interest", label: "OI", title: "Open interest", format: (c) => integer(c.open_interest), cls: "oi" },
];

export class OptionsView implements View {
  private root: HTMLElement | null = null;
  private symbol = "";
  private expiration: string | null = null;
  private window: StrikeWindow = "10";
  private sides: Sides = "both";
  private contracts = new Map<string, Contract>();
  private spot: number | null = null;
  private loadedAt = 0;
  private generation = 0;
  private abort: AbortController | null = null;
  private refreshTimer: number | null = null;
  private offUpdate: (() => void) | null = null;
  /** Contract to its live cells, for the expiration on screen. */
  private cells = new Map<string, Partial<Record<keyof ContractOut, HTMLElement>>>();
  private dirty = new Set<string>();
  /** The contracts of the expiration and the at-the-money strike the table was drawn for. */
  private drawn = { contracts: new Set<string>(), atm: null as number | null };
  private frame: number | null = null;
  private lastPlot = 0;
  private els: {
    expiries: HTMLElement;
    summary: HTMLElement;
    table: HTMLElement;
    smile: HTMLElement;
    term: HTMLElement;
    expiryTable: HTMLElement;
    status: HTMLElement;
    /** Plots and the per-expiration table, shown once there are contracts. */
    analysis: HTMLElement;
  } | null = null;
  private resize: ResizeObserver | null = null;

  constructor(private readonly ctx: AppContext) {}

  mount(root: HTMLElement, params: string[]): void {
    this.root = root;
    this.offUpdate = this.ctx.viewStream.onUpdate((u) => this.onUpdate(u));
    this.resize = new ResizeObserver(() => this.renderPlots(true));
    this.update(params);
  }

  update(params: string[]): void {
    const [symbol, expiration] = params;
    const next = (symbol ?? this.ctx.lastSymbol()).toUpperCase();
    const symbolChanged = next !== this.symbol || !this.els;
    this.symbol = next;
    this.expiration = expiration ?? (symbolChanged ? null : this.expiration);
    this.ctx.setLastSymbol(this.symbol);
    if (symbolChanged) {
      this.build();
      this.ctx.viewStream.setSubscription([this.symbol], ["greeks", "trades"]);
      this.load(true);
    } else {
      this.renderAll();
    }
  }

  unmount(): void {
    this.offUpdate?.();
    this.offUpdate = null;
    this.stop();
    this.resize?.disconnect();
    this.resize = null;
    this.root = null;
    this.els = null;
    this.symbol = "";
  }

  private stop(): void {
    this.generation++;
    this.abort?.abort();
    this.abort = null;
    if (this.refreshTimer !== null) window.clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
  }

  private build(): void {
    if (!this.root) return;
    this.stop();
    this.contracts.clear();
    this.spot = null;
    const select = <T extends string>(label: string, values: readonly T[], current: T, names: (v: T) => string, set: (v: T) => void) =>
      h(
        "label",
        { class: "inline-field" },
        `${label} `,
        h(
          "select",
          {
            name: label.toLowerCase(),
            on: {
              change: (e) => {
                set((e.currentTarget as HTMLSelectElement).value as T);
                this.renderAll();
              },
            },
          },
          ...values.map((v) => h("option", { value: v, selected: v === current }, names(v))),
        ),
      );
    const els = {
      expiries: h("div", { class: "segmented expiries", role: "group", "aria-label": "Expiration" }),
      summary: h(
        "dl",
        { class: "chain-summary" },
        ...SUMMARY.flatMap((item) => [h("dt", { title: item.title }, item.label), h("dd", { "data-item": item.id }, "–")]),
      ),
      table: h("div", { class: "table-wrap chain-wrap" }),
      smile: h("div", { class: "plot-box", "data-plot": "smile" }),
      term: h("div", { class: "plot-box", "data-plot": "term" }),
      expiryTable: h("div", { class: "table-wrap" }),
      status: h("p", { class: "chart-status", role: "status" }, "loading…"),
      analysis: h("div", { class: "chain-analysis", hidden: true }),
    };
    this.els = els;
    replace(
      this.root,
      h(
        "div",
        { class: "view-head" },
        h("h1", {}, `${this.symbol} options`),
        symbolPicker(this.symbol, this.ctx.symbols(), (s) => navigate("options", s), "Underlying"),
        select("Strikes", WINDOWS, this.window, (w) => (w === "all" ? "all" : `±${w} around the money`), (w) => (this.window = w)),
        select<Sides>("Show", ["both", "call", "put"], this.sides, (s) => (s === "both" ? "calls and puts" : `${s}s only`), (s) => (this.sides = s)),
      ),
      els.expiries,
      els.summary,
      els.table,
      els.status,
      els.analysis,
    );
    els.analysis.append(
      h(
        "div",
        { class: "plots" },
        h("section", {}, h("h2", {}, "IV smile"), els.smile),
        h("section", {}, h("h2", {}, "Term structure (at-the-money IV)"), els.term),
      ),
      h("section", {}, h("h2", {}, "By expiration"), els.expiryTable),
    );
    this.resize?.observe(els.smile);
  }

  private load(first: boolean): void {
    const generation = this.generation;
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    const symbol = this.symbol;
    fetchChain(symbol, abort.signal)
      .then((chain) => {
        if (generation !== this.generation) return;
        const now = Date.now();
        const seen = new Set<string>();
        for (const c of chain.contracts) {
          seen.add(c.contract);
          const held = this.contracts.get(c.contract);
          if (held && now - held.streamedAt < STREAM_FRESH_MS) {
            const greeks = Object.fromEntries(GREEKS.map((g) => [g, held[g]])) as Pick<ContractOut, Greek>;
            this.contracts.set(c.contract, { ...c, ...greeks, spot: held.spot, streamedAt: held.streamedAt });
          } else {
            this.contracts.set(c.contract, { ...c, streamedAt: held?.streamedAt ?? 0 });
          }
        }
        for (const key of [...this.contracts.keys()]) if (!seen.has(key)) this.contracts.delete(key);
        if (chain.spot !== null) this.spot = chain.spot;
        this.loadedAt = now;
        if (first) this.renderAll();
        else this.refreshCells();
      })
      .catch((e: unknown) => {
        if (generation !== this.generation || (e instanceof DOMException && e.name === "AbortError")) return;
        if (this.els) {
          this.els.status.textContent = `Could not read the chain of ${symbol}: ${e instanceof ApiError ? e.message : String(e)}`;
          this.els.status.classList.add("error");
        }
      })
      .finally(() => {
        if (generation !== this.generation) return;
        this.refreshTimer = window.setTimeout(() => this.load(false), REFRESH_MS);
      });
  }

  private onUpdate(u: StreamUpdate): void {
    if (u.symbol !== this.symbol) return;
    if (u.type === "trade") {
      this.spot = u.data.price;
      this.schedule();
    } else if (u.type === "greeks") {
      this.applyGreeks(u.data);
    }
  }

  private applyGreeks(g: GreeksData): void {
    let c = this.contracts.get(g.contract);
    if (!c) {
      // A contract the last read did not have: list it with what the stream says.
      const occ = parseOcc(g.contract);
      if (!occ) return;
      c = {
        contract: g.contract,
        expiration: epochDaysToDate(g.expiration),
        strike: occ.strike,
        type: g.right === "CALL" ? "call" : "put",
        bid: Number.NaN,
        ask: Number.NaN,
        bid_size: Number.NaN,
        ask_size: Number.NaN,
        last: null,
        volume: 0,
        open_interest: 0,
        quote_time: "",
        implied_volatility: null,
        delta: null,
        gamma: null,
        theta: null,
        vega: null,
        rho: null,
        spot: null,
        streamedAt: 0,
      };
      this.contracts.set(g.contract, c);
    }
    c.implied_volatility = g.implied_volatility;
    c.delta = g.delta;
    c.gamma = g.gamma;
    c.theta = g.theta;
    c.vega = g.vega;
    c.rho = g.rho;
    c.spot = g.spot;
    c.streamedAt = Date.now();
    this.dirty.add(g.contract);
    this.schedule();
  }

  private schedule(): void {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.refreshCells();
    });
  }

  private rows(): ChainRow[] {
    return [...this.contracts.values()].map((c) => ({
      type: c.type,
      strikeMilli: toMilli(c.strike),
      expiration: c.expiration,
      impliedVolatility: c.implied_volatility,
      volume: c.volume,
      openInterest: c.open_interest,
    }));
  }

  private expirations(): string[] {
    return [...new Set([...this.contracts.values()].map((c) => c.expiration))].sort();
  }

  private renderAll(): void {
    const els = this.els;
    if (!els) return;
    const expirations = this.expirations();
    if (!this.expiration || !expirations.includes(this.expiration)) this.expiration = expirations[0] ?? null;
    if (this.expiration) replaceRoute("options", this.symbol, this.expiration);
    const today = utcDayStart(Date.now() / 1000);
    replace(
      els.expiries,
      ...expirations.map((e) =>
        h(
          "button",
          {
            type: "button",
            "aria-pressed": e === this.expiration ? "true" : "false",
            "data-expiration": e,
            on: { click: () => navigate("options", this.symbol, e) },
          },
          e,
          h("span", { class: "subtle" }, ` ${daysTo(e, today)}d`),
        ),
      ),
    );
    this.renderTable();
    this.refreshCells();
    this.renderPlots(true);
  }

  private renderTable(): void {
    const els = this.els;
    if (!els) return;
    this.cells.clear();
    this.dirty.clear();
    this.drawn = { contracts: new Set(), atm: null };
    const inExpiry = [...this.contracts.values()].filter((c) => c.expiration === this.expiration);
    if (inExpiry.length === 0) {
      replace(els.table, h("p", { class: "empty" }, this.loadedAt ? `No option quotes for ${this.symbol} have reached finstream.` : "loading…"));
      els.table.dataset.rows = "0";
      return;
    }
    this.drawn = { contracts: new Set(inExpiry.map((c) => c.contract)), atm: null };
    const byStrike = new Map<number, { call?: Contract; put?: Contract }>();
    for (const c of inExpiry) {
      const row = byStrike.get(c.strike) ?? {};
      row[c.type] = c;
      byStrike.set(c.strike, row);
    }
    let strikes = [...byStrike.keys()].sort((a, b) => a - b);
    const spot = this.spot;
    const atm = nearest(strikes, spot);
    this.drawn.atm = atm;
    if (this.window !== "all" && atm !== null) {
      const n = Number(this.window);
      const i = strikes.indexOf(atm);
      strikes = strikes.slice(Math.max(0, i - n), i + n + 1);
    }
    // Columns the API leaves empty for every contract (no last price, say) are not shown.
    const columns = SIDE_COLUMNS.filter((col) => inExpiry.some((c) => c[col.key] !== null && !Number.isNaN(c[col.key])));
    const callCols = [...columns].reverse();
    const showCalls = this.sides !== "put";
    const showPuts = this.sides !== "call";
    const head = h(
      "thead",
      {},
      h(
        "tr",
        { class: "side-head" },
        showCalls ? h("th", { colspan: callCols.length, scope: "colgroup" }, "Calls") : null,
        h("th", { scope: "col", class: "strike" }, ""),
        showPuts ? h("th", { colspan: columns.length, scope: "colgroup" }, "Puts") : null,
      ),
      h(
        "tr",
        {},
        ...(showCalls ? callCols.map((c) => h("th", { scope: "col", class: `num ${c.cls}`, title: `Call ${c.title}` }, c.label)) : []),
        h("th", { scope: "col", class: "strike" }, "Strike"),
        ...(showPuts ? columns.map((c) => h("th", { scope: "col", class: `num ${c.cls}`, title: `Put ${c.title}` }, c.label)) : []),
      ),
    );
    const body = h("tbody");
    for (const k of strikes) {
      const row = byStrike.get(k)!;
      const tr = h("tr", { class: k === atm ? "atm" : "", "data-strike": k });
      const side = (c: Contract | undefined, cols: typeof columns, itm: boolean) =>
        cols.map((col) => {
          const td = h("td", { class: `num ${col.cls}${itm ? " itm" : ""}`, "data-contract": c?.contract ?? "" }, c ? col.format(c) : "");
          if (c) {
            const cells = this.cells.get(c.contract) ?? {};
            cells[col.key] = td;
            this.cells.set(c.contract, cells);
          }
          return td;
        });
      if (showCalls) tr.append(...side(row.call, callCols, spot !== null && k < spot));
      tr.append(h("th", { scope: "row", class: "strike" }, price(k)));
      if (showPuts) tr.append(...side(row.put, columns, spot !== null && k > spot));
      body.append(tr);
    }
    replace(els.table, h("table", { class: "grid chain", "aria-label": `${this.symbol} ${this.expiration} chain` }, head, body));
    els.table.dataset.rows = String(strikes.length);
  }

  /** Updates the numbers in place (live Greeks, a re-read chain), flashing what moved. */
  private refreshCells(): void {
    const els = this.els;
    if (!els) return;
    // A new contract, or the spot crossing to another strike, redraws the table.
    const inExpiry = [...this.contracts.values()].filter((c) => c.expiration === this.expiration);
    const strikes = [...new Set(inExpiry.map((c) => c.strike))].sort((a, b) => a - b);
    if (inExpiry.some((c) => !this.drawn.contracts.has(c.contract)) || nearest(strikes, this.spot) !== this.drawn.atm) {
      this.renderAll();
      return;
    }
    for (const [contract, cells] of this.cells) {
      const c = this.contracts.get(contract);
      if (!c) continue;
      const live = this.dirty.has(contract);
      for (const col of SIDE_COLUMNS) {
        const td = cells[col.key];
        if (!td) continue;
        const before = Number.parseFloat(td.textContent ?? "");
        const text = col.format(c);
        const after = Number.parseFloat(text);
        setFlashing(td, text, live && Number.isFinite(before) && Number.isFinite(after) ? Math.sign(after - before) : 0);
      }
    }
    this.dirty.clear();
    this.renderSummary();
    this.renderPlots(false);
  }

  private renderSummary(): void {
    const els = this.els;
    if (!els) return;
    const rows = this.rows();
    const spot = this.spot;
    const inExpiry = rows.filter((r) => r.expiration === this.expiration);
    const ratios = putCallRatios(inExpiry);
    const allRatios = putCallRatios(rows);
    const pain = maxPain(inExpiry)[0];
    const atm = spot === null ? undefined : termStructure(inExpiry, spot)[0];
    const values: Record<SummaryItem, string> = {
      spot: price(spot),
      atm: atm ? `${percent(atm.iv, 1)} @ ${price(atm.atmStrike)}` : "–",
      pcVolume: `${fixed(ratios.volume, 2)} (all ${fixed(allRatios.volume, 2)})`,
      pcOpenInterest: `${fixed(ratios.openInterest, 2)} (all ${fixed(allRatios.openInterest, 2)})`,
      maxPain: pain ? price(pain.strike) : "–",
    };
    // In place: the live Greeks call this many times a second.
    for (const item of SUMMARY) {
      const dd = els.summary.querySelector<HTMLElement>(`dd[data-item="${item.id}"]`);
      if (dd && dd.textContent !== values[item.id]) dd.textContent = values[item.id];
    }
    const updated = this.loadedAt ? `Quotes, volume and open interest read ${clockUtc(this.loadedAt / 1000)} UTC (every ${REFRESH_MS / 1000} s); IV and Greeks live.` : "loading…";
    els.status.classList.remove("error");
    els.status.textContent = `${this.contracts.size} contracts. ${updated}`;
  }

  private renderPlots(force: boolean): void {
    const els = this.els;
    if (!els || (!force && Date.now() - this.lastPlot < PLOT_EVERY_MS)) return;
    this.lastPlot = Date.now();
    els.analysis.hidden = this.contracts.size === 0;
    if (els.analysis.hidden) return;
    const rows = this.rows();
    const spot = this.spot ?? Number.NaN;
    const expiration = this.expiration;
    const today = utcDayStart(Date.now() / 1000);
    const side = (type: "call" | "put") =>
      [...this.contracts.values()]
        .filter((c) => c.expiration === expiration && c.type === type && c.implied_volatility !== null && c.implied_volatility > 0)
        .sort((a, b) => a.strike - b.strike)
        .map((c) => ({ x: c.strike, y: c.implied_volatility! * 100 }));
    const pct = (y: number) => `${y.toFixed(0)}%`;
    renderPlot(
      els.smile,
      expiration
        ? [
            { name: "out of the money", kind: "line", className: "series-1", dots: true, points: smile(rows, expiration, spot).map((p) => ({ x: p.strike, y: p.iv * 100 })) },
            { name: "calls", kind: "line", className: "series-2", points: side("call") },
            { name: "puts", kind: "line", className: "series-3", points: side("put") },
          ]
        : [],
      { xLabel: `strike (${expiration ?? "no expiration"})`, yLabel: "IV", formatX: (x) => x.toFixed(0), formatY: pct, ...(Number.isFinite(spot) ? { guideX: { x: spot, label: `spot ${price(spot)}` } } : {}) },
    );
    const term = Number.isFinite(spot) ? termStructure(rows, spot) : [];
    renderPlot(
      els.term,
      [
        {
          name: "ATM IV",
          kind: "line",
          className: "series-1",
          dots: true,
          points: term.map((t) => ({ x: daysTo(t.expiration, today), y: t.iv * 100, label: `${t.expiration} (${daysTo(t.expiration, today)} d): ${(t.iv * 100).toFixed(1)}% at ${price(t.atmStrike)}` })),
        },
      ],
      { xLabel: "days to expiration", yLabel: "IV", formatX: (x) => x.toFixed(0), formatY: pct },
    );
    const pains = new Map(maxPain(rows).map((p) => [p.expiration, p]));
    const atm = new Map(term.map((t) => [t.expiration, t]));
    replace(
      els.expiryTable,
      h(
        "table",
        { class: "grid expiry-table" },
        h(
          "thead",
          {},
          h("tr", {}, ...["Expiration", "Days", "ATM IV", "P/C volume", "P/C OI", "Max pain"].map((l) => h("th", { scope: "col", class: l === "Expiration" ? "" : "num" }, l))),
        ),
        h(
          "tbody",
          {},
          ...this.expirations().map((e) => {
            const r = putCallRatios(rows.filter((x) => x.expiration === e));
            return h(
              "tr",
              { class: e === expiration ? "selected" : "" },
              h("th", { scope: "row" }, e),
              h("td", { class: "num" }, String(daysTo(e, today))),
              h("td", { class: "num" }, percent(atm.get(e)?.iv, 1)),
              h("td", { class: "num" }, fixed(r.volume, 2)),
              h("td", { class: "num" }, fixed(r.openInterest, 2)),
              h("td", { class: "num" }, price(pains.get(e)?.strike)),
            );
          }),
        ),
      ),
    );
  }
}

/** The strike nearest the spot, the lower on a tie (strikes ascending). */
function nearest(strikes: number[], spot: number | null): number | null {
  if (spot === null || strikes.length === 0) return null;
  return strikes.reduce((best, k) => (Math.abs(k - spot) < Math.abs(best - spot) ? k : best), strikes[0]!);
}

function daysTo(expiration: string, todayStart: number): number {
  return Math.round((Date.parse(`${expiration}T00:00:00Z`) / 1000 - todayStart) / 86_400);
}
