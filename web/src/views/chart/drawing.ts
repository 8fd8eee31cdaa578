// The candlestick chart with lightweight-charts: candles and overlays (SMA, EMA, Bollinger)
// in the first pane, then one pane each for volume, RSI and MACD as the settings ask, and
// the market events as series markers. It redraws the least a change needs: the last
// candle alone while trades move it, everything when a bar was inserted or revised.

import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
  type WhitespaceData,
} from "lightweight-charts";
import type { Candle, Change } from "../../market/candles";
import { bollinger, ema, macd, rsi, sma, type Series } from "../../market/indicators";
import type { ChartSettings } from "./settings";

/** A pattern or movement to mark on its bar. */
export interface ChartEvent {
  time: number;
  name: string;
  category: string;
  direction: string;
}

const COLORS = {
  text: "#c9d1d9",
  grid: "#21262d",
  up: "#26a69a",
  down: "#ef5350",
  sma: "#f2c94c",
  ema: "#56ccf2",
  bands: "#bb86fc",
  rsi: "#f2994a",
  macd: "#56ccf2",
  signal: "#f2c94c",
  neutral: "#9aa4b2",
};

type LineSeriesApi = ISeriesApi<"Line">;

interface Lines {
  sma?: LineSeriesApi;
  ema?: LineSeriesApi;
  upper?: LineSeriesApi;
  middle?: LineSeriesApi;
  lower?: LineSeriesApi;
  rsi?: LineSeriesApi;
  macd?: LineSeriesApi;
  signal?: LineSeriesApi;
}

interface Computed {
  sma?: Series;
  ema?: Series;
  upper?: Series;
  middle?: Series;
  lower?: Series;
  rsi?: Series;
  macd?: Series;
  signal?: Series;
  hist?: Series;
}

export interface ChartStats {
  candles: number;
  panes: number;
  /** What each pane shows, top to bottom. */
  paneNames: string[];
  /** Points with a value per indicator series. */
  points: Record<string, number>;
  markers: number;
}

export class PriceChart {
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<"Candlestick">;
  private readonly markers: ISeriesMarkersPluginApi<Time>;
  private readonly lines: Lines = {};
  private volume?: ISeriesApi<"Histogram">;
  private hist?: ISeriesApi<"Histogram">;
  private computed: Computed = {};
  private markerCount = 0;
  private candleCount = 0;
  private readonly paneNames = ["price"];

  constructor(
    container: HTMLElement,
    private readonly settings: ChartSettings,
    secondsVisible: boolean,
  ) {
    this.chart = createChart(container, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: "transparent" },
        textColor: COLORS.text,
        fontFamily: "system-ui, sans-serif",
        panes: { separatorColor: "#30363d", enableResize: true },
      },
      grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
      crosshair: { mode: CrosshairMode.Normal },
      timeScale: { timeVisible: true, secondsVisible, rightOffset: 4 },
      rightPriceScale: { borderColor: "#30363d" },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: COLORS.up,
      downColor: COLORS.down,
      borderVisible: false,
      wickUpColor: COLORS.up,
      wickDownColor: COLORS.down,
    });
    this.markers = createSeriesMarkers(this.candles, []);
    const line = (color: string, pane = 0, width: 1 | 2 = 2, style: LineStyle = LineStyle.Solid) =>
      this.chart.addSeries(LineSeries, { color, lineWidth: width, lineStyle: style, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false }, pane);
    if (settings.sma.on) this.lines.sma = line(COLORS.sma);
    if (settings.ema.on) this.lines.ema = line(COLORS.ema);
    if (settings.bollinger.on) {
      this.lines.upper = line(COLORS.bands, 0, 1);
      this.lines.middle = line(COLORS.bands, 0, 1, LineStyle.Dashed);
      this.lines.lower = line(COLORS.bands, 0, 1);
    }
    let pane = 0;
    if (settings.volume.on) {
      this.volume = this.chart.addSeries(HistogramSeries, { priceFormat: { type: "volume" }, priceLineVisible: false }, ++pane);
      this.paneNames.push("volume");
    }
    if (settings.rsi.on) {
      const series = line(COLORS.rsi, ++pane);
      series.applyOptions({ lastValueVisible: true });
      for (const level of [70, 30]) {
        series.createPriceLine({ price: level, color: COLORS.neutral, lineStyle: LineStyle.Dotted, lineWidth: 1, axisLabelVisible: true, title: "" });
      }
      this.lines.rsi = series;
      this.paneNames.push("rsi");
    }
    if (settings.macd.on) {
      this.hist = this.chart.addSeries(HistogramSeries, { priceLineVisible: false, lastValueVisible: false }, ++pane);
      this.lines.macd = line(COLORS.macd, pane, 1);
      this.lines.signal = line(COLORS.signal, pane, 1);
      this.paneNames.push("macd");
    }
    const panes = this.chart.panes();
    panes[0]?.setStretchFactor(3);
  }

  /** Redraws after `change` to `candles`. */
  render(candles: readonly Candle[], change: Change): void {
    if (change === "none") return;
    this.compute(candles);
    const last = candles[candles.length - 1];
    if (change === "last" && last && this.candleCount === candles.length) {
      const i = candles.length - 1;
      this.candles.update(candleData(last));
      this.volume?.update(volumeData(last));
      for (const [name, series] of Object.entries(this.lines) as [keyof Lines, LineSeriesApi][]) {
        series.update(point(last.time, this.computed[name]?.[i] ?? null));
      }
      this.hist?.update(histData(last.time, this.computed.hist?.[i] ?? null));
      return;
    }
    this.candleCount = candles.length;
    this.candles.setData(candles.map(candleData));
    this.volume?.setData(candles.map(volumeData));
    for (const [name, series] of Object.entries(this.lines) as [keyof Lines, LineSeriesApi][]) {
      const values = this.computed[name] ?? [];
      series.setData(candles.map((c, i) => point(c.time, values[i] ?? null)));
    }
    const hist = this.computed.hist ?? [];
    this.hist?.setData(candles.map((c, i) => histData(c.time, hist[i] ?? null)));
  }

  setEvents(events: readonly ChartEvent[], firstTime: number): void {
    const list: SeriesMarker<Time>[] = events
      .filter((e) => e.time >= firstTime)
      .sort((a, b) => a.time - b.time)
      .map((e) => {
        const bullish = e.direction === "bullish";
        const bearish = e.direction === "bearish";
        return {
          time: e.time as UTCTimestamp,
          position: bearish ? "aboveBar" : "belowBar",
          shape: e.category === "movement" ? "circle" : bullish ? "arrowUp" : bearish ? "arrowDown" : "square",
          color: bullish ? COLORS.up : bearish ? COLORS.down : COLORS.neutral,
          text: markerText(e),
          size: e.category === "movement" ? 0.6 : 1,
          id: `${e.name}@${e.time}`,
        };
      });
    this.markerCount = list.length;
    this.markers.setMarkers(list);
  }

  /** The latest computed value of each indicator, for the legend. */
  latest(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const [name, values] of Object.entries(this.computed) as [string, Series][]) {
      out[name] = values[values.length - 1] ?? null;
    }
    return out;
  }

  stats(): ChartStats {
    const points: Record<string, number> = {};
    for (const [name, values] of Object.entries(this.computed) as [string, Series][]) {
      points[name] = values.filter((v) => v !== null).length;
    }
    return { candles: this.candleCount, panes: this.chart.panes().length, paneNames: [...this.paneNames], points, markers: this.markerCount };
  }

  /** Shows the newest `bars` candles (all of them when there are fewer). */
  showLatest(bars: number): void {
    const n = this.candleCount;
    if (n > bars) this.chart.timeScale().setVisibleLogicalRange({ from: n - bars, to: n + 3 });
    else this.chart.timeScale().fitContent();
  }

  destroy(): void {
    this.chart.remove();
  }

  private compute(candles: readonly Candle[]): void {
    const closes = candles.map((c) => c.close);
    const s = this.settings;
    const c: Computed = {};
    if (s.sma.on) c.sma = sma(closes, s.sma.period);
    if (s.ema.on) c.ema = ema(closes, s.ema.period);
    if (s.bollinger.on) {
      const b = bollinger(closes, s.bollinger.period, s.bollinger.deviations);
      c.upper = b.upper;
      c.middle = b.middle;
      c.lower = b.lower;
    }
    if (s.rsi.on) c.rsi = rsi(closes, s.rsi.period);
    if (s.macd.on) {
      const m = macd(closes, s.macd.fast, s.macd.slow, s.macd.signal);
      c.macd = m.macd;
      c.signal = m.signal;
      c.hist = m.hist;
    }
    this.computed = c;
  }
}

function candleData(c: Candle) {
  return { time: c.time as UTCTimestamp, open: c.open, high: c.high, low: c.low, close: c.close };
}

function volumeData(c: Candle) {
  return { time: c.time as UTCTimestamp, value: c.volume, color: c.close >= c.open ? `${COLORS.up}99` : `${COLORS.down}99` };
}

function point(time: number, value: number | null): LineData<Time> | WhitespaceData<Time> {
  return value === null ? { time: time as UTCTimestamp } : { time: time as UTCTimestamp, value };
}

function histData(time: number, value: number | null) {
  return value === null
    ? { time: time as UTCTimestamp }
    : { time: time as UTCTimestamp, value, color: value >= 0 ? `${COLORS.up}aa` : `${COLORS.down}aa` };
}

/** `cdlengulfing` → `engulfing`, `gap_up` → `gap up`. */
export function shortName(name: string): string {
  return name.replace(/^cdl/, "").replaceAll("_", " ");
}

/** Movements are frequent on short bars: a letter or two keeps the chart readable. */
const MOVEMENT_LABELS: Record<string, string> = {
  new_high: "H",
  new_low: "L",
  breakout_up: "BO",
  breakout_down: "BO",
  gap_up: "gap",
  gap_down: "gap",
  volume_spike: "vol",
};

function markerText(e: ChartEvent): string {
  return e.category === "movement" ? (MOVEMENT_LABELS[e.name] ?? shortName(e.name)) : shortName(e.name);
}
