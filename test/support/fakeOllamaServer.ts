/**
 * A fake Ollama server for tests, benchmarks and end-to-end runs: a real HTTP server (node:http)
 * that speaks the parts of Ollama's API the adapter uses.
 *
 * - `POST /api/chat`: `stream: false` → one JSON reply; `stream: true` (Ollama's default) →
 *   NDJSON chunks then a final `done: true` chunk. Replies carry `prompt_eval_count`,
 *   `eval_count`, the `*_duration` fields (ns), `done` and `done_reason`.
 * - `POST /api/embed`: deterministic hashed bag-of-words vectors (L2-normalised).
 * - `GET /api/tags`, `GET /api/version`, `GET /`.
 * - Errors as Ollama sends them: `{"error": "..."}` with 400 / 404 (unknown model) / 500.
 *
 * What a chat request gets is decided, in order, by: the scripted queue (`script(...)`), then the
 * handler (`setHandler` / `respond` option), then the default: the **heuristic stand-in**, a
 * keyword rule set that is not a language model (see {@link heuristicStandIn}).
 *
 * `latencyMs` + `capacity` model a server that processes at most `capacity` generations at a
 * time, each taking `latencyMs`; extra requests wait inside the server, as with a real Ollama
 * (`OLLAMA_NUM_PARALLEL`).
 *
 * Standalone: `tsx test/support/fakeOllamaServer.ts --port 11434 --latency-ms 3400 --capacity 4`
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { NO_ANSWER, extractArticles, extractTicketData } from '../../prompts/index.ts';

export interface FakeMessage {
  role: string;
  content: string;
}

export interface FakeChatRequest {
  model: string;
  messages: FakeMessage[];
  format?: unknown;
  stream: boolean;
  options?: Record<string, unknown>;
  keep_alive?: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  receivedAt: number;
}

/** A scripted or computed reply to one chat request. */
export type FakeReply =
  | {
      /** The assistant message content; an object is JSON-encoded, a string is sent verbatim. */
      content: string | object;
      delayMs?: number;
      promptEvalCount?: number;
      evalCount?: number;
      doneReason?: string;
      /** Streaming only: characters per NDJSON chunk (default 8) and pause between chunks. */
      chunkSize?: number;
      chunkDelayMs?: number;
    }
  | { status: number; error: string; delayMs?: number }
  /** Destroys the connection without a reply (after `delayMs`). */
  | { close: true; delayMs?: number };

export type Responder = (request: FakeChatRequest) => FakeReply | Promise<FakeReply>;

export interface FakeOllamaOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added to every chat and embed request (on top of a reply's own `delayMs`). Default 0. */
  latencyMs?: number;
  /** Requests processed at once; extra requests wait in the server. Default: unlimited. */
  capacity?: number;
  /** When set, other models get Ollama's 404 "not found". Also what `/api/tags` lists. */
  models?: string[];
  /** Chat handler; default: {@link heuristicStandIn}. */
  respond?: Responder;
  /** Embedding dimensions. Default 64. */
  embedDimensions?: number;
}

export interface FakeOllama {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** The bodies of `/api/chat` requests, in arrival order. */
  chatRequests(): FakeChatRequest[];
  /** Requests received and not yet answered (including those waiting for capacity). */
  readonly inFlight: number;
  /** Highest `inFlight` seen since start (or the last `reset()`). */
  readonly maxInFlight: number;
  setHandler(respond: Responder): void;
  /** Queues replies used, first in first out, before the handler. */
  script(...replies: FakeReply[]): void;
  /** Forgets recorded requests, the scripted queue and `maxInFlight`. */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_MODELS = ['heuristic-stand-in:latest', 'hashed-embed:latest'];

export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const requests: RecordedRequest[] = [];
  const scripted: FakeReply[] = [];
  let respond: Responder = options.respond ?? heuristicStandIn;
  let inFlight = 0;
  let maxInFlight = 0;
  const latencyMs = options.latencyMs ?? 0;
  const capacity = options.capacity ?? Number.POSITIVE_INFINITY;
  const dims = options.embedDimensions ?? 64;
  const known = options.models;
  const sockets = new Set<Socket>();

  // Capacity: a FIFO of requests waiting for a processing slot.
  let busy = 0;
  const waiting: Array<() => void> = [];
  const takeSlot = (res: ServerResponse): Promise<() => void> =>
    new Promise((resolve) => {
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        busy--;
        const next = waiting.shift();
        if (next) next();
      };
      const grant = (): void => {
        busy++;
        res.once('close', release); // a client that went away frees its slot
        resolve(release);
      };
      if (busy < capacity) grant();
      else {
        waiting.push(grant);
        res.once('close', () => {
          const i = waiting.indexOf(grant);
          if (i >= 0) waiting.splice(i, 1);
        });
      }
    });

  const modelKnown = (model: string): boolean =>
    !known || known.some((m) => m === model || m === `${model}:latest`);

  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let counted = true;
    const done = (): void => {
      if (counted) inFlight--;
      counted = false;
    };
    res.once('finish', done); // the reply is handed to the OS before the client can see it
    res.once('close', done); // or the connection went away

    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
      } else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const text = await readBody(req);
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        requests.push({ method: req.method ?? 'GET', path, body: text, receivedAt: Date.now() });
        return sendJson(res, 400, { error: 'invalid character in request body' });
      }
    }
    requests.push({ method: req.method ?? 'GET', path, body, receivedAt: Date.now() });

    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Ollama is running');
    }
    if (req.method === 'GET' && path === '/api/version') {
      return sendJson(res, 200, { version: '0.0.0-fake' });
    }
    if (req.method === 'GET' && path === '/api/tags') {
      return sendJson(res, 200, { models: (known ?? DEFAULT_MODELS).map(tagEntry) });
    }
    if (req.method === 'POST' && path === '/api/chat') return chat(body, res);
    if (req.method === 'POST' && path === '/api/embed') return embed(body, res);
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found');
  }

  async function chat(body: unknown, res: ServerResponse): Promise<void> {
    const request = body as Partial<FakeChatRequest> | undefined;
    if (!request || typeof request.model !== 'string' || !request.model) {
      return sendJson(res, 400, { error: 'model is required' });
    }
    if (!modelKnown(request.model)) {
      return sendJson(res, 404, {
        error: `model "${request.model}" not found, try pulling it first`,
      });
    }
    const chatRequest: FakeChatRequest = {
      ...request,
      model: request.model,
      messages: Array.isArray(request.messages) ? request.messages : [],
      stream: request.stream !== false, // Ollama streams unless told not to
    };
    const started = process.hrtime.bigint();
    const release = await takeSlot(res);
    try {
      if (latencyMs > 0 && !(await sleep(latencyMs, res))) return;
      const reply =
        scripted.length > 0 ? (scripted.shift() as FakeReply) : await respond(chatRequest);
      if (reply.delayMs && !(await sleep(reply.delayMs, res))) return;
      if ('close' in reply) {
        res.socket?.destroy();
        return;
      }
      if ('status' in reply) return sendJson(res, reply.status, { error: reply.error });
      const content =
        typeof reply.content === 'string' ? reply.content : JSON.stringify(reply.content);
      const promptEvalCount =
        reply.promptEvalCount ??
        Math.ceil(chatRequest.messages.reduce((n, m) => n + String(m.content ?? '').length, 0) / 4);
      const evalCount = reply.evalCount ?? Math.max(1, Math.ceil(content.length / 4));
      const base = { model: chatRequest.model };
      const final = () => {
        const total = Number(process.hrtime.bigint() - started);
        return {
          ...base,
          created_at: new Date().toISOString(),
          done: true,
          done_reason: reply.doneReason ?? 'stop',
          total_duration: total,
          load_duration: 1_000_000,
          prompt_eval_count: promptEvalCount,
          prompt_eval_duration: Math.round(total * 0.2),
          eval_count: evalCount,
          eval_duration: Math.round(total * 0.7),
        };
      };
      if (!chatRequest.stream) {
        const { model, created_at, ...rest } = final();
        return sendJson(res, 200, {
          model,
          created_at,
          message: { role: 'assistant', content },
          ...rest,
        });
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const size = Math.max(1, reply.chunkSize ?? 8);
      for (let i = 0; i < content.length; i += size) {
        const chunk = {
          ...base,
          created_at: new Date().toISOString(),
          message: { role: 'assistant', content: content.slice(i, i + size) },
          done: false,
        };
        res.write(`${JSON.stringify(chunk)}\n`);
        if (reply.chunkDelayMs && !(await sleep(reply.chunkDelayMs, res))) return;
      }
      const { model, created_at, ...rest } = final();
      const last = { model, created_at, message: { role: 'assistant', content: '' }, ...rest };
      res.end(`${JSON.stringify(last)}\n`);
    } finally {
      release();
    }
  }

  async function embed(body: unknown, res: ServerResponse): Promise<void> {
    const request = body as { model?: unknown; input?: unknown } | undefined;
    if (!request || typeof request.model !== 'string' || !request.model) {
      return sendJson(res, 400, { error: 'model is required' });
    }
    if (!modelKnown(request.model)) {
      return sendJson(res, 404, {
        error: `model "${request.model}" not found, try pulling it first`,
      });
    }
    const input = request.input;
    const texts =
      typeof input === 'string' ? [input] : Array.isArray(input) ? input.map(String) : null;
    if (!texts) return sendJson(res, 400, { error: 'invalid input type' });
    const started = process.hrtime.bigint();
    const release = await takeSlot(res);
    try {
      if (latencyMs > 0 && !(await sleep(latencyMs, res))) return;
      const total = Number(process.hrtime.bigint() - started);
      sendJson(res, 200, {
        model: request.model,
        embeddings: texts.map((t) => hashedEmbedding(t, dims)),
        total_duration: total,
        load_duration: 1_000_000,
        prompt_eval_count: texts.reduce((n, t) => n + tokenize(t).length, 0),
      });
    } finally {
      release();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    requests,
    chatRequests: () =>
      requests.filter((r) => r.path === '/api/chat').map((r) => r.body as FakeChatRequest),
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    setHandler(next) {
      respond = next;
    },
    script(...replies) {
      scripted.push(...replies);
    },
    reset() {
      requests.length = 0;
      scripted.length = 0;
      maxInFlight = inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The heuristic stand-in

const LEVEL1: Array<[RegExp, string]> = [
  [/\bpassword|\bpasswort|\bkennwort/i, 'password'],
  [/\blog ?in\b|\blogon\b|\bsign ?in\b|\blocked out\b|\blockout\b/i, 'account'],
  [/\bvpn\b/i, 'vpn'],
  [/\boutlook\b/i, 'email'],
  [/\bprinter|\bprinting\b/i, 'printer'],
];
const LEVEL3: Array<[RegExp, string]> = [
  [/\bbreach|\bransomware\b|\bmalware\b/i, 'security'],
  [/\boutage|\bdown\b|\bdatacenter|\bdata center|\bserver/i, 'infrastructure'],
];

/**
 * The heuristic stand-in for a model: keyword rules, **not a language model**. Benchmarks and
 * end-to-end tests use it to exercise the system at a model's latency and concurrency; its
 * answers say nothing about model quality.
 * - classify: password/login/vpn/outlook/printer → level 1 (0.9); outage/down/datacenter/server/
 *   breach → level 3 (0.8); anything else → level 2 (0.6). Only the ticket text between the
 *   prompt's markers is read.
 * - draft: answers from the first article given and cites it (or {@link NO_ANSWER} without any).
 */
export const heuristicStandIn: Responder = (request) => {
  const users = request.messages.filter((m) => m.role === 'user');
  const prompt =
    users.find((m) => extractTicketData(m.content) !== undefined)?.content ??
    users.at(-1)?.content ??
    '';
  const ticket = extractTicketData(prompt) ?? prompt;
  if (wantsDraft(request)) {
    const first = extractArticles(prompt)[0];
    if (!first) return { content: { answer: NO_ANSWER, citations: [] } };
    const body = String(first.body ?? '').trim();
    return {
      content: {
        answer: `According to "${first.title}" (${first.id}):\n\n${body.slice(0, 800)}`,
        citations: [{ id: first.id, title: first.title }],
      },
    };
  }
  return { content: heuristicClassify(ticket) };
};

export function heuristicClassify(text: string): {
  level: 1 | 2 | 3;
  category: string;
  confidence: number;
  rationale: string;
} {
  for (const [re, category] of LEVEL1) {
    if (re.test(text)) {
      return {
        level: 1,
        category,
        confidence: 0.9,
        rationale: `heuristic stand-in: ${category} keyword`,
      };
    }
  }
  for (const [re, category] of LEVEL3) {
    if (re.test(text)) {
      return {
        level: 3,
        category,
        confidence: 0.8,
        rationale: `heuristic stand-in: ${category} keyword`,
      };
    }
  }
  return {
    level: 2,
    category: 'general',
    confidence: 0.6,
    rationale: 'heuristic stand-in: no keyword',
  };
}

function wantsDraft(request: FakeChatRequest): boolean {
  const format = request.format as { properties?: Record<string, unknown> } | undefined;
  if (format && typeof format === 'object' && format.properties)
    return 'answer' in format.properties;
  const system = request.messages.find((m) => m.role === 'system')?.content ?? '';
  return /"answer"/.test(system);
}

// ---------------------------------------------------------------------------------------------
// helpers

/** Deterministic embedding: hashed bag of lowercase words, L2-normalised. */
export function hashedEmbedding(text: string, dims = 64): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const token of tokenize(text)) {
    const h = createHash('sha256').update(token).digest();
    const i = h.readUInt32BE(0) % dims;
    v[i] = (v[i] ?? 0) + (h[4]! & 1 ? 1 : -1);
  }
  const norm = Math.hypot(...v);
  return norm === 0 ? v : v.map((x) => x / norm);
}

function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function tagEntry(name: string) {
  return {
    name,
    model: name,
    modified_at: '2025-01-01T00:00:00Z',
    size: 1_000_000,
    digest: createHash('sha256').update(name).digest('hex'),
    details: {
      parent_model: '',
      format: 'gguf',
      family: 'fake',
      families: ['fake'],
      parameter_size: '0B',
      quantization_level: 'none',
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Waits `ms`; resolves false early if the client went away. */
function sleep(ms: number, res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once('close', onClose);
  });
}

// ---------------------------------------------------------------------------------------------
// standalone

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (invokedDirectly) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '11434' },
      host: { type: 'string', default: '127.0.0.1' },
      'latency-ms': { type: 'string', default: '0' },
      capacity: { type: 'string' },
      models: { type: 'string' },
    },
  });
  const fake = await startFakeOllama({
    port: Number(values.port),
    host: values.host,
    latencyMs: Number(values['latency-ms']),
    ...(values.capacity ? { capacity: Number(values.capacity) } : {}),
    ...(values.models ? { models: values.models.split(',') } : {}),
  });
  console.log(
    `fake Ollama (heuristic stand-in, not a language model) on ${fake.url}` +
      ` latency=${values['latency-ms']}ms capacity=${values.capacity ?? 'unlimited'}`,
  );
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
