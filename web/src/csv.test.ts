import { describe, expect, it } from "vitest";
import { toCsv } from "./csv";

describe("toCsv", () => {
  it("quotes what RFC 4180 says to and leaves nulls empty", () => {
    const csv = toCsv(["a", "b,c"], [
      { a: 'say "hi"', "b,c": 1.5 },
      { a: null, "b,c": "line\nbreak" },
      { a: true },
    ]);
    expect(csv).toBe('a,"b,c"\r\n"say ""hi""",1.5\r\n,"line\nbreak"\r\ntrue,\r\n');
  });
});
