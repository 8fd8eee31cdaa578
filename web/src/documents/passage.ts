// A retrieved passage with the question's words marked. The gateway gives highlights as
// `[start, end)` offsets in Unicode code points (Rust `char`s), while JavaScript strings
// index UTF-16 code units: an emoji or a CJK extension character before a match would
// shift every UTF-16 offset by one. So the text is cut as an array of code points.

/** A run of a passage, marked when it is one of the question's words. */
export interface Segment {
  text: string;
  mark: boolean;
}

/** A passage cut to a window around its first highlight. */
export interface Excerpt {
  segments: Segment[];
  /** Text was left out before / after the window. */
  clippedStart: boolean;
  clippedEnd: boolean;
}

/** Sorted, clamped to `[0, length]`, empty and malformed ranges dropped, overlaps merged. */
export function normalizeRanges(ranges: readonly (readonly number[])[], length: number): [number, number][] {
  const clean = ranges
    .filter((r) => r.length === 2 && Number.isInteger(r[0]) && Number.isInteger(r[1]))
    .map((r): [number, number] => [Math.max(0, r[0]!), Math.min(length, r[1]!)])
    .filter(([a, b]) => a < b)
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: [number, number][] = [];
  for (const r of clean) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/**
 * `text` split into marked and unmarked runs by code-point `ranges`, within the code-point
 * window `[from, to)` (the whole text by default). Adjacent runs never have the same mark.
 */
export function highlightSegments(text: string, ranges: readonly (readonly number[])[], from = 0, to?: number): Segment[] {
  const points = Array.from(text);
  const end = Math.min(to ?? points.length, points.length);
  const start = Math.max(0, Math.min(from, end));
  const out: Segment[] = [];
  const push = (a: number, b: number, mark: boolean): void => {
    if (a >= b) return;
    const piece = points.slice(a, b).join("");
    const last = out[out.length - 1];
    if (last && last.mark === mark) last.text += piece;
    else out.push({ text: piece, mark });
  };
  let at = start;
  for (const [a, b] of normalizeRanges(ranges, points.length)) {
    if (b <= start || a >= end) continue;
    push(at, Math.max(a, start), false);
    push(Math.max(a, start), Math.min(b, end), true);
    at = Math.min(b, end);
  }
  push(at, end, false);
  return out;
}

/**
 * At most about `max` code points of `text` around its first highlight (a third of the
 * window before it), cut at spaces so no word is split, with the highlights inside.
 */
export function excerpt(text: string, ranges: readonly (readonly number[])[], max: number): Excerpt {
  const points = Array.from(text);
  const n = points.length;
  if (n <= max) return { segments: highlightSegments(text, ranges), clippedStart: false, clippedEnd: false };
  const first = normalizeRanges(ranges, n)[0];
  let start = first ? Math.max(0, first[0] - Math.floor(max / 3)) : 0;
  let end = Math.min(n, start + max);
  start = Math.max(0, end - max);
  // Move inward to the nearest space, unless the word is longer than a sixth of the window.
  const slack = Math.floor(max / 6);
  if (start > 0) {
    const space = findSpace(points, start, Math.min(n, start + slack), 1);
    if (space >= 0 && (!first || space < first[0])) start = space + 1;
  }
  if (end < n) {
    const space = findSpace(points, end - 1, Math.max(start, end - slack), -1);
    if (space > start) end = space;
  }
  return { segments: highlightSegments(text, ranges, start, end), clippedStart: start > 0, clippedEnd: end < n };
}

function findSpace(points: string[], from: number, to: number, step: 1 | -1): number {
  for (let i = from; step > 0 ? i < to : i >= to; i += step) {
    if (/\s/.test(points[i]!)) return i;
  }
  return -1;
}
