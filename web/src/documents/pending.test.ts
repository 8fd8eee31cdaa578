import { describe, expect, it } from "vitest";
import type { DocumentOut } from "../api/types";
import { PendingUploads } from "./pending";

function doc(id: string, status: DocumentOut["status"], submitted: number, updated = submitted): DocumentOut {
  const at = (s: number) => `2026-11-22T02:35:${String(s).padStart(2, "0")}.000000000Z`;
  return {
    id, filename: `${id}.pdf`, title: null, author: null, media_type: "application/pdf", size_bytes: 1,
    status, error_code: null, error: null, page_count: 0, little_text_pages: [], chunk_count: 0,
    tickers: [], tags: [], submitted_by: "anonymous", submitted_at: at(submitted), updated_at: at(updated),
  };
}

const ids = (docs: DocumentOut[]) => docs.map((d) => `${d.id}:${d.status}`);

describe("PendingUploads", () => {
  it("shows uploads the server does not list yet, newest first, until it does", () => {
    const p = new PendingUploads();
    const old = doc("old", "embedded", 1);
    p.add(doc("a", "queued", 10));
    expect(ids(p.merge([old]))).toEqual(["a:queued", "old:embedded"]);
    expect(p.size).toBe(1);
    // Listed (in the same state, or further on): the server's own entry from now on.
    expect(ids(p.merge([doc("a", "extracted", 10, 11), old]))).toEqual(["a:extracted", "old:embedded"]);
    expect(p.size).toBe(0);
    expect(ids(p.merge([old]))).toEqual(["old:embedded"]);
  });

  it("keeps every upload of a burst while the list lags, whatever the order of answers", () => {
    // The e2e failure this class fixes: three uploads answered 202 in turn, the list still
    // empty; an upload must not count as listed because an earlier merge showed it.
    const p = new PendingUploads();
    p.add(doc("pdf", "queued", 10));
    expect(ids(p.merge([]))).toEqual(["pdf:queued"]);
    p.add(doc("broken", "queued", 11));
    expect(ids(p.merge([]))).toEqual(["broken:queued", "pdf:queued"]);
    p.add(doc("md", "queued", 12));
    expect(ids(p.merge([doc("pdf", "queued", 10)]))).toEqual(["md:queued", "broken:queued", "pdf:queued"]);
    expect(p.size).toBe(2);
    expect(ids(p.merge([doc("pdf", "embedded", 10, 13), doc("md", "embedded", 12, 13)]))).toEqual(["md:embedded", "broken:queued", "pdf:embedded"]);
    expect(p.size).toBe(1);
    expect(ids(p.merge([doc("pdf", "embedded", 10, 13), doc("md", "embedded", 12, 13), doc("broken", "failed", 11, 13)]))).toEqual([
      "md:embedded",
      "broken:failed",
      "pdf:embedded",
    ]);
    expect(p.size).toBe(0);
  });

  it("shows a failed document uploaded again as queued until the list says so", () => {
    const p = new PendingUploads();
    const failed = doc("a", "failed", 10, 12);
    p.add(doc("a", "queued", 20));
    expect(ids(p.merge([failed]))).toEqual(["a:queued"]);
    expect(ids(p.merge([doc("a", "queued", 20)]))).toEqual(["a:queued"]);
    expect(p.size).toBe(0);
  });

  it("lets a duplicate's answer go at once: the list already has it", () => {
    const p = new PendingUploads();
    const embedded = doc("a", "embedded", 10, 12);
    p.add(embedded);
    expect(ids(p.merge([embedded]))).toEqual(["a:embedded"]);
    expect(p.size).toBe(0);
  });
});
