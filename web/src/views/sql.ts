// The SQL console: a query over the Parquet history (`POST /v1/sql`), its rows as a table,
// a line or bar chart of a numeric column against the first column, and the rows as CSV.
// The server's error message is shown as it is.

import { ApiError, runSql } from "../api/rest";
import type { SqlColumn, SqlResult, SqlValue } from "../api/types";
import { toCsv } from "../csv";
import { rfc3339ToSeconds, utcDate } from "../market/time";
import { h, replace } from "../ui/dom";
import { dateTimeUtc } from "../ui/format";
import { renderPlot, type PlotPoint } from "../ui/plot";
import type { View } from "./view";

const QUERY_KEY = "finstream.sql.query";
/** Rows drawn in the table; the CSV has them all. */
const TABLE_ROWS = 1000;
/** Bars or points drawn in the chart. */
const CHART_ROWS = 2000;

function examples(): { title: string; sql: string }[] {
  const today = utcDate(Date.now() / 1000);
  return [
    {
      title: "Trades and VWAP per symbol today",
      sql: `SELECT symbol, count(*) AS trades, sum(size) AS volume, vwap(price, size) AS vwap\nFROM trades\nWHERE date = '${today}'\nGROUP BY symbol\nORDER BY volume DESC`,
    },
    {
      title: "AAPL one-minute candles from trades",
      sql: `SELECT time_bucket(INTERVAL '1 minute', event_time) AS t,\n       first_by(price, event_time) AS open, max(price) AS high,\n       min(price) AS low, last_by(price, event_time) AS close, sum(size) AS volume\nFROM trades\nWHERE symbol = 'AAPL' AND date = '${today}'\nGROUP BY 1\nORDER BY 1`,
    },
    {
      title: "RSI(14) of AAPL on one-second bars",
      sql: `SELECT bar_start, value AS rsi\nFROM indicators\nWHERE symbol = 'AAPL' AND timeframe = '1s' AND indicator = 'rsi(14)' AND date = '${today}'\nORDER BY bar_start DESC\nLIMIT 300`,
    },
    {
      title: "Latest patterns and movements",
      sql: `SELECT event_time, symbol, timeframe, name, direction\nFROM market_events\nWHERE NOT retracted\nORDER BY event_time DESC\nLIMIT 50`,
    },
    {
      title: "Mean implied volatility by expiration (AAPL)",
      sql: `SELECT expiration, avg(implied_volatility) AS iv, count(*) AS updates\nFROM greeks\nWHERE underlying = 'AAPL' AND date = '${today}'\nGROUP BY expiration\nORDER BY expiration`,
    },
  ];
}

type XKind = "time" | "number" | "category";

function xKind(column: SqlColumn): XKind {
  if (/^(Timestamp|Date)/.test(column.type)) return "time";
  if (isNumeric(column)) return "number";
  return "category";
}

function isNumeric(column: SqlColumn): boolean {
  return /^(U?Int|Float|Decimal)/.test(column.type);
}

/** A cell's value on a numeric axis, or NaN. */
function axisValue(v: SqlValue | undefined, kind: XKind): number {
  if (v === null || v === undefined) return Number.NaN;
  if (kind === "time" && typeof v === "string") {
    try {
      return rfc3339ToSeconds(/^\d{4}-\d\d-\d\d$/.test(v) ? `${v}T00:00:00Z` : v);
    } catch {
      return Number.NaN;
    }
  }
  return typeof v === "number" ? v : Number(v);
}

export class SqlView implements View {
  private result: SqlResult | null = null;
  private abort: AbortController | null = null;
  private chartType: "line" | "bars" = "line";
  private yColumn: string | null = null;
  private resize: ResizeObserver | null = null;
  private els: {
    editor: HTMLTextAreaElement;
    run: HTMLButtonElement;
    csv: HTMLButtonElement;
    meta: HTMLElement;
    error: HTMLElement;
    table: HTMLElement;
    chartControls: HTMLElement;
    chart: HTMLElement;
  } | null = null;

  mount(root: HTMLElement): void {
    const editor = h("textarea", {
      name: "sql",
      class: "sql-editor",
      rows: 8,
      spellcheck: "false",
      autocapitalize: "off",
      "aria-label": "SQL query (Ctrl+Enter runs it)",
      on: {
        keydown: (e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void this.run();
          }
        },
        input: () => localStorage.setItem(QUERY_KEY, editor.value),
      },
    });
    editor.value = localStorage.getItem(QUERY_KEY) ?? examples()[0]!.sql;
    const exampleSelect = h(
      "select",
      {
        name: "example",
        "aria-label": "Example queries",
        on: {
          change: (e) => {
            const select = e.currentTarget as HTMLSelectElement;
            const example = examples()[Number(select.value)];
            if (example) {
              editor.value = example.sql;
              localStorage.setItem(QUERY_KEY, editor.value);
              editor.focus();
            }
            select.value = "";
          },
        },
      },
      h("option", { value: "" }, "Examples…"),
      ...examples().map((ex, i) => h("option", { value: i }, ex.title)),
    );
    const run = h("button", { type: "button", class: "primary", on: { click: () => void this.run() } }, "Run", h("kbd", {}, "Ctrl+Enter"));
    const csv = h("button", { type: "button", disabled: true, on: { click: () => this.exportCsv() } }, "Export CSV");
    this.els = {
      editor,
      run,
      csv,
      meta: h("p", { class: "sql-meta", role: "status" }),
      error: h("div", { class: "error-box", role: "alert", hidden: true }),
      table: h("div", { class: "table-wrap sql-results" }),
      chartControls: h("div", { class: "toolbar" }),
      chart: h("div", { class: "plot-box", "data-plot": "sql" }),
    };
    replace(
      root,
      h("div", { class: "view-head" }, h("h1", {}, "SQL"), h("span", { class: "subtle" }, "Read-only queries over the history: trades, quotes, bars, option_quotes, indicators, greeks, market_events, chat_messages")),
      editor,
      h("div", { class: "toolbar" }, run, exampleSelect, csv),
      this.els.error,
      this.els.meta,
      this.els.table,
      h("section", { class: "sql-chart" }, h("h2", {}, "Chart"), this.els.chartControls, this.els.chart),
    );
    this.resize = new ResizeObserver(() => this.renderChart());
    this.resize.observe(this.els.chart);
    if (this.result) this.show(this.result);
  }

  update(): void {}

  unmount(): void {
    this.abort?.abort();
    this.resize?.disconnect();
    this.resize = null;
    this.els = null;
  }

  private async run(): Promise<void> {
    const els = this.els;
    if (!els) return;
    const query = els.editor.value.trim();
    if (!query) {
      this.showError("Write a query first: one SELECT.");
      return;
    }
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    els.run.disabled = true;
    els.meta.textContent = "running…";
    els.error.hidden = true;
    try {
      const result = await runSql(query, abort.signal);
      if (abort.signal.aborted) return;
      this.result = result;
      this.yColumn = null;
      this.show(result);
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") return;
      this.showError(e instanceof ApiError ? `${e.status ? `${e.status} · ` : ""}${e.message}` : String(e));
    } finally {
      if (this.els) this.els.run.disabled = false;
    }
  }

  private showError(message: string): void {
    const els = this.els;
    if (!els) return;
    els.error.hidden = false;
    els.error.textContent = message;
    els.meta.textContent = "";
  }

  private show(result: SqlResult): void {
    const els = this.els;
    if (!els) return;
    els.error.hidden = true;
    els.csv.disabled = result.columns.length === 0;
    const shown = Math.min(result.rows.length, TABLE_ROWS);
    els.meta.textContent =
      `${result.row_count.toLocaleString("en-US")} row${result.row_count === 1 ? "" : "s"} in ${result.elapsed_ms.toFixed(0)} ms` +
      (result.truncated ? " (cut off at the server's row limit)" : "") +
      (shown < result.rows.length ? `; the first ${shown} shown, the CSV has all` : "");
    const columns = result.columns;
    const table = h(
      "table",
      { class: "grid sql-table", "data-rows": result.rows.length },
      h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { scope: "col", title: c.type, class: isNumeric(c) ? "num" : "" }, c.name)))),
      h(
        "tbody",
        {},
        ...result.rows.slice(0, TABLE_ROWS).map((row) =>
          h("tr", {}, ...columns.map((c) => h("td", { class: isNumeric(c) ? "num" : "" }, display(row[c.name])))),
        ),
      ),
    );
    replace(els.table, result.rows.length === 0 ? h("p", { class: "empty" }, "No rows.") : table);
    this.renderChartControls();
    this.renderChart();
  }

  private renderChartControls(): void {
    const els = this.els;
    const result = this.result;
    if (!els || !result) return;
    const ys = result.columns.slice(1).filter(isNumeric);
    if (result.columns.length < 2 || ys.length === 0) {
      replace(els.chartControls, h("span", { class: "subtle" }, "A chart needs a numeric column after the first one."));
      return;
    }
    if (!this.yColumn || !ys.some((c) => c.name === this.yColumn)) this.yColumn = ys[0]!.name;
    replace(
      els.chartControls,
      h(
        "label",
        { class: "inline-field" },
        "Column ",
        h(
          "select",
          {
            name: "y-column",
            on: {
              change: (e) => {
                this.yColumn = (e.currentTarget as HTMLSelectElement).value;
                this.renderChart();
              },
            },
          },
          ...ys.map((c) => h("option", { value: c.name, selected: c.name === this.yColumn }, c.name)),
        ),
      ),
      h(
        "div",
        { class: "segmented", role: "group", "aria-label": "Chart type" },
        ...(["line", "bars"] as const).map((t) =>
          h(
            "button",
            {
              type: "button",
              "aria-pressed": t === this.chartType ? "true" : "false",
              on: {
                click: () => {
                  this.chartType = t;
                  this.renderChartControls();
                  this.renderChart();
                },
              },
            },
            t === "line" ? "Line" : "Bars",
          ),
        ),
      ),
    );
  }

  private renderChart(): void {
    const els = this.els;
    const result = this.result;
    if (!els) return;
    const xColumn = result?.columns[0];
    const y = this.yColumn;
    if (!result || !xColumn || !y) {
      els.chart.replaceChildren();
      return;
    }
    const kind = xKind(xColumn);
    const rows = result.rows.slice(0, CHART_ROWS);
    let points: PlotPoint[];
    let categories: string[] | undefined;
    if (kind === "category") {
      categories = rows.map((r) => display(r[xColumn.name]));
      points = rows.map((r, i) => ({ x: i, y: axisValue(r[y], "number") }));
    } else {
      points = rows.map((r) => ({ x: axisValue(r[xColumn.name], kind), y: axisValue(r[y], "number") })).sort((a, b) => a.x - b.x);
    }
    points = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    renderPlot(els.chart, [{ name: y, kind: this.chartType, className: "series-1", dots: points.length <= 40, points }], {
      ...(categories ? { categories } : {}),
      xLabel: xColumn.name,
      yLabel: y,
      formatX: kind === "time" ? (x) => dateTimeUtc(x).slice(11, 19) : (x) => String(Number(x.toPrecision(6))),
      formatY: (v) => String(Number(v.toPrecision(6))),
      height: 260,
    });
  }

  private exportCsv(): void {
    const result = this.result;
    if (!result) return;
    const csv = toCsv(
      result.columns.map((c) => c.name),
      result.rows,
    );
    const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
    const a = h("a", { href: url, download: `finstream-${new Date().toISOString().replaceAll(":", "-").slice(0, 19)}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

function display(v: SqlValue | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10)));
  return String(v);
}
