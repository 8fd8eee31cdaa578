// The symbol view: candlesticks at the chosen timeframe with the chosen overlays and panes,
// and the patterns and movements finstream found marked on their bars.
//
// On mount it subscribes first (bars, events, trades of the symbol), holding live updates
// while history loads: the snapshot (anchor time, the last day's events) and the bars
// before the anchor. Then the held updates are applied, newest last. Bars published just
// before the subscription can reach the store a moment after the first read, so the tail
// is read once more a few seconds later; bars are keyed by start, so this is idempotent.

import { ApiError, fetchBars, fetchSnapshot } from "../../api/rest";
import type { BarOut, StreamUpdate } from "../../api/types";
import { CandleSeries, type Change } from "../../market/candles";
import { TIMEFRAMES, isTimeframe, nanosToSeconds, rfc3339ToSeconds, secondsToRfc3339, timeframeSeconds, type Timeframe } from "../../market/time";
import { navigate, replaceRoute } from "../../router";
import { h, replace } from "../../ui/dom";
import { clockUtc, compact, fixed, price } from "../../ui/format";
import { symbolPicker } from "../../ui/symbolpicker";
import type { AppContext, View } from "../view";
import { PriceChart, shortName, type ChartEvent } from "./drawing";
import { loadSettings, settingsControls, type ChartSettings } from "./settings";

const HISTORY_BARS = 1000;
/** Candles in view after a load; the rest of the history is a scroll away. */
const VISIBLE_BARS = 180;
const PERSIST_LAG_MS = 3000;
const TIMEFRAME_KEY = "finstream.chart.timeframe";

const CHANGE_RANK: Record<Change, number> = { none: 0, last: 1, append: 2, rewrite: 3 };

export class ChartView implements View {
  private root: HTMLElement | null = null;
  private symbol = "";
  private timeframe: Timeframe = "1s";
  private settings: ChartSettings = loadSettings();
  private chart: PriceChart | null = null;
  private series: CandleSeries | null = null;
  private events = new Map<string, ChartEvent>();
  /** Live updates that arrived while history was loading. */
  private held: StreamUpdate[] | null = null;
  private pending: Change = "none";
  private frame: number | null = null;
  private generation = 0;
  private abort: AbortController | null = null;
  private timers: number[] = [];
  private offUpdate: (() => void) | null = null;
  private offResumed: (() => void) | null = null;
  private lastUpdate = 0;
  private els: { chart: HTMLElement; legend: HTMLElement; status: HTMLElement; events: HTMLElement } | null = null;

  constructor(private readonly ctx: AppContext) {}

  mount(root: HTMLElement, params: string[]): void {
    this.root = root;
    this.offUpdate = this.ctx.viewStream.onUpdate((u) => this.onUpdate(u));
    this.offResumed = this.ctx.viewStream.onResumed((r) => {
      if (!r.complete) this.load();
    });
    this.update(params);
  }

  update(params: string[]): void {
    const [symbol, tf] = params;
    this.symbol = (symbol ?? this.ctx.lastSymbol()).toUpperCase();
    const saved = localStorage.getItem(TIMEFRAME_KEY) ?? "1s";
    this.timeframe = tf && isTimeframe(tf) ? tf : isTimeframe(saved) ? saved : "1s";
    this.ctx.setLastSymbol(this.symbol);
    replaceRoute("chart", this.symbol, this.timeframe);
    this.build();
    this.ctx.viewStream.setSubscription([this.symbol], ["bars", "events", "trades"]);
    this.load();
  }

  unmount(): void {
    this.offUpdate?.();
    this.offResumed?.();
    this.offUpdate = this.offResumed = null;
    this.reset();
    this.root = null;
    this.els = null;
  }

  private reset(): void {
    this.generation++;
    this.abort?.abort();
    this.abort = null;
    for (const t of this.timers) window.clearTimeout(t);
    this.timers = [];
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.pending = "none";
    this.chart?.destroy();
    this.chart = null;
    this.series = null;
    this.held = null;
  }

  private build(): void {
    if (!this.root) return;
    this.reset();
    const timeframes = h(
      "div",
      { class: "segmented", role: "group", "aria-label": "Timeframe" },
      ...TIMEFRAMES.map((tf) =>
        h(
          "button",
          {
            type: "button",
            "aria-pressed": tf === this.timeframe ? "true" : "false",
            "data-timeframe": tf,
            on: {
              click: () => {
                localStorage.setItem(TIMEFRAME_KEY, tf);
                navigate("chart", this.symbol, tf);
              },
            },
          },
          tf,
        ),
      ),
    );
    const chartEl = h("div", { class: "price-chart", "data-symbol": this.symbol, "data-timeframe": this.timeframe, "data-state": "loading" });
    const legend = h("div", { class: "chart-legend", "aria-live": "off" });
    const status = h("p", { class: "chart-status", role: "status" }, "loading…");
    const events = h("ol", { class: "event-list", "aria-label": "Latest events" });
    this.els = { chart: chartEl, legend, status, events };
    replace(
      this.root,
      h(
        "div",
        { class: "view-head" },
        h("h1", {}, this.symbol, h("span", { class: "subtle" }, ` · ${this.timeframe} bars · UTC`)),
        symbolPicker(this.symbol, this.ctx.symbols(), (s) => navigate("chart", s, this.timeframe)),
        timeframes,
      ),
      settingsControls(this.settings, (s) => {
        this.settings = s;
        this.rebuildChart();
      }),
      h("div", { class: "chart-wrap" }, legend, chartEl),
      status,
      h("section", { class: "events-panel" }, h("h2", {}, "Latest events"), events),
    );
    this.rebuildChart();
  }

  /** A new chart for new settings, with the candles already held. */
  private rebuildChart(): void {
    if (!this.els) return;
    this.chart?.destroy();
    this.els.chart.replaceChildren();
    this.chart = new PriceChart(this.els.chart, this.settings, this.timeframe === "1s");
    if (this.series) {
      this.chart.render(this.series.candles, "rewrite");
      this.renderEvents();
      this.renderMeta();
    }
  }

  private load(): void {
    const generation = ++this.generation;
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    this.held = [];
    this.events.clear();
    const symbol = this.symbol;
    const tf = this.timeframe;
    const seconds = timeframeSeconds(tf);
    if (this.els) this.els.chart.dataset.state = "loading";
    void (async () => {
      try {
        const snap = await fetchSnapshot(symbol, abort.signal);
        const anchor = snap.latest_trade ? rfc3339ToSeconds(snap.latest_trade.time) : Date.now() / 1000;
        const start = Math.floor(anchor / seconds) * seconds - HISTORY_BARS * seconds;
        const bars = await fetchBars(symbol, { timeframe: tf, start: secondsToRfc3339(start), max: HISTORY_BARS + 10 }, abort.signal);
        if (generation !== this.generation) return;
        const series = new CandleSeries(seconds);
        for (const b of bars) series.upsertBar(candle(b));
        this.series = series;
        for (const e of snap.events) {
          if (e.timeframe === tf) this.addEvent(e.name, e.category, e.direction, rfc3339ToSeconds(e.bar_start), false);
        }
        const held = this.held ?? [];
        this.held = null;
        for (const u of held) this.apply(u);
        // Drawn now rather than on the next frame, so that the range below applies to it.
        this.chart?.render(series.candles, "rewrite");
        this.renderEvents();
        this.renderMeta();
        this.chart?.showLatest(VISIBLE_BARS);
        if (this.els) this.els.chart.dataset.state = "ready";
        this.timers.push(
          window.setTimeout(() => {
            const last = series.candles.filter((c) => c.closed).pop();
            const from = last ? last.time - 5 * seconds : start;
            void fetchBars(symbol, { timeframe: tf, start: secondsToRfc3339(from), max: 500 }, abort.signal)
              .then((tail) => {
                if (generation !== this.generation) return;
                let change: Change = "none";
                for (const b of tail) change = worse(change, series.upsertBar(candle(b)));
                this.changed(change);
              })
              .catch(() => undefined);
          }, PERSIST_LAG_MS),
        );
      } catch (e) {
        if (generation !== this.generation || (e instanceof DOMException && e.name === "AbortError")) return;
        this.held = null;
        if (this.els) {
          this.els.chart.dataset.state = "error";
          this.els.status.textContent = `Could not load ${symbol}: ${e instanceof ApiError ? e.message : String(e)}`;
          this.els.status.classList.add("error");
        }
      }
    })();
  }

  private onUpdate(u: StreamUpdate): void {
    if (u.symbol !== this.symbol) return;
    if (this.held) {
      this.held.push(u);
      return;
    }
    if (!this.series) return;
    this.apply(u);
  }

  private apply(u: StreamUpdate): void {
    const series = this.series;
    if (!series) return;
    let change: Change = "none";
    if (u.type === "bar" && u.data.timeframe === this.timeframe) {
      change = series.upsertBar({
        time: nanosToSeconds(u.data.start_time),
        open: u.data.open,
        high: u.data.high,
        low: u.data.low,
        close: u.data.close,
        volume: u.data.volume,
        revision: u.data.revision,
      });
    } else if (u.type === "trade") {
      change = series.applyTrade(u.data.price, u.data.size, nanosToSeconds(u.data.event_time));
    } else if (u.type === "event" && u.data.timeframe === this.timeframe) {
      const time = nanosToSeconds(u.data.bar_start);
      if (u.data.retracted) this.events.delete(eventKey(u.data.name, time));
      else this.addEvent(u.data.name, u.data.category, u.data.direction, time, true);
      this.renderEvents();
    }
    if (change !== "none") this.lastUpdate = Date.now();
    this.changed(change);
  }

  private addEvent(name: string, category: string, direction: string, time: number, live: boolean): void {
    this.events.set(eventKey(name, time), { name, category: category.toLowerCase(), direction: direction.toLowerCase(), time });
    if (live) this.lastUpdate = Date.now();
  }

  private changed(change: Change): void {
    if (change === "none") return;
    this.pending = worse(this.pending, change);
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      const pending = this.pending;
      this.pending = "none";
      if (!this.series || !this.chart) return;
      this.chart.render(this.series.candles, pending);
      if (pending !== "last") this.renderEvents();
      this.renderMeta();
    });
  }

  private renderEvents(): void {
    if (!this.chart || !this.series || !this.els) return;
    const first = this.series.candles[0]?.time ?? 0;
    const events = [...this.events.values()];
    this.chart.setEvents(events, first);
    const latest = events.sort((a, b) => b.time - a.time).slice(0, 8);
    replace(
      this.els.events,
      ...latest.map((e) =>
        h("li", { class: e.direction }, h("time", {}, clockUtc(e.time)), ` ${shortName(e.name)} `, h("span", { class: "subtle" }, `${e.category}, ${e.direction}`)),
      ),
    );
    if (latest.length === 0) this.els.events.append(h("li", { class: "subtle" }, `none on ${this.timeframe} bars yet`));
  }

  private renderMeta(): void {
    if (!this.chart || !this.series || !this.els) return;
    const stats = this.chart.stats();
    const el = this.els.chart;
    el.dataset.candles = String(stats.candles);
    el.dataset.closedBars = String(this.series.closedCount);
    el.dataset.panes = String(stats.panes);
    el.dataset.paneNames = stats.paneNames.join(",");
    el.dataset.markers = String(stats.markers);
    for (const [name, n] of Object.entries(stats.points)) el.dataset[`points${name[0]!.toUpperCase()}${name.slice(1)}`] = String(n);
    const last = this.series.candles[this.series.candles.length - 1];
    const latest = this.chart.latest();
    const parts: string[] = [];
    if (last) {
      el.dataset.lastClose = String(last.close);
      parts.push(`O ${price(last.open)} H ${price(last.high)} L ${price(last.low)} C ${price(last.close)} V ${compact(last.volume)}`);
    }
    const s = this.settings;
    if (s.sma.on) parts.push(`SMA${s.sma.period} ${price(latest.sma)}`);
    if (s.ema.on) parts.push(`EMA${s.ema.period} ${price(latest.ema)}`);
    if (s.bollinger.on) parts.push(`BB ${price(latest.lower)}–${price(latest.upper)}`);
    if (s.rsi.on) parts.push(`RSI${s.rsi.period} ${fixed(latest.rsi, 1)}`);
    if (s.macd.on) parts.push(`MACD ${fixed(latest.macd, 3)} / ${fixed(latest.signal, 3)}`);
    this.els.legend.textContent = parts.join("  ·  ");
    const updated = this.lastUpdate ? `, last update ${clockUtc(this.lastUpdate / 1000)} UTC` : "";
    this.els.status.classList.remove("error");
    this.els.status.textContent = `${stats.candles} candles (${this.series.closedCount} published bars${stats.candles > this.series.closedCount ? " + the one forming from trades" : ""})${updated}.`;
  }
}

function candle(b: BarOut) {
  return {
    time: rfc3339ToSeconds(b.start),
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    revision: b.revision,
  };
}

function eventKey(name: string, time: number): string {
  return `${name}@${time}`;
}

function worse(a: Change, b: Change): Change {
  return CHANGE_RANK[b] > CHANGE_RANK[a] ? b : a;
}
