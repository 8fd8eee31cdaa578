// One watchlist symbol's live numbers, from history and the stream, without I/O.
//
// - Last price: the newest trade (by event time) seen in the snapshot or the stream.
// - Change: against the previous day's close when a daily bar of an earlier UTC day
//   exists (or the last price before the day rolled over), else against the day's open:
//   the first minute bar's, or in the day's first minute the first second bar's.
// - Volume: the day's closed one-minute bars, then the one-second bars after the newest of
//   them, then the trades after the newest second bar (a bar is published when its
//   interval closes, and its volume then replaces the finer pieces').
// - Sparkline: the last hour of one-minute closes once there are enough of them, else
//   the last two minutes of one-second closes; then the last price.

export type ReferenceKind = "previous close" | "open";

const SPARK_MINUTES = 60;
const SPARK_SECONDS = 120;
/** Fewer minute bars than this and the sparkline uses second bars. */
const MINUTES_ENOUGH = 20;

export interface BarPoint {
  /** Start, seconds. */
  start: number;
  end: number;
  open: number;
  close: number;
  volume: number;
  revision: number;
}

export class SymbolTicker {
  last: number | null = null;
  lastTime = -Infinity;
  /** Sign of the last price move, for flashing. */
  direction = 0;
  private previousClose: number | null = null;
  private dayStart: number | null = null;
  private readonly minutes = new Map<number, BarPoint>();
  private readonly seconds = new Map<number, BarPoint>();
  private trades: { time: number; size: number }[] = [];

  constructor(readonly symbol: string) {}

  /** The UTC day being counted; set from the newest trade's time. */
  setDay(dayStart: number): void {
    if (this.dayStart === dayStart) return;
    if (this.dayStart !== null && dayStart < this.dayStart) return;
    const rolled = this.dayStart !== null;
    this.dayStart = dayStart;
    for (const start of [...this.minutes.keys()]) if (start < dayStart) this.minutes.delete(start);
    this.trades = this.trades.filter((t) => t.time >= dayStart);
    if (rolled && this.last !== null) this.previousClose = this.last;
    if (rolled) this.seconds.clear();
  }

  applyTrade(price: number, size: number, time: number): void {
    // A new day first, so that the previous close is the last price before this trade.
    this.setDay(Math.floor(time / 86_400) * 86_400);
    if (time >= this.lastTime) {
      this.direction = this.last === null ? 0 : Math.sign(price - this.last);
      this.last = price;
      this.lastTime = time;
    }
    if (this.dayStart !== null && time < this.dayStart) return;
    if (time >= this.secondEnd()) this.trades.push({ time, size });
  }

  applyMinuteBar(bar: BarPoint): void {
    if (this.dayStart !== null && bar.start < this.dayStart) return;
    const held = this.minutes.get(bar.start);
    if (held && held.revision > bar.revision) return;
    this.minutes.set(bar.start, bar);
    this.dropCoveredTrades();
  }

  applySecondBar(bar: BarPoint): void {
    const held = this.seconds.get(bar.start);
    if (held && held.revision > bar.revision) return;
    this.seconds.set(bar.start, bar);
    this.dropCoveredTrades();
    if (this.seconds.size > SPARK_SECONDS * 2) {
      const keep = [...this.seconds.keys()].sort((a, b) => a - b).slice(-SPARK_SECONDS);
      for (const k of [...this.seconds.keys()]) if (!keep.includes(k)) this.seconds.delete(k);
    }
  }

  /** The previous day's close, from a daily bar that started before the counted day. */
  setPreviousClose(close: number): void {
    this.previousClose = close;
  }

  get reference(): { price: number; kind: ReferenceKind } | null {
    if (this.previousClose !== null) return { price: this.previousClose, kind: "previous close" };
    // Second bars are kept for the last few minutes only: they hold the day's open while
    // no minute bar has closed, i.e. in its first minute.
    const first = earliest(this.minutes) ?? earliest(this.seconds, this.dayStart ?? -Infinity);
    return first ? { price: first.open, kind: "open" } : null;
  }

  get change(): number | null {
    return this.last !== null && this.reference ? this.last - this.reference.price : null;
  }

  get changeRatio(): number | null {
    const c = this.change;
    return c !== null && this.reference && this.reference.price !== 0 ? c / this.reference.price : null;
  }

  get volume(): number {
    const minuteEnd = this.minuteEnd();
    const secondEnd = this.secondEnd();
    let v = 0;
    for (const b of this.minutes.values()) v += b.volume;
    for (const b of this.seconds.values()) if (b.start >= minuteEnd) v += b.volume;
    for (const t of this.trades) if (t.time >= secondEnd) v += t.size;
    return v;
  }

  get spark(): number[] {
    const closes = (m: Map<number, BarPoint>, n: number) =>
      [...m.values()]
        .sort((a, b) => a.start - b.start)
        .slice(-n)
        .map((b) => b.close);
    const points = this.minutes.size >= MINUTES_ENOUGH ? closes(this.minutes, SPARK_MINUTES) : closes(this.seconds, SPARK_SECONDS);
    if (this.last !== null) points.push(this.last);
    return points;
  }

  /** The end of the newest closed minute bar of the day (the day's start if none). */
  minuteEnd(): number {
    let end = this.dayStart ?? -Infinity;
    for (const b of this.minutes.values()) end = Math.max(end, b.end);
    return end;
  }

  /** The end of the newest second bar after the minute bars (`minuteEnd` if none). */
  secondEnd(): number {
    const minuteEnd = this.minuteEnd();
    let end = minuteEnd;
    for (const b of this.seconds.values()) if (b.start >= minuteEnd) end = Math.max(end, b.end);
    return end;
  }

  private dropCoveredTrades(): void {
    const end = this.secondEnd();
    this.trades = this.trades.filter((t) => t.time >= end);
  }
}

function earliest(bars: Map<number, BarPoint>, from = -Infinity): BarPoint | undefined {
  let first: BarPoint | undefined;
  for (const b of bars.values()) if (b.start >= from && (!first || b.start < first.start)) first = b;
  return first;
}
