// How numbers and times are shown.

const DASH = "–";

export function price(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  const digits = Math.abs(x) < 1 ? 4 : 2;
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function signed(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  const s = x.toFixed(digits);
  return x > 0 ? `+${s}` : s;
}

export function percent(x: number | null | undefined, digits = 2, withSign = false): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  const s = `${(x * 100).toFixed(digits)}%`;
  return withSign && x > 0 ? `+${s}` : s;
}

/** 1,234 / 12.3K / 4.56M / 7.89B. */
export function compact(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}K`;
  return Math.round(x).toLocaleString("en-US");
}

export function integer(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  return Math.round(x).toLocaleString("en-US");
}

/** A Greek or ratio: a fixed number of significant decimals. */
export function fixed(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  return x.toFixed(digits);
}

/** `HH:MM:SS` in UTC, for seconds since the epoch. */
export function clockUtc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(11, 19);
}

export function dateTimeUtc(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A file size: 812 B, 29.2 KB, 4.3 MB (powers of 1024, as upload limits are set in MiB). */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
