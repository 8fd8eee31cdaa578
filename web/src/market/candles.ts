// The candles of one symbol and timeframe as the chart shows them: the closed bars finstream
// published (from REST, then the stream, revisions replacing earlier versions), and after
// the newest of them a forming candle built from live trades, since a bar is published only
// once its interval has closed. The forming candle is replaced by the real bar when it
// comes. Buckets are aligned on the epoch (1d: UTC days, `session_utc_offset_minutes` 0).

export interface Candle {
  /** Start, seconds since the epoch. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** False for the candle built from trades after the newest published bar. */
  closed: boolean;
  revision: number;
}

/** What a change did, so that a renderer can redraw the least. */
export type Change = "none" | "last" | "append" | "rewrite";

export class CandleSeries {
  private readonly list: Candle[] = [];

  constructor(readonly seconds: number) {}

  get candles(): readonly Candle[] {
    return this.list;
  }

  get closedCount(): number {
    return this.list.filter((c) => c.closed).length;
  }

  /** Adds or replaces a published bar (a lower revision than the one held is ignored). */
  upsertBar(bar: Omit<Candle, "closed">): Change {
    const candle: Candle = { ...bar, closed: true };
    // Forming candles older than a published bar will never close: drop them.
    let dropped = false;
    while (this.list.length > 0) {
      const last = this.list[this.list.length - 1]!;
      if (last.closed || last.time >= candle.time) break;
      this.list.pop();
      dropped = true;
    }
    const i = this.indexOf(candle.time);
    const existing = this.list[i];
    if (existing && existing.time === candle.time) {
      if (existing.closed && existing.revision > candle.revision) return dropped ? "rewrite" : "none";
      this.list[i] = candle;
      if (dropped) return "rewrite";
      return i === this.list.length - 1 ? "last" : "rewrite";
    }
    this.list.splice(i, 0, candle);
    if (dropped) return "rewrite";
    return i === this.list.length - 1 ? "append" : "rewrite";
  }

  /** Folds a live trade into the forming candle, if it is after the newest closed bar. */
  applyTrade(price: number, size: number, seconds: number): Change {
    const bucket = Math.floor(seconds / this.seconds) * this.seconds;
    const last = this.list[this.list.length - 1];
    if (last?.closed && bucket < last.time + this.seconds) return "none";
    if (last && !last.closed && last.time === bucket) {
      last.high = Math.max(last.high, price);
      last.low = Math.min(last.low, price);
      last.close = price;
      last.volume += size;
      return "last";
    }
    if (last && bucket < last.time) return "none";
    this.list.push({
      time: bucket,
      open: price,
      high: price,
      low: price,
      close: price,
      volume: size,
      closed: false,
      revision: -1,
    });
    return "append";
  }

  /** The index of the candle at `time`, or where it would go. */
  private indexOf(time: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.list[mid]!.time < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
