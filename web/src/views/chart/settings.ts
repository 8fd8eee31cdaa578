// Which overlays and panes the chart shows, with their parameters; kept in localStorage.

import { h } from "../../ui/dom";

export interface ChartSettings {
  sma: { on: boolean; period: number };
  ema: { on: boolean; period: number };
  bollinger: { on: boolean; period: number; deviations: number };
  volume: { on: boolean };
  rsi: { on: boolean; period: number };
  macd: { on: boolean; fast: number; slow: number; signal: number };
}

export const DEFAULT_SETTINGS: ChartSettings = {
  sma: { on: true, period: 20 },
  ema: { on: true, period: 50 },
  bollinger: { on: false, period: 20, deviations: 2 },
  volume: { on: true },
  rsi: { on: true, period: 14 },
  macd: { on: true, fast: 12, slow: 26, signal: 9 },
};

const STORAGE_KEY = "finstream.chart";

export function loadSettings(): ChartSettings {
  const settings = structuredClone(DEFAULT_SETTINGS);
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
    if (typeof saved === "object" && saved !== null) {
      // Field by field, so a setting added later keeps its default.
      for (const [name, defaults] of Object.entries(settings) as [keyof ChartSettings, Record<string, number | boolean>][]) {
        const s = (saved as Record<string, unknown>)[name];
        if (typeof s !== "object" || s === null) continue;
        for (const field of Object.keys(defaults)) {
          const v = (s as Record<string, unknown>)[field];
          if (typeof v === typeof defaults[field]) defaults[field] = v as number | boolean;
        }
      }
    }
  } catch {
    // defaults
  }
  return settings;
}

export function saveSettings(settings: ChartSettings): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
}

/** The overlay and pane toggles, each with its parameters; calls `onChange` with a copy. */
export function settingsControls(settings: ChartSettings, onChange: (s: ChartSettings) => void): HTMLElement {
  const s = structuredClone(settings);
  const changed = () => {
    saveSettings(s);
    onChange(structuredClone(s));
  };
  const toggle = (label: string, target: { on: boolean }, ...params: HTMLElement[]) =>
    h(
      "span",
      { class: "indicator-toggle" },
      h(
        "label",
        {},
        h("input", {
          type: "checkbox",
          name: label.toLowerCase(),
          checked: target.on,
          on: {
            change: (e) => {
              target.on = (e.currentTarget as HTMLInputElement).checked;
              changed();
            },
          },
        }),
        ` ${label}`,
      ),
      ...params,
    );
  const number = <T extends object>(target: T, field: keyof T & string, label: string, min: number, max: number, step = 1) =>
    h("input", {
      type: "number",
      class: "param",
      name: `${label}`,
      "aria-label": label,
      value: String(target[field]),
      min,
      max,
      step,
      on: {
        change: (e) => {
          const input = e.currentTarget as HTMLInputElement;
          const v = Number(input.value);
          if (!Number.isFinite(v) || v < min || v > max) {
            input.value = String(target[field]);
            return;
          }
          (target as Record<string, unknown>)[field] = v;
          changed();
        },
      },
    });
  return h(
    "div",
    { class: "indicator-controls", role: "group", "aria-label": "Indicators" },
    h("span", { class: "group-label" }, "Overlays"),
    toggle("SMA", s.sma, number(s.sma, "period", "SMA period", 2, 500)),
    toggle("EMA", s.ema, number(s.ema, "period", "EMA period", 2, 500)),
    toggle("Bollinger", s.bollinger, number(s.bollinger, "period", "Bollinger period", 2, 500), number(s.bollinger, "deviations", "Bollinger deviations", 0.5, 5, 0.5)),
    h("span", { class: "group-label" }, "Panes"),
    toggle("Volume", s.volume),
    toggle("RSI", s.rsi, number(s.rsi, "period", "RSI period", 2, 200)),
    toggle(
      "MACD",
      s.macd,
      number(s.macd, "fast", "MACD fast period", 2, 200),
      number(s.macd, "slow", "MACD slow period", 2, 400),
      number(s.macd, "signal", "MACD signal period", 1, 200),
    ),
  );
}
