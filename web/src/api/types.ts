// The gateway's wire formats, as `gateway/src/rest/v1.rs`, `gateway/src/docs.rs`, `gateway/src/chat/` and
// `gateway/src/stream.rs` write them. REST times are RFC 3339 strings; stream times are nanoseconds since the
// Unix epoch (UTC), as numbers (precise to about a microsecond, which is all we use).

/** An error body: every 4xx and 5xx of the API. */
export interface ErrorBody {
  code: number;
  message: string;
}

// ---- REST -------------------------------------------------------------------------

export interface BarOut {
  start: string;
  end: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trade_count: number;
  vwap: number;
  revision: number;
}

export interface BarsPage {
  symbol: string;
  timeframe: string;
  bars: BarOut[];
  next_page_token: string | null;
}

export interface TradeOut {
  time: string;
  price: number;
  size: number;
  exchange?: string;
}

export interface QuoteOut {
  time: string;
  bid: number;
  bid_size: number;
  ask: number;
  ask_size: number;
}

export interface EventOut {
  timeframe: string;
  bar_start: string;
  category: string;
  name: string;
  direction: string;
  values: Record<string, number>;
}

export interface SnapshotOut {
  symbol: string;
  latest_trade: TradeOut | null;
  latest_quote: QuoteOut | null;
  bars: Record<string, BarOut>;
  /** Timeframe, then indicator spec (`rsi(14)`), then output field. */
  indicators: Record<string, Record<string, Record<string, number>>>;
  events: EventOut[];
}

export type OptionType = "call" | "put";

export interface ContractOut {
  contract: string;
  expiration: string;
  strike: number;
  type: OptionType;
  bid: number;
  ask: number;
  bid_size: number;
  ask_size: number;
  last: number | null;
  volume: number;
  open_interest: number;
  quote_time: string;
  implied_volatility: number | null;
  delta: number | null;
  gamma: number | null;
  /** Per calendar day. */
  theta: number | null;
  /** Per volatility point. */
  vega: number | null;
  rho: number | null;
  spot: number | null;
}

export interface ChainOut {
  underlying: string;
  spot: number | null;
  contracts: ContractOut[];
}

export interface SqlColumn {
  name: string;
  /** The Arrow type, e.g. `Float64`, `Timestamp(ns, "UTC")`, `Utf8`. */
  type: string;
}

export type SqlValue = string | number | boolean | null;

export interface SqlResult {
  columns: SqlColumn[];
  rows: Record<string, SqlValue>[];
  row_count: number;
  truncated: boolean;
  elapsed_ms: number;
}

// ---- documents, search and answers (gateway/src/docs.rs) ----------------------------

/** Where a document is in the pipeline: `queued` and `extracted` are still moving. */
export type DocumentStage = "queued" | "extracted" | "embedded" | "failed";

export interface DocumentOut {
  id: string;
  filename: string;
  title: string | null;
  author: string | null;
  media_type: string;
  size_bytes: number;
  status: DocumentStage;
  /** For `failed`: a stable code (`encrypted`, `not_pdf`, `corrupt`, `too_large`...). */
  error_code: string | null;
  error: string | null;
  page_count: number;
  /** Pages with almost no text (scans, charts) or that could not be read. */
  little_text_pages: number[];
  chunk_count: number;
  tickers: string[];
  tags: string[];
  submitted_by: string;
  submitted_at: string;
  updated_at: string;
}

/** `POST /v1/documents`: 202 when queued, 200 with `duplicate` for bytes seen before. */
export interface UploadOut {
  duplicate: boolean;
  document: DocumentOut;
}

export interface DocumentsOut {
  documents: DocumentOut[];
}

/** A retrieved chunk. `[n]` in an answer cites the source whose `n` it is. */
export interface SourceOut {
  n: number;
  chunk_id: string;
  document_id: string;
  title: string | null;
  /** 1-based, for paged formats. */
  page: number | null;
  /** Cosine similarity with the question. */
  score: number;
  text: string;
  /** `[start, end)` of the question's words in `text`, in code points (Rust chars). */
  highlights: [number, number][];
}

export interface SearchOut {
  query: string;
  results: SourceOut[];
  indexed_chunks: number;
}

/** Live numbers for a symbol the question names. `change_percent` is in percent. */
export interface MarketOut {
  symbol: string;
  summary: string;
  latest_price: number | null;
  change_percent: number | null;
}

export type AnswerMode = "extractive" | "llm";

export interface AnswerOut {
  answer: string;
  mode: AnswerMode;
  found: boolean;
  sources: SourceOut[];
  market: MarketOut[];
  /** Set when an LLM is configured but failed and the answer fell back to extraction. */
  llm_error: string | null;
}

/** `POST /v1/chat`'s `context`: narrows the search (lists), adds market symbols. */
export interface AnswerContext {
  documents?: string[];
  tickers?: string[];
  tags?: string[];
}

// ---- /v1/stream -------------------------------------------------------------------

export type Channel = "trades" | "quotes" | "bars" | "indicators" | "greeks" | "events";

/** Offsets by topic partition, `market.bars.v1/3`. */
export type Positions = Record<string, number>;

export interface TradeData {
  id: string;
  symbol: string;
  price: number;
  size: number;
  event_time: number;
}

export interface QuoteData {
  id: string;
  symbol: string;
  bid_price: number;
  bid_size: number;
  ask_price: number;
  ask_size: number;
  event_time: number;
}

export interface BarData {
  id: string;
  symbol: string;
  timeframe: string;
  start_time: number;
  end_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trade_count: number;
  vwap: number;
  revision: number;
  event_time: number;
}

export interface IndicatorData {
  id: string;
  symbol: string;
  timeframe: string;
  indicator: string;
  bar_start: number;
  values: Record<string, number>;
  bar_revision: number;
  event_time: number;
}

export interface GreeksData {
  id: string;
  /** OCC symbol, e.g. `AAPL261222C00440000`. */
  contract: string;
  underlying: string;
  /** Days since the Unix epoch. */
  expiration: number;
  right: "CALL" | "PUT";
  spot: number;
  option_price: number;
  implied_volatility: number | null;
  delta: number | null;
  gamma: number | null;
  theta: number | null;
  vega: number | null;
  rho: number | null;
  event_time: number;
}

export interface EventData {
  id: string;
  symbol: string;
  timeframe: string;
  bar_start: number;
  /** `PATTERN` or `MOVEMENT`. */
  category: string;
  name: string;
  /** `BULLISH`, `BEARISH` or `NEUTRAL`. */
  direction: string;
  pattern_value: number | null;
  values: Record<string, number>;
  bar_revision: number;
  /** A revised bar took the event back. */
  retracted: boolean;
  event_time: number;
}

interface Envelope<K extends string, D> {
  type: K;
  symbol: string;
  topic: string;
  partition: number;
  offset: number;
  data: D;
}

export type StreamUpdate =
  | Envelope<"trade", TradeData>
  | Envelope<"quote", QuoteData>
  | Envelope<"bar", BarData>
  | Envelope<"indicator", IndicatorData>
  | Envelope<"greeks", GreeksData>
  | Envelope<"event", EventData>;

export interface SubscribedFrame {
  type: "subscribed";
  symbols: string[];
  channels: Channel[];
  positions: Positions;
}

export interface ResumedFrame {
  type: "resumed";
  replayed: number;
  complete: boolean;
  problems: string[];
}

export interface StreamErrorFrame {
  type: "error";
  code: number;
  message: string;
}

export type ServerFrame =
  | StreamUpdate
  | SubscribedFrame
  | ResumedFrame
  | StreamErrorFrame
  | { type: "pong" };

// ---- /v1/chat (WebSocket) ---------------------------------------------------------

export type ChatEventAction = "post" | "edit" | "delete" | "react";

/** One event of a room: live (`chat` frames), in history pages, in REST answers. */
export interface ChatEvent {
  /** Ids begin with the time (`m` and 20 digits of nanoseconds): they sort in time order. */
  id: string;
  room: string;
  user: string;
  action: ChatEventAction;
  /** `user`, `assistant` or `system`. */
  role: string;
  /** The text; for `react`, the emoji. */
  content: string;
  /** Free-form: whoever sends a message sets it (only the assistant's and the gateway's are trusted). */
  context: Record<string, unknown>;
  /** For edits, deletions and reactions: the message acted on. */
  target_id: string | null;
  thread_parent: string | null;
  /** Nanoseconds since the epoch. */
  event_time: number;
  time: string;
}

/** A source of an assistant's answer (`context.sources`); `[n]` in the answer cites `sources[n-1]`. */
export interface ChatSource {
  n: number;
  document_id: string;
  chunk_id: string;
  title: string | null;
  page: number | null;
  score: number;
  /** The passage's first 300 characters. */
  text: string;
}

/** `context.attachment` of a post the gateway made for an uploaded file. */
export interface ChatAttachment {
  sha256: string;
  filename: string;
  media_type: string;
  size_bytes: number;
  /** `/v1/chat/rooms/{room}/attachments/{sha256}`. */
  url: string;
  /** Set when the file also went to document ingest. */
  document_id?: string;
}

export interface ChatFound {
  id: string;
  room: string;
  user: string;
  role: string;
  content: string;
  event_time: number;
  score: number;
  /** `[start, end)` in code points of `content`. */
  highlights: [number, number][];
}

/** The answer to an attachment upload (and to REST sends). */
export interface ChatPosted {
  id: string;
  partition: number;
  offset: number;
  message: ChatEvent;
}

export type ChatServerFrame =
  | { type: "hello"; user: string }
  | { type: "joined"; room: string; user: string; positions: Positions; online: string[]; reads: Record<string, string> }
  | { type: "chat"; room: string; topic: string; partition: number; offset: number; data: ChatEvent }
  | { type: "ack"; ref?: unknown; id: string; room: string; partition: number; offset: number }
  | { type: "presence"; room: string; user: string; state: "online" | "offline" }
  | { type: "typing"; room: string; user: string }
  | { type: "read"; room: string; user: string; id: string }
  | { type: "assistant_delta"; room: string; reply_to: string; answer_id: string; text: string }
  | { type: "history"; ref?: unknown; room: string; messages: ChatEvent[]; has_more: boolean }
  | { type: "search"; ref?: unknown; results: ChatFound[] }
  | { type: "resumed"; room: string; replayed: number; complete: boolean; problems: string[] }
  | { type: "left"; room: string; ref?: unknown }
  | { type: "pong" }
  | { type: "error"; code: number; message: string; ref?: unknown };

export type ChatClientMessage =
  | { action: "join"; room: string; resume?: Positions; ref?: string }
  | { action: "leave"; room: string; ref?: string }
  | { action: "send"; room: string; content: string; context?: Record<string, unknown>; thread_parent?: string | null; ref?: string }
  | { action: "edit"; room: string; id: string; content: string; ref?: string }
  | { action: "delete"; room: string; id: string; ref?: string }
  | { action: "react"; room: string; id: string; emoji: string; ref?: string }
  | { action: "typing"; room: string }
  | { action: "read"; room: string; id: string }
  | { action: "history"; room: string; before?: string; after?: string; limit?: number; ref?: string }
  | { action: "search"; q: string; room?: string; ref?: string }
  | { action: "ping" };
