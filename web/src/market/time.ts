// Times and timeframes. The stream sends nanoseconds since the epoch; REST sends RFC 3339
// with nanoseconds; charts want seconds. Nanosecond numbers lose precision past 2^53 (a
// few hundred nanoseconds today), which nothing here depends on.

/** The timeframes finstream stores and streams bars of (`indicators.timeframes`). */
export const TIMEFRAMES = ["1s", "1m", "5m", "15m", "1h", "1d"] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

const SECONDS: Record<Timeframe, number> = {
  "1s": 1,
  "1m": 60,
  "5m": 300,
  "15m": 900,
  "1h": 3600,
  "1d": 86_400,
};

export function isTimeframe(s: string): s is Timeframe {
  return (TIMEFRAMES as readonly string[]).includes(s);
}

export function timeframeSeconds(tf: Timeframe): number {
  return SECONDS[tf];
}

/** Nanoseconds since the epoch to seconds (fractional). */
export function nanosToSeconds(ns: number): number {
  return ns / 1e9;
}

/** `2026-11-22T01:11:51.123456789Z` to seconds since the epoch (fractional). */
export function rfc3339ToSeconds(s: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) {
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) throw new Error(`not an RFC 3339 time: ${s}`);
    return ms / 1000;
  }
  const whole = Date.parse(`${m[1]}${m[3]}`) / 1000;
  const fraction = m[2] ? Number(m[2]) : 0;
  return whole + fraction;
}

export function secondsToRfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** The UTC day containing `seconds`, as `YYYY-MM-DD`. */
export function utcDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** The start of the UTC day containing `seconds`, in seconds. */
export function utcDayStart(seconds: number): number {
  return Math.floor(seconds / 86_400) * 86_400;
}

/** Days since the epoch (the stream's option expirations) to `YYYY-MM-DD`. */
export function epochDaysToDate(days: number): string {
  return utcDate(days * 86_400);
}
