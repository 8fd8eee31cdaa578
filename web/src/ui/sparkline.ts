// A price sparkline: one polyline scaled to its own range, green when the last point is at
// or above the first, red below.

import { svg } from "./dom";

export function sparkline(values: readonly number[], width = 120, height = 28): SVGSVGElement {
  const root = svg("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    class: "sparkline",
    "data-points": values.length,
    "aria-hidden": "true",
  });
  if (values.length < 2) return root;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  const step = width / (values.length - 1);
  const points = values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - ((v - lo) / span) * (height - 4)).toFixed(1)}`)
    .join(" ");
  const up = values[values.length - 1]! >= values[0]!;
  root.append(svg("polyline", { points, fill: "none", class: up ? "up" : "down" }));
  return root;
}
