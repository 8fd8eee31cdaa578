import { describe, expect, it } from "vitest";
import { excerpt, highlightSegments, normalizeRanges } from "./passage";

const marked = (segments: { text: string; mark: boolean }[]): string[] => segments.filter((s) => s.mark).map((s) => s.text);
const joined = (segments: { text: string }[]): string => segments.map((s) => s.text).join("");

describe("highlightSegments", () => {
  it("cuts by code points, as the gateway counts them, with an emoji before the match", () => {
    // A chunk and its highlights as /v1/search returned them: "Northwind" is [9, 18) and
    // "Semiconductors" [21, 35), counting 😀 (two UTF-16 units) as one character.
    const text = "# Notes\n\nNorthwind 😀 Semiconductors guidance was raised.";
    const segments = highlightSegments(text, [
      [9, 18],
      [21, 35],
    ]);
    expect(marked(segments)).toEqual(["Northwind", "Semiconductors"]);
    expect(joined(segments)).toBe(text);
    // Cutting the string by UTF-16 indices would have marked the wrong letters.
    expect(text.slice(21, 35)).not.toBe("Semiconductors");
  });

  it("handles characters outside the BMP inside and at the edges of a match", () => {
    const text = "𝔸𝔹 café 🇺🇸 résumé";
    // Code points: 𝔸 𝔹 ␠ c a f é ␠ 🇺 🇸 ␠ r é s u m é
    expect(marked(highlightSegments(text, [[0, 2]]))).toEqual(["𝔸𝔹"]);
    expect(marked(highlightSegments(text, [[8, 10]]))).toEqual(["🇺🇸"]);
    expect(marked(highlightSegments(text, [[11, 17]]))).toEqual(["résumé"]);
  });

  it("merges overlapping and touching ranges, sorts them and ignores bad ones", () => {
    expect(normalizeRanges([[5, 8], [0, 2], [1, 3], [3, 4], [9, 9], [7, 100], [-4, 1], [2.5, 3]], 10)).toEqual([
      [0, 4],
      [5, 10],
    ]);
    const segments = highlightSegments("abcdefghij", [[6, 8], [0, 2], [1, 3]]);
    expect(segments).toEqual([
      { text: "abc", mark: true },
      { text: "def", mark: false },
      { text: "gh", mark: true },
      { text: "ij", mark: false },
    ]);
  });

  it("returns the text unmarked without highlights, and nothing for an empty text", () => {
    expect(highlightSegments("plain", [])).toEqual([{ text: "plain", mark: false }]);
    expect(highlightSegments("", [[0, 3]])).toEqual([]);
  });

  it("keeps to a window, cutting a range that crosses it", () => {
    const segments = highlightSegments("😀😀abcdef", [[1, 4]], 3, 6);
    expect(segments).toEqual([
      { text: "b", mark: true },
      { text: "cd", mark: false },
    ]);
  });
});

describe("excerpt", () => {
  const words = Array.from({ length: 100 }, (_, i) => `w${i}`);

  it("returns a short passage whole", () => {
    const e = excerpt("short 😀 text", [[8, 12]], 100);
    expect(e).toEqual({ segments: [{ text: "short 😀 ", mark: false }, { text: "text", mark: true }], clippedStart: false, clippedEnd: false });
  });

  it("centres a long passage on its first highlight and cuts at spaces", () => {
    const text = words.join(" ");
    const start = text.indexOf("w50"); // ASCII: code points equal UTF-16 indices
    const e = excerpt(text, [[start, start + 3]], 60);
    const shown = joined(e.segments);
    expect(marked(e.segments)).toEqual(["w50"]);
    expect(e.clippedStart && e.clippedEnd).toBe(true);
    expect(shown.length).toBeLessThanOrEqual(60);
    expect(shown).toMatch(/^w\d+ .* w\d+$/); // whole words at both ends
    expect(shown.indexOf("w50")).toBeGreaterThan(10);
  });

  it("starts at the beginning without highlights", () => {
    const e = excerpt(words.join(" "), [], 30);
    expect(e.clippedStart).toBe(false);
    expect(e.clippedEnd).toBe(true);
    expect(joined(e.segments).startsWith("w0 w1")).toBe(true);
  });
});
