// An answer's citations: `[n]` cites `sources[n-1]`, and LLMs also write groups such as
// `[1, 3]`. Numbers that name no source (a year in brackets, a half-streamed `[1`) stay
// text, so a link always leads somewhere.

export type AnswerPart =
  | { kind: "text"; text: string }
  /** `label` is what is shown: `[2]` for a lone citation, `2` inside a group. */
  | { kind: "cite"; n: number; label: string };

const GROUP = /\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]/g;

/** `answer` as text and citations of the source numbers in `known`. */
export function citationParts(answer: string, known: ReadonlySet<number>): AnswerPart[] {
  const parts: AnswerPart[] = [];
  const text = (t: string): void => {
    if (!t) return;
    const last = parts[parts.length - 1];
    if (last?.kind === "text") last.text += t;
    else parts.push({ kind: "text", text: t });
  };
  let at = 0;
  for (const m of answer.matchAll(GROUP)) {
    const inner = m[1]!;
    const numbers = inner.split(/[,;]/).map((s) => Number(s.trim()));
    if (!numbers.some((n) => known.has(n))) continue;
    text(answer.slice(at, m.index));
    at = m.index + m[0].length;
    if (numbers.length === 1) {
      parts.push({ kind: "cite", n: numbers[0]!, label: m[0] });
      continue;
    }
    // A group keeps its brackets and separators as text; each known number is a link.
    text("[");
    const pieces = inner.split(/([,;]\s*)/);
    for (const piece of pieces) {
      const n = Number(piece.trim());
      if (/^\s*\d+\s*$/.test(piece) && known.has(n)) {
        const lead = piece.match(/^\s*/)![0];
        text(lead);
        parts.push({ kind: "cite", n, label: piece.trim() });
        text(piece.slice(lead.length + piece.trim().length));
      } else {
        text(piece);
      }
    }
    text("]");
  }
  text(answer.slice(at));
  return parts;
}

/** The source numbers an answer cites, in order of first citation. */
export function citedNumbers(parts: readonly AnswerPart[]): number[] {
  const seen: number[] = [];
  for (const p of parts) if (p.kind === "cite" && !seen.includes(p.n)) seen.push(p.n);
  return seen;
}
