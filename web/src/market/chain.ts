// Analytics over one snapshot of an option chain, computed in the browser from the chain
// the API returns, with the definitions of the analytics crate (`options/chain.rs`):
// the smile uses the out-of-the-money side at each strike; at the money is the listed
// strike nearest the spot (the lower on a tie) with the mean of call and put IV; put/call
// ratios over volume and open interest; max pain is the listed strike minimising what
// holders of open contracts would collect, exactly, in thousandths.

import type { OptionType } from "../api/types";

export interface ChainRow {
  type: OptionType;
  /** Strike in thousandths, exact. */
  strikeMilli: number;
  expiration: string;
  impliedVolatility: number | null;
  volume: number;
  openInterest: number;
}

export interface SmilePoint {
  strike: number;
  iv: number;
}

export interface TermPoint {
  expiration: string;
  atmStrike: number;
  iv: number;
}

export interface Ratios {
  volume: number | null;
  openInterest: number | null;
}

export interface MaxPain {
  expiration: string;
  strike: number;
  /** In underlying price units (times the multiplier, usually 100, for currency). */
  payout: number;
}

export function toMilli(strike: number): number {
  return Math.round(strike * 1000);
}

function usableIv(iv: number | null): number | null {
  return iv !== null && Number.isFinite(iv) && iv > 0 ? iv : null;
}

interface Pair {
  call: number | null;
  put: number | null;
}

function mean(p: Pair): number | null {
  if (p.call !== null && p.put !== null) return 0.5 * (p.call + p.put);
  return p.call ?? p.put;
}

/** Expiration, then strike (ascending), to the IVs listed there. */
function byExpiryAndStrike(rows: readonly ChainRow[]): Map<string, Map<number, Pair>> {
  const table = new Map<string, Map<number, Pair>>();
  for (const r of rows) {
    const iv = usableIv(r.impliedVolatility);
    if (iv === null) continue;
    let strikes = table.get(r.expiration);
    if (!strikes) table.set(r.expiration, (strikes = new Map()));
    let pair = strikes.get(r.strikeMilli);
    if (!pair) strikes.set(r.strikeMilli, (pair = { call: null, put: null }));
    pair[r.type] = iv;
  }
  const sorted = new Map<string, Map<number, Pair>>();
  for (const e of [...table.keys()].sort()) {
    const strikes = table.get(e)!;
    sorted.set(e, new Map([...strikes.entries()].sort((a, b) => a[0] - b[0])));
  }
  return sorted;
}

/** The smile of one expiration, strikes ascending. */
export function smile(rows: readonly ChainRow[], expiration: string, spot: number): SmilePoint[] {
  const strikes = byExpiryAndStrike(rows.filter((r) => r.expiration === expiration)).get(expiration);
  if (!strikes) return [];
  const out: SmilePoint[] = [];
  for (const [milli, pair] of strikes) {
    const k = milli / 1000;
    const iv = k < spot ? (pair.put ?? pair.call) : k > spot ? (pair.call ?? pair.put) : mean(pair);
    if (iv !== null) out.push({ strike: k, iv });
  }
  return out;
}

/** At-the-money IV per expiration, expirations ascending. */
export function termStructure(rows: readonly ChainRow[], spot: number): TermPoint[] {
  const out: TermPoint[] = [];
  for (const [expiration, strikes] of byExpiryAndStrike(rows)) {
    let best: [number, Pair] | null = null;
    for (const entry of strikes) {
      // Strikes ascend and only a strictly nearer one replaces: the lower wins a tie.
      if (best === null || Math.abs(entry[0] / 1000 - spot) < Math.abs(best[0] / 1000 - spot)) {
        best = entry;
      }
    }
    if (!best) continue;
    const iv = mean(best[1]);
    if (iv !== null) out.push({ expiration, atmStrike: best[0] / 1000, iv });
  }
  return out;
}

export function putCallRatios(rows: readonly ChainRow[]): Ratios {
  let putVolume = 0;
  let callVolume = 0;
  let putOi = 0;
  let callOi = 0;
  for (const r of rows) {
    if (r.type === "call") {
      callVolume += r.volume;
      callOi += r.openInterest;
    } else {
      putVolume += r.volume;
      putOi += r.openInterest;
    }
  }
  return {
    volume: callVolume !== 0 ? putVolume / callVolume : null,
    openInterest: callOi !== 0 ? putOi / callOi : null,
  };
}

/** Max pain per expiration with open interest, expirations ascending. */
export function maxPain(rows: readonly ChainRow[]): MaxPain[] {
  const byExpiry = new Map<string, ChainRow[]>();
  for (const r of rows) {
    const list = byExpiry.get(r.expiration);
    if (list) list.push(r);
    else byExpiry.set(r.expiration, [r]);
  }
  const out: MaxPain[] = [];
  for (const expiration of [...byExpiry.keys()].sort()) {
    const listed = byExpiry.get(expiration)!;
    if (!listed.some((r) => r.openInterest !== 0)) continue;
    const strikes = [...new Set(listed.map((r) => r.strikeMilli))].sort((a, b) => a - b);
    let best: { strike: number; payout: bigint } | null = null;
    for (const settle of strikes) {
      // BigInt: open interest times thousandths can pass 2^53 on a big chain.
      let payout = 0n;
      for (const r of listed) {
        const intrinsic = r.type === "call" ? settle - r.strikeMilli : r.strikeMilli - settle;
        if (intrinsic > 0) payout += BigInt(r.openInterest) * BigInt(intrinsic);
      }
      if (best === null || payout < best.payout) best = { strike: settle, payout };
    }
    if (best) out.push({ expiration, strike: best.strike / 1000, payout: Number(best.payout) / 1000 });
  }
  return out;
}

/** An OCC option symbol: root, expiration, right and strike (`AAPL261222C00440000`). */
export interface OccSymbol {
  root: string;
  expiration: string;
  type: OptionType;
  strike: number;
}

export function parseOcc(symbol: string): OccSymbol | null {
  const m = /^([A-Z0-9.]{1,6})\s*(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/.exec(symbol);
  if (!m) return null;
  return {
    root: m[1]!,
    expiration: `20${m[2]}-${m[3]}-${m[4]}`,
    type: m[5] === "C" ? "call" : "put",
    strike: Number(m[6]) / 1000,
  };
}
