// Indicators for the chart, over whole series, with TA-Lib's definitions (the ones the
// analytics crate follows): SMA; EMA seeded with the SMA of its first `period` inputs;
// RSI with Wilder's smoothing seeded by simple averages, first value at index `period`;
// MACD whose fast EMA starts where the slow one's seed ends, and whose signal EMA is
// seeded likewise, first output at `slow + signal - 2`; Bollinger bands around the SMA
// with the population standard deviation.
//
// The chart computes them from the bars it shows: the API has indicator history only in
// SQL (analyst role), and computing here lets the user pick any period and timeframe.
// Outputs are aligned with the inputs; `null` before an indicator has a value.

export type Series = (number | null)[];

export function sma(xs: readonly number[], period: number): Series {
  const out: Series = new Array<number | null>(xs.length).fill(null);
  if (period < 1) return out;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i]!;
    if (i >= period) sum -= xs[i - period]!;
    if (i >= period - 1) out[i] = sum / period;
  }
  return out;
}

/** EMA of `xs` from index `from` on: seeded at `from + period - 1`. */
export function ema(xs: readonly number[], period: number, from = 0): Series {
  const out: Series = new Array<number | null>(xs.length).fill(null);
  if (period < 1 || xs.length < from + period) return out;
  const k = 2 / (period + 1);
  let seed = 0;
  for (let i = from; i < from + period; i++) seed += xs[i]!;
  let prev = seed / period;
  out[from + period - 1] = prev;
  for (let i = from + period; i < xs.length; i++) {
    prev = (xs[i]! - prev) * k + prev;
    out[i] = prev;
  }
  return out;
}

export function rsi(xs: readonly number[], period: number): Series {
  const out: Series = new Array<number | null>(xs.length).fill(null);
  if (period < 2 || xs.length <= period) return out;
  // TA-Lib's order of operations (times the reciprocal of the period), so that values
  // agree to the last bit.
  const inv = 1 / period;
  const keep = period - 1;
  const split = (d: number): [number, number] => {
    const up = d > 0 ? d : 0;
    return [up, up - d];
  };
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const [up, down] = split(xs[i]! - xs[i - 1]!);
    gain += up;
    loss += down;
  }
  gain *= inv;
  loss *= inv;
  const value = () => {
    const total = gain + loss;
    return total === 0 ? 0 : (gain / total) * 100;
  };
  out[period] = value();
  for (let i = period + 1; i < xs.length; i++) {
    const [up, down] = split(xs[i]! - xs[i - 1]!);
    gain = (gain * keep + up) * inv;
    loss = (down + loss * keep) * inv;
    out[i] = value();
  }
  return out;
}

export interface MacdSeries {
  macd: Series;
  signal: Series;
  hist: Series;
}

export function macd(xs: readonly number[], fast: number, slow: number, signal: number): MacdSeries {
  const [f, s] = fast <= slow ? [fast, slow] : [slow, fast];
  const n = xs.length;
  const empty = (): Series => new Array<number | null>(n).fill(null);
  const out: MacdSeries = { macd: empty(), signal: empty(), hist: empty() };
  const first = s + signal - 2;
  if (n <= first || f < 2 || signal < 1) return out;
  const slowEma = ema(xs, s);
  const fastEma = ema(xs, f, s - f);
  const line: number[] = [];
  for (let i = s - 1; i < n; i++) line.push(fastEma[i]! - slowEma[i]!);
  const signalLine = ema(line, signal);
  for (let j = signal - 1; j < line.length; j++) {
    const i = j + s - 1;
    const m = line[j]!;
    const sig = signalLine[j]!;
    out.macd[i] = m;
    out.signal[i] = sig;
    out.hist[i] = m - sig;
  }
  return out;
}

export interface BandsSeries {
  upper: Series;
  middle: Series;
  lower: Series;
}

export function bollinger(xs: readonly number[], period: number, deviations: number): BandsSeries {
  const middle = sma(xs, period);
  const upper: Series = new Array<number | null>(xs.length).fill(null);
  const lower: Series = new Array<number | null>(xs.length).fill(null);
  for (let i = period - 1; i < xs.length; i++) {
    const mean = middle[i];
    if (mean === null || mean === undefined) continue;
    let sq = 0;
    for (let j = i - period + 1; j <= i; j++) sq += (xs[j]! - mean) ** 2;
    const sd = Math.sqrt(sq / period);
    upper[i] = mean + deviations * sd;
    lower[i] = mean - deviations * sd;
  }
  return { upper, middle, lower };
}
