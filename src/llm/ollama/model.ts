import { z } from 'zod';
import type { ChatRequest, Message } from 'ollama';
import {
  NO_ANSWER,
  renderClassifyPrompt,
  renderDraftPrompt,
  type RenderedPrompt,
} from '../../../prompts/index.ts';
import {
  CircuitBreaker,
  CircuitOpenError,
  QueueFullError,
  QueueTimeoutError,
  Semaphore,
  type CircuitState,
} from '../resilience/index.ts';
import {
  ModelError,
  citationSchema,
  classificationSchema,
  draftSchema,
  type CallOptions,
  type Classification,
  type Draft,
  type KbArticle,
  type LanguageModel,
  type ModelTrace,
  type TicketText,
} from '../types.ts';
import { repeatsInstructions } from '../injection.ts';
import { createOllamaEmbedder, type Embedder } from './embedder.ts';
import { normalizeHost, requestJson, type FetchLike } from './http.ts';

export interface OllamaModelOptions {
  /** e.g. `http://127.0.0.1:11434` */
  host: string;
  /** e.g. `llama3.2:3b`; the model's name is reported as `ollama/<model>`. */
  model: string;
  /** Embedding model; when set, the returned model carries an `embedder` for KB retrieval. */
  embedModel?: string | undefined;
  /** Per HTTP attempt. Default 30 000. */
  timeoutMs?: number | undefined;
  /** Calls in flight at once. Default 4. */
  maxConcurrent?: number | undefined;
  /** Calls waiting for a slot; beyond that, `unavailable` "queue full". Default 1000. */
  maxQueue?: number | undefined;
  /** Longest wait for a slot before a `timeout`. Default: unbounded (the caller's signal rules). */
  maxQueueWaitMs?: number | undefined;
  /** Default: 5 consecutive failures open the circuit for 30 s. */
  breaker?: { failureThreshold?: number; resetAfterMs?: number } | undefined;
  /** Sampling seed sent with every request (temperature is always 0). Default 42. */
  seed?: number | undefined;
  /** Context window (`options.num_ctx`); default: the server's. Raise it for long KB articles. */
  numCtx?: number | undefined;
  /** `keep_alive` sent with every request (e.g. `"30m"`); default: the server's. */
  keepAlive?: string | number | undefined;
  /** Injected fetch (tests, proxies). Default: global fetch. */
  fetch?: FetchLike | undefined;
  /** Observe breaker transitions (logs, metrics). */
  onBreakerStateChange?: ((from: CircuitState, to: CircuitState) => void) | undefined;
}

export interface OllamaModelStatus {
  breaker: CircuitState;
  active: number;
  queued: number;
  maxActiveSeen: number;
}

export interface OllamaModel extends LanguageModel {
  /** Queue and breaker state, for readiness and metrics. */
  status(): OllamaModelStatus;
  /** Present when `embedModel` was given: embeddings from the same server. */
  readonly embedder: Embedder | undefined;
}

/** One retry after invalid output: at most this many attempts per call. */
export const MAX_ATTEMPTS = 2;

const chatResponseSchema = z.object({
  message: z.object({ content: z.string() }),
  done: z.boolean().optional(),
  done_reason: z.string().optional(),
  prompt_eval_count: z.number().optional(),
  eval_count: z.number().optional(),
  total_duration: z.number().optional(),
});

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

interface CallSpec<T> {
  prompt: RenderedPrompt;
  format: Record<string, unknown>;
  parse: (content: string) => Parsed<T>;
  what: string;
}

const classifyFormat = z.toJSONSchema(classificationSchema) as Record<string, unknown>;

export function createOllamaModel(options: OllamaModelOptions): OllamaModel {
  const host = normalizeHost(options.host);
  const chatUrl = `${host}/api/chat`;
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const seed = options.seed ?? 42;
  const name = `ollama/${options.model}`;
  const semaphore = new Semaphore({
    maxConcurrent: options.maxConcurrent ?? 4,
    maxQueue: options.maxQueue ?? 1000,
    maxQueueWaitMs: options.maxQueueWaitMs,
  });
  const breaker = new CircuitBreaker({
    failureThreshold: options.breaker?.failureThreshold ?? 5,
    resetAfterMs: options.breaker?.resetAfterMs ?? 30_000,
    // Only the dependency's own failures count; a caller abort or a refused request do not.
    isFailure: (err) =>
      err instanceof ModelError && (err.reason === 'unavailable' || err.reason === 'timeout'),
    onStateChange: options.onBreakerStateChange,
  });

  const circuitOpen = (cause?: unknown) =>
    new ModelError('unavailable', 'model unavailable (circuit open)', { cause });

  async function chatOnce(
    messages: Message[],
    format: Record<string, unknown>,
    signal?: AbortSignal,
  ) {
    const body: ChatRequest & { stream: false } = {
      model: options.model,
      messages,
      format,
      stream: false,
      options: { temperature: 0, seed, ...(options.numCtx ? { num_ctx: options.numCtx } : {}) },
      ...(options.keepAlive !== undefined ? { keep_alive: options.keepAlive } : {}),
    };
    let raw: unknown;
    try {
      raw = await breaker.execute(() =>
        requestJson(chatUrl, body, { fetch: fetchImpl, timeoutMs, signal, what: `${name} chat` }),
      );
    } catch (err) {
      if (err instanceof CircuitOpenError) throw circuitOpen(err);
      throw err;
    }
    const parsed = chatResponseSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ModelError('unavailable', `${name} chat: unexpected response shape`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  async function call<T>(spec: CallSpec<T>, callOptions?: CallOptions) {
    const started = performance.now();
    const signal = callOptions?.signal;
    if (!breaker.canPass()) throw circuitOpen();

    let release: () => void;
    try {
      release = await semaphore.acquire(signal);
    } catch (err) {
      if (err instanceof QueueFullError) {
        throw new ModelError('unavailable', 'queue full', { cause: err });
      }
      if (err instanceof QueueTimeoutError) {
        throw new ModelError('timeout', `${name}: ${err.message}`, { cause: err });
      }
      if (err instanceof Error && err.name === 'TimeoutError') {
        throw new ModelError('timeout', `${name}: caller deadline elapsed while queued`, {
          cause: err,
        });
      }
      throw new ModelError('error', `${name}: aborted by caller while queued`, { cause: err });
    }

    try {
      const base: Message[] = [
        { role: 'system', content: spec.prompt.system },
        { role: 'user', content: spec.prompt.user },
      ];
      let messages = base;
      let promptTokens: number | undefined;
      let completionTokens: number | undefined;
      let problem = '';
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const reply = await chatOnce(messages, spec.format, signal);
        if (reply.prompt_eval_count !== undefined) {
          promptTokens = (promptTokens ?? 0) + reply.prompt_eval_count;
        }
        if (reply.eval_count !== undefined) {
          completionTokens = (completionTokens ?? 0) + reply.eval_count;
        }
        const result = spec.parse(reply.message.content);
        if (result.ok) {
          const trace: ModelTrace = {
            model: name,
            promptVersion: spec.prompt.version,
            promptHash: spec.prompt.hash,
            latencyMs: Math.round(performance.now() - started),
            promptTokens,
            completionTokens,
            attempts: attempt,
          };
          return { result: result.value, trace };
        }
        problem = result.problem;
        // At temperature 0 the same request would give the same reply: say what was wrong.
        messages = [
          ...base,
          { role: 'assistant', content: reply.message.content.slice(0, 4000) },
          {
            role: 'user',
            content:
              `Your reply was not valid: ${problem}. ` +
              'Reply again with only one JSON object that follows the required format exactly.',
          },
        ];
      }
      throw new ModelError(
        'invalid_output',
        `${spec.what}: invalid output after ${MAX_ATTEMPTS} attempts: ${problem}`,
      );
    } finally {
      release();
    }
  }

  return {
    name,
    embedder: options.embedModel
      ? createOllamaEmbedder({ host, model: options.embedModel, fetch: fetchImpl })
      : undefined,
    status: () => ({
      breaker: breaker.state,
      active: semaphore.active,
      queued: semaphore.queued,
      maxActiveSeen: semaphore.maxActiveSeen,
    }),

    async classify(ticket: TicketText, callOptions?: CallOptions) {
      return call<Classification>(
        {
          prompt: renderClassifyPrompt(ticket),
          format: classifyFormat,
          parse: (content) => parseWith(content, classificationSchema),
          what: `${name} classify`,
        },
        callOptions,
      );
    },

    async draft(ticket: TicketText, articles: KbArticle[], callOptions?: CallOptions) {
      const byId = new Map(articles.map((a) => [a.id, a]));
      const ids = [...byId.keys()];
      if (ids.length === 0) {
        throw new ModelError('no_grounding', 'no knowledge-base articles to ground a draft in');
      }
      // The JSON schema itself restricts citation ids to the given articles.
      const format = z.toJSONSchema(
        draftSchema.extend({
          citations: z
            .array(citationSchema.extend({ id: z.enum(ids as [string, ...string[]]) }))
            .min(1),
        }),
      ) as Record<string, unknown>;
      const prompt = renderDraftPrompt(ticket, [...byId.values()]);
      return call<Draft>(
        {
          prompt,
          format,
          parse: (content) => parseDraft(content, byId, prompt.system),
          what: `${name} draft`,
        },
        callOptions,
      );
    },
  };
}

function parseJson(content: string): Parsed<unknown> {
  const text = content
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: 'the reply is not valid JSON' };
  }
}

function parseWith<T>(content: string, schema: z.ZodType<T>): Parsed<T> {
  const json = parseJson(content);
  if (!json.ok) return json;
  const result = schema.safeParse(json.value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problem: describeIssues(result.error) };
}

function parseDraft(
  content: string,
  byId: Map<string, KbArticle>,
  instructions: string,
): Parsed<Draft> {
  const parsed = parseWith(content, draftSchema);
  if (!parsed.ok) return parsed;
  const draft = parsed.value;
  if (draft.answer.trim() === NO_ANSWER) {
    throw new ModelError('no_grounding', 'the model found no answer in the given articles');
  }
  // An answer goes to the requester: one that repeats the instructions was talked into it.
  if (repeatsInstructions(draft.answer, instructions)) {
    return { ok: false, problem: 'the answer repeats the instructions; answer the ticket only' };
  }
  const unknown = draft.citations.filter((c) => !byId.has(c.id)).map((c) => c.id);
  if (unknown.length > 0) {
    return {
      ok: false,
      problem: `citations name articles that were not given: ${unknown.join(', ')}`,
    };
  }
  // Canonical titles, no duplicates: the model may paraphrase a title; the id is what counts.
  const seen = new Set<string>();
  const citations = draft.citations.flatMap((c) => {
    if (seen.has(c.id)) return [];
    seen.add(c.id);
    return [{ id: c.id, title: (byId.get(c.id) as KbArticle).title }];
  });
  return { ok: true, value: { answer: draft.answer.trim(), citations } };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
