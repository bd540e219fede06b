import http from 'node:http';

/** One POST /api/tickets as a client saw it. */
export interface Outcome {
  client: number;
  /** When the request was sent and how long its answer took (ms). */
  sentAt: number;
  ms: number;
  status?: number;
  contentType?: string;
  connection?: string;
  retryAfter?: string;
  /** The ticket id of a 201, the problem's title of an error. */
  id?: string;
  title?: string;
  /** A connection-level failure: ECONNRESET, ECONNREFUSED, "socket hang up", "client timeout"… */
  error?: string;
}

export interface LoadOptions {
  clients: number;
  /** Bounds: the whole load stops at either. */
  maxRequests: number;
  maxMs: number;
  /** A client stops at its first 503 (as a client told "this server is going away" does). */
  stopOn503?: boolean;
  /** A client stops when its connection is refused (the server no longer listens). */
  stopOnRefused?: boolean;
  /** Pause between a client's requests (default 0). */
  pauseMs?: number;
}

const texts = [
  "I forgot my password and can't log in",
  'The VPN disconnects every few minutes since this morning',
  'Please add me to the finance shared drive',
  'My laptop screen flickers when it is on battery',
];

function post(agent: http.Agent, base: URL, client: number, n: number): Promise<Outcome> {
  const sentAt = Date.now();
  const body = JSON.stringify({
    subject: `load ${client}-${n}`,
    description: texts[(client + n) % texts.length],
    requester: { email: `load-${client}@example.com` },
  });
  return new Promise((resolve) => {
    const done = (outcome: Omit<Outcome, 'client' | 'sentAt' | 'ms'>) =>
      resolve({ client, sentAt, ms: Date.now() - sentAt, ...outcome });
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path: '/api/tickets',
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', (error: NodeJS.ErrnoException) =>
          done({ error: error.code ?? error.message }),
        );
        res.on('end', () => {
          let parsed: { id?: unknown; title?: unknown } = {};
          try {
            parsed = JSON.parse(text) as typeof parsed;
          } catch {
            // recorded as it is: a body that is not JSON has neither id nor title
          }
          done({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            connection: res.headers.connection ?? '',
            ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}),
            ...(typeof parsed.id === 'string' ? { id: parsed.id } : {}),
            ...(typeof parsed.title === 'string' ? { title: parsed.title } : {}),
          });
        });
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('client timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
    req.end(body);
  });
}

/**
 * `clients` keep-alive clients (one connection each, reused) posting tickets back to back until
 * stopped or a bound is reached. Every request's outcome is kept, errors included.
 */
export function startTicketLoad(url: string, options: LoadOptions) {
  const base = new URL(url);
  const outcomes: Outcome[] = [];
  const started = Date.now();
  let stopped = false;
  const running = Array.from({ length: options.clients }, async (_, client) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let n = 0; !stopped; n++) {
        if (outcomes.length >= options.maxRequests || Date.now() - started > options.maxMs) break;
        const outcome = await post(agent, base, client, n);
        outcomes.push(outcome);
        if (options.stopOn503 && outcome.status === 503) break;
        if (options.stopOnRefused && outcome.error === 'ECONNREFUSED') break;
        if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
      }
    } finally {
      agent.destroy();
    }
  });
  const done = Promise.all(running).then(() => undefined);
  return {
    outcomes,
    done,
    async stop() {
      stopped = true;
      await done;
    },
  };
}
