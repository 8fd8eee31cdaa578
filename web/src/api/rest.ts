// finstream's REST API (`/v1`), same origin, with the stored credentials.

import { authHeaders, loadCredentials } from "./credentials";
import type {
  BarOut,
  BarsPage,
  ChainOut,
  DocumentsOut,
  ErrorBody,
  SearchOut,
  SnapshotOut,
  SqlResult,
} from "./types";

/** A request the API refused or could not answer; `message` is the server's own. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The key is missing, wrong, or lacks the role. */
  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** `fetch` with the stored credentials; a network failure becomes an `ApiError` (status 0). */
export async function fetchWithCredentials(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [k, v] of Object.entries(authHeaders(loadCredentials()))) headers.set(k, v);
  try {
    return await fetch(path, { ...init, headers, signal: signal ?? null });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, `the gateway did not answer (${String(e)}): is finstream running?`);
  }
}

async function request<T>(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<T> {
  const response = await fetchWithCredentials(path, init, signal);
  const text = await response.text();
  if (!response.ok) {
    throw new ApiError(response.status, errorMessage(response.status, response.statusText, text));
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, `the answer to ${path} is not JSON: ${text.slice(0, 200)}`);
  }
}

/** The server's `{"code","message"}` message, or what there is when the body is not one. */
export function errorMessage(status: number, statusText: string, text: string): string {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.message === "string") return body.message;
  } catch {
    // not JSON: a proxy's page, for instance
  }
  return text.trim() || `${status} ${statusText}`;
}

export interface BarsRequest {
  timeframe: string;
  /** RFC 3339 or a date. */
  start?: string;
  end?: string;
  /** Stop after this many bars in all. */
  max?: number;
}

/** Bars of a symbol oldest first, following `next_page_token` up to `max` bars. */
export async function fetchBars(
  symbol: string,
  req: BarsRequest,
  signal?: AbortSignal,
): Promise<BarOut[]> {
  const max = req.max ?? 5000;
  const out: BarOut[] = [];
  let token: string | null = null;
  do {
    const params = new URLSearchParams({ timeframe: req.timeframe, limit: String(Math.min(max - out.length, 10_000)) });
    if (req.start) params.set("start", req.start);
    if (req.end) params.set("end", req.end);
    if (token) params.set("page_token", token);
    const page: BarsPage = await request<BarsPage>(
      `/v1/bars/${encodeURIComponent(symbol)}?${params.toString()}`,
      {},
      signal,
    );
    out.push(...page.bars);
    token = page.next_page_token;
  } while (token && out.length < max);
  return out;
}

export function fetchSnapshot(symbol: string, signal?: AbortSignal): Promise<SnapshotOut> {
  return request<SnapshotOut>(`/v1/snapshot/${encodeURIComponent(symbol)}`, {}, signal);
}

export function fetchChain(symbol: string, signal?: AbortSignal): Promise<ChainOut> {
  return request<ChainOut>(`/v1/options/${encodeURIComponent(symbol)}`, {}, signal);
}

export function runSql(query: string, signal?: AbortSignal): Promise<SqlResult> {
  return request<SqlResult>(
    "/v1/sql",
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, format: "json" }),
    },
    signal,
  );
}

/** Every document with its pipeline status, newest first. */
export function fetchDocuments(signal?: AbortSignal): Promise<DocumentsOut> {
  return request<DocumentsOut>("/v1/documents", {}, signal);
}

export interface SearchRequest {
  q: string;
  k?: number;
  /** Only these documents (ids). */
  documents?: string[];
  tickers?: string[];
  tags?: string[];
}

/** The chunks closest to `q`, with the question's words as highlights. */
export function searchDocuments(req: SearchRequest, signal?: AbortSignal): Promise<SearchOut> {
  const params = new URLSearchParams({ q: req.q, k: String(req.k ?? 5) });
  if (req.documents?.length) params.set("document", req.documents.join(","));
  if (req.tickers?.length) params.set("ticker", req.tickers.join(","));
  if (req.tags?.length) params.set("tag", req.tags.join(","));
  return request<SearchOut>(`/v1/search?${params.toString()}`, {}, signal);
}

/**
 * Whether the gateway takes the stored credentials, asked of `/v1/stream` without an
 * upgrade: the auth guard answers 401/403 before the route would refuse the plain GET.
 * Browsers do not show why a WebSocket handshake failed; this does.
 */
export async function probeStreamAuth(): Promise<ApiError | null> {
  try {
    await request<unknown>("/v1/stream");
    return null;
  } catch (e) {
    return e instanceof ApiError && e.isAuth ? e : null;
  }
}
