import { describe, expect, it } from "vitest";
import { citationParts, citedNumbers } from "./citations";

const known = new Set([1, 2, 3]);

describe("citationParts", () => {
  it("links each [n] of a known source, keeping the text around it", () => {
    // An extractive answer as /v1/chat gave it.
    const answer = "We rate Northwind Semiconductors Hold with a price target of $227 per share. [3] Guidance was raised. [1]";
    expect(citationParts(answer, known)).toEqual([
      { kind: "text", text: "We rate Northwind Semiconductors Hold with a price target of $227 per share. " },
      { kind: "cite", n: 3, label: "[3]" },
      { kind: "text", text: " Guidance was raised. " },
      { kind: "cite", n: 1, label: "[1]" },
    ]);
  });

  it("leaves numbers that are no source as text: years, unknown sources, unfinished brackets", () => {
    expect(citationParts("In [2024] and [9] and [1", known)).toEqual([{ kind: "text", text: "In [2024] and [9] and [1" }]);
    expect(citationParts("", known)).toEqual([]);
  });

  it("links the numbers of a group separately and keeps its brackets", () => {
    const parts = citationParts("Both say so [1, 3;9].", known);
    expect(parts).toEqual([
      { kind: "text", text: "Both say so [" },
      { kind: "cite", n: 1, label: "1" },
      { kind: "text", text: ", " },
      { kind: "cite", n: 3, label: "3" },
      { kind: "text", text: ";9]." },
    ]);
    expect(parts.map((p) => (p.kind === "text" ? p.text : p.label)).join("")).toBe("Both say so [1, 3;9].");
  });

  it("handles adjacent citations and non-BMP text between them", () => {
    const parts = citationParts("😀[1][2]𝔸", known);
    expect(parts).toEqual([
      { kind: "text", text: "😀" },
      { kind: "cite", n: 1, label: "[1]" },
      { kind: "cite", n: 2, label: "[2]" },
      { kind: "text", text: "𝔸" },
    ]);
    expect(citedNumbers(citationParts("[2] a [1] b [2]", known))).toEqual([2, 1]);
  });
});
