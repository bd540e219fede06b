/**
 * Minimal JSON-over-HTTP for the Ollama API, with every failure mapped to a {@link ModelError}.
 *
 * Why not `ollama`'s client for these calls: ollama-js 0.6.4 passes no AbortSignal to fetch for
 * non-streamed requests (so a timeout could not cancel the HTTP request) and logs to the console
 * when an error body is not JSON. The request/response shapes are still `ollama`'s own types.
 */
import { ModelError } from '../types.ts';
import { createDeadline, isAbortLike } from '../resilience/index.ts';

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** `localhost:11434`, `http://h:11434/`, `https://ollama.example` → a base URL without slash. */
export function normalizeHost(host: string): string {
  let h = host.trim();
  const explicit = h.includes('://');
  if (h.startsWith(':')) h = `127.0.0.1${h}`;
  if (!explicit) h = `http://${h}`;
  const url = new URL(h);
  if (!explicit && !url.port) url.port = '11434';
  return url.toString().replace(/\/+$/, '');
}

/** An HTTP error reply from Ollama (`{"error": "..."}`). */
export class OllamaHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'OllamaHttpError';
  }
}

export interface RequestJsonOptions {
  fetch: FetchLike;
  /** Per-request deadline. */
  timeoutMs: number;
  /** The caller's signal; aborting it cancels the request. */
  signal?: AbortSignal | undefined;
  /** For messages: what is being called ("ollama chat llama3.2"). */
  what: string;
}

/**
 * Sends one request and returns the parsed JSON body. Throws ModelError:
 * - `timeout` when the deadline elapsed (or the caller's signal aborted with a TimeoutError),
 * - `unavailable` when the server could not be reached, closed the connection, replied 5xx,
 *   replied 404 (model not pulled) or replied with an unreadable body,
 * - `error` for other HTTP errors (4xx: a request the server refuses) or a caller abort.
 */
export async function requestJson(
  url: string,
  body: unknown,
  options: RequestJsonOptions,
): Promise<unknown> {
  const deadline = createDeadline(options.timeoutMs, options.signal);
  try {
    const response = await options.fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: deadline.signal,
    });
    const text = await response.text();
    if (!response.ok) {
      throw new OllamaHttpError(response.status, errorMessage(text) ?? `HTTP ${response.status}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new ModelError('unavailable', `${options.what}: response is not JSON`, { cause });
    }
  } catch (err) {
    throw toModelError(err, deadline.timedOut, options);
  } finally {
    deadline.dispose();
  }
}

function errorMessage(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON
  }
  return text.trim() ? text.trim().slice(0, 500) : undefined;
}

function toModelError(err: unknown, timedOut: boolean, options: RequestJsonOptions): ModelError {
  if (err instanceof ModelError) return err;
  const what = options.what;
  if (timedOut) {
    return new ModelError('timeout', `${what}: no reply within ${options.timeoutMs} ms`, {
      cause: err,
    });
  }
  if (options.signal?.aborted) {
    const reason: unknown = options.signal.reason;
    if (reason instanceof Error && reason.name === 'TimeoutError') {
      return new ModelError('timeout', `${what}: caller deadline elapsed`, { cause: reason });
    }
    return new ModelError('error', `${what}: aborted by caller`, { cause: reason ?? err });
  }
  if (err instanceof OllamaHttpError) {
    if (err.status >= 500 || err.status === 404 || err.status === 429) {
      return new ModelError('unavailable', `${what}: HTTP ${err.status}: ${err.message}`, {
        cause: err,
      });
    }
    return new ModelError('error', `${what}: HTTP ${err.status}: ${err.message}`, { cause: err });
  }
  if (isAbortLike(err)) {
    return new ModelError('error', `${what}: aborted`, { cause: err });
  }
  // fetch() rejects with a TypeError for refused/reset connections and broken bodies.
  return new ModelError('unavailable', `${what}: unreachable (${describeNetworkError(err)})`, {
    cause: err,
  });
}

function describeNetworkError(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = e.cause;
  }
  return err instanceof Error ? err.message : String(err);
}
