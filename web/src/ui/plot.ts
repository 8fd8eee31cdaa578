// Small SVG plots (lines, points, bars) with proportional numeric axes or categories: the
// IV smile (strike), the term structure (days to expiry), and SQL results. The candlestick
// chart uses lightweight-charts, whose horizontal scale is one slot per bar and so cannot
// space expiries by their distance in time.

import { svg } from "./dom";

export interface PlotPoint {
  x: number;
  y: number;
  /** Tooltip; defaults to the formatted x and y. */
  label?: string;
}

export interface PlotSeries {
  name: string;
  kind: "line" | "bars";
  points: PlotPoint[];
  /** A CSS class giving the colour (`series-1` ...). */
  className: string;
  /** Draw a dot on each point (lines with few points). */
  dots?: boolean;
}

export interface PlotOptions {
  /** x values are indices into these labels. */
  categories?: string[];
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
  xLabel?: string;
  yLabel?: string;
  /** A vertical guide, e.g. the spot on a smile. */
  guideX?: { x: number; label: string };
  height?: number;
}

const MARGIN = { top: 18, right: 16, bottom: 38, left: 58 };

/** Draws `series` into `container` at its current width (call again after a resize). */
export function renderPlot(container: HTMLElement, series: PlotSeries[], options: PlotOptions = {}): void {
  const width = Math.max(260, container.clientWidth || 600);
  const height = options.height ?? 240;
  const formatX = options.formatX ?? ((x: number) => String(x));
  const formatY = options.formatY ?? ((y: number) => String(y));
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const root = svg("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    class: "plot",
    role: "img",
    "aria-label": series.map((s) => `${s.name}: ${s.points.length} points`).join("; "),
  });
  container.replaceChildren(root);
  if (all.length === 0) {
    root.append(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "plot-empty" }, "no data"));
    return;
  }
  const categories = options.categories;
  const hasBars = series.some((s) => s.kind === "bars");
  let [x0, x1] = categories ? [-0.5, categories.length - 0.5] : extent(all.map((p) => p.x));
  if (!categories && hasBars) {
    const gap = minGap(all.map((p) => p.x));
    x0 -= gap / 2;
    x1 += gap / 2;
  }
  if (options.guideX && !categories) {
    x0 = Math.min(x0, options.guideX.x);
    x1 = Math.max(x1, options.guideX.x);
  }
  let [y0, y1] = extent(all.map((p) => p.y));
  if (hasBars) {
    y0 = Math.min(0, y0);
    y1 = Math.max(0, y1);
  }
  const yTicks = niceTicks(y0, y1, 5);
  y0 = Math.min(y0, yTicks[0] ?? y0);
  y1 = Math.max(y1, yTicks[yTicks.length - 1] ?? y1);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;

  const axes = svg("g", { class: "plot-axes" });
  for (const t of yTicks) {
    axes.append(
      svg("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: sy(t), y2: sy(t), class: "plot-grid" }),
      svg("text", { x: MARGIN.left - 6, y: sy(t) + 4, "text-anchor": "end" }, formatY(t)),
    );
  }
  const xTicks = categories
    ? sampleIndices(categories.length, Math.max(2, Math.floor(plotW / 70)))
    : niceTicks(x0, x1, Math.max(2, Math.floor(plotW / 80)));
  for (const t of xTicks) {
    const label = categories ? (categories[t] ?? "") : formatX(t);
    axes.append(svg("text", { x: sx(t), y: height - MARGIN.bottom + 16, "text-anchor": "middle" }, truncate(label, 14)));
  }
  axes.append(
    svg("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: sy(y0), y2: sy(y0), class: "plot-axis" }),
  );
  if (options.xLabel) {
    axes.append(svg("text", { x: MARGIN.left + plotW / 2, y: height - 4, "text-anchor": "middle", class: "plot-label" }, options.xLabel));
  }
  if (options.yLabel) {
    axes.append(
      svg("text", { x: 12, y: MARGIN.top + plotH / 2, transform: `rotate(-90 12 ${MARGIN.top + plotH / 2})`, "text-anchor": "middle", class: "plot-label" }, options.yLabel),
    );
  }
  root.append(axes);

  if (options.guideX) {
    const gx = sx(options.guideX.x);
    root.append(
      svg("line", { x1: gx, x2: gx, y1: MARGIN.top, y2: MARGIN.top + plotH, class: "plot-guide" }),
      svg("text", { x: gx + 4, y: MARGIN.top + 10, class: "plot-guide-label" }, options.guideX.label),
    );
  }

  const barSeries = series.filter((s) => s.kind === "bars");
  const slot = categories ? plotW / Math.max(1, categories.length) : (minGap(all.map((p) => p.x)) / (x1 - x0 || 1)) * plotW;
  const barW = Math.max(1, (slot * 0.8) / Math.max(1, barSeries.length));
  series.forEach((s) => {
    const g = svg("g", { class: `plot-series ${s.className}`, "data-series": s.name, "data-points": s.points.length });
    const tip = (p: PlotPoint) => p.label ?? `${s.name}: ${categories ? (categories[p.x] ?? p.x) : formatX(p.x)} → ${formatY(p.y)}`;
    if (s.kind === "bars") {
      const k = barSeries.indexOf(s);
      for (const p of s.points) {
        const left = sx(p.x) - (barW * barSeries.length) / 2 + k * barW;
        const top = Math.min(sy(p.y), sy(0));
        const rect = svg("rect", { x: left, y: top, width: barW, height: Math.max(1, Math.abs(sy(p.y) - sy(0))) });
        rect.append(svg("title", {}, tip(p)));
        g.append(rect);
      }
    } else {
      const pts = s.points.filter((p) => Number.isFinite(p.y));
      if (pts.length > 1) {
        g.append(svg("polyline", { points: pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" "), fill: "none" }));
      }
      if (s.dots || pts.length === 1) {
        for (const p of pts) {
          const dot = svg("circle", { cx: sx(p.x), cy: sy(p.y), r: 3.5 });
          dot.append(svg("title", {}, tip(p)));
          g.append(dot);
        }
      }
    }
    root.append(g);
  });

  if (series.length > 1) {
    // Top right, above the plot area's corner, where smiles and curves rarely are.
    const legend = svg("g", { class: "plot-legend" });
    const widthOf = (name: string) => 24 + name.length * 6.5;
    let x = width - MARGIN.right - series.reduce((w, s) => w + widthOf(s.name), 0);
    for (const s of series) {
      legend.append(
        svg("rect", { x, y: 1, width: 10, height: 10, class: s.className }),
        svg("text", { x: x + 14, y: 10 }, s.name),
      );
      x += widthOf(s.name);
    }
    root.append(legend);
  }
}

function extent(xs: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.05 || 1;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

function minGap(xs: number[]): number {
  const sorted = [...new Set(xs)].sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < sorted.length; i++) gap = Math.min(gap, sorted[i]! - sorted[i - 1]!);
  return Number.isFinite(gap) ? gap : 1;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

function sampleIndices(n: number, most: number): number[] {
  if (n <= most) return [...Array(n).keys()];
  const step = Math.ceil(n / most);
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
