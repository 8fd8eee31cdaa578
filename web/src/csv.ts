// RFC 4180 CSV: fields with a comma, quote, CR or LF are quoted, quotes doubled; CRLF rows.

import type { SqlValue } from "./api/types";

function field(v: SqlValue | undefined): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(columns: readonly string[], rows: readonly Record<string, SqlValue>[]): string {
  const lines = [columns.map(field).join(",")];
  for (const row of rows) lines.push(columns.map((c) => field(row[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
