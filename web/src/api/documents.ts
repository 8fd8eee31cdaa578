// The calls of the documents view that plain `fetch` + JSON does not cover: uploads, sent
// with XMLHttpRequest because fetch reports no upload progress, and answers, read as
// server-sent events from a POST (EventSource cannot POST).

import { authHeaders, loadCredentials } from "./credentials";
import { ApiError, errorMessage, fetchWithCredentials } from "./rest";
import { SseDecoder } from "./sse";
import type { AnswerContext, AnswerOut, MarketOut, SourceOut, UploadOut } from "./types";

export interface UploadFields {
  title?: string;
  /** Comma-separated. */
  tickers?: string;
  /** Comma-separated. */
  tags?: string;
}

/** The server's answer to an upload: 202 queued, 200 a duplicate of an earlier one. */
export interface UploadAnswer extends UploadOut {
  status: number;
}

export interface Upload {
  done: Promise<UploadAnswer>;
  abort(): void;
}

/**
 * Uploads `file` to `POST /v1/documents`, calling `onProgress` as its bytes go out. `done`
 * rejects with an `ApiError` carrying the server's message (413 over the size limit, 415
 * a type it does not read, 400 a bad field) or, on abort, an `AbortError`.
 */
export function uploadDocument(file: File, fields: UploadFields, onProgress: (sent: number, total: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<UploadAnswer>((resolve, reject) => {
    const form = new FormData();
    for (const name of ["title", "tickers", "tags"] as const) {
      const value = fields[name]?.trim();
      if (value) form.append(name, value);
    }
    form.append("file", file, file.name);
    xhr.open("POST", "/v1/documents");
    for (const [k, v] of Object.entries(authHeaders(loadCredentials()))) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size));
    xhr.addEventListener("load", () => {
      const text = xhr.responseText;
      if (xhr.status !== 200 && xhr.status !== 202) {
        reject(new ApiError(xhr.status, errorMessage(xhr.status, xhr.statusText, text)));
        return;
      }
      try {
        resolve({ status: xhr.status, ...(JSON.parse(text) as UploadOut) });
      } catch {
        reject(new ApiError(xhr.status, `the answer to the upload is not JSON: ${text.slice(0, 200)}`));
      }
    });
    xhr.addEventListener("error", () =>
      reject(
        new ApiError(
          0,
          "the upload did not get an answer: the connection failed or was closed (is finstream running? a proxy may refuse a file this large)",
        ),
      ),
    );
    xhr.addEventListener("abort", () => reject(new DOMException("the upload was cancelled", "AbortError")));
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}

export interface AnswerHandlers {
  /** The sources and market context, before the answer. */
  onSources?(sources: SourceOut[], market: MarketOut[]): void;
  /** A piece of the answer: append it to the pieces before. */
  onDelta?(text: string): void;
}

/**
 * Asks `POST /v1/chat` with `Accept: text/event-stream` and resolves to the whole answer
 * (the `done` event), calling the handlers as the stream goes. Rejects with an
 * `ApiError` (the server's message: 503 without the model, an `error` event mid-stream).
 */
export async function askStreaming(
  message: string,
  context: AnswerContext,
  handlers: AnswerHandlers,
  signal?: AbortSignal,
): Promise<AnswerOut> {
  const response = await fetchWithCredentials(
    "/v1/chat",
    {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ message, context }),
    },
    signal,
  );
  if (!response.ok) {
    throw new ApiError(response.status, errorMessage(response.status, response.statusText, await response.text()));
  }
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    // Something between us and the gateway answered in one piece: the same answer.
    const whole = parseJson<AnswerOut>(await response.text(), "the answer");
    handlers.onSources?.(whole.sources, whole.market);
    handlers.onDelta?.(whole.answer);
    return whole;
  }
  if (!response.body) throw new ApiError(0, "the answer has no body to read");
  const reader = response.body.getReader();
  const decoder = new SseDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      for (const event of done ? decoder.end() : decoder.push(value)) {
        switch (event.event) {
          case "sources": {
            const s = parseJson<{ sources: SourceOut[]; market: MarketOut[] }>(event.data, "the sources event");
            handlers.onSources?.(s.sources, s.market);
            break;
          }
          case "delta":
            handlers.onDelta?.(parseJson<{ text: string }>(event.data, "a delta event").text);
            break;
          case "done":
            return parseJson<AnswerOut>(event.data, "the done event");
          case "error": {
            const e = parseJson<{ code?: number; message?: string }>(event.data, "the error event");
            throw new ApiError(e.code ?? 0, e.message ?? event.data);
          }
          default:
          // Events this app does not know yet are skipped.
        }
      }
      if (done) throw new ApiError(0, "the answer stopped before it was finished (the connection closed)");
    }
  } finally {
    // Stops the body download when we return early or fail; harmless when it ended.
    reader.cancel().catch(() => undefined);
  }
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(0, `${what} is not JSON: ${text.slice(0, 200)}`);
  }
}
