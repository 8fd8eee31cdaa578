// Ticker symbols as the gateway accepts them, and the user's watchlist.

/** The synthetic market's symbols (`synthetic.symbols`): a first watchlist. */
export const DEFAULT_WATCHLIST = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "AMD", "SPY", "QQQ"];

const STORAGE_KEY = "finstream.watchlist";

/** Upper case, letters, digits, '.', '-' or '/', at most 21: the stream's rule. */
export function normalizeSymbol(raw: string): string | null {
  const s = raw.trim().toUpperCase();
  return /^[A-Z0-9./-]{1,21}$/.test(s) ? s : null;
}

export function loadWatchlist(): string[] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
    if (Array.isArray(raw)) {
      const symbols = raw.flatMap((s) => (typeof s === "string" ? [normalizeSymbol(s)] : [])).filter((s): s is string => s !== null);
      return [...new Set(symbols)];
    }
  } catch {
    // fall through to the default
  }
  return [...DEFAULT_WATCHLIST];
}

export function saveWatchlist(symbols: readonly string[]): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(symbols));
}
