import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parsePreferWait } from '../api/index.ts';

export interface HttpServerOptions {
  port: number;
  host: string;
  /** Longest a handler may take before it is answered 503; `Prefer: wait=N` adds N seconds. */
  requestTimeoutMs: number;
  /** Longest a client may take to send its headers (at most `requestTimeoutMs`). */
  headersTimeoutMs: number;
  /** The cap on `Prefer: wait` (MAX_WAIT_SECONDS). */
  maxWaitSeconds: number;
}

export interface HttpServer {
  readonly server: Server;
  listen(): Promise<AddressInfo>;
  readonly draining: boolean;
  /**
   * From now on every new request (on a new or a kept-alive connection) is answered 503 with
   * `Connection: close`; requests in flight go on and their responses close their connections.
   */
  drain(): void;
  /**
   * Resolves true once no response is pending and every client has closed its connection (each
   * does after the `Connection: close` of its next answer), false if `deadline` (epoch ms) comes
   * first. Closing a kept-alive connection from this side while its client sends on it would
   * reset that request: waiting for the clients is what makes the stop clean.
   */
  settled(deadline: number): Promise<boolean>;
  /**
   * Answers what is still pending 503, ends open streams, stops listening and closes every
   * connection (those that do not close within `graceMs` are cut).
   */
  close(graceMs?: number): Promise<void>;
}

const headerText = (value: string | string[] | undefined) =>
  Array.isArray(value) ? value.join(', ') : value;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface ProblemText {
  title: string;
  detail: string;
}

const shuttingDown: ProblemText = {
  title: 'Shutting down',
  detail: 'this server is stopping and takes no new requests: retry shortly',
};

const timedOut: ProblemText = {
  title: 'Request timed out',
  detail:
    'the server did not finish in time (a write may or may not have been stored: retry it with the same Idempotency-Key)',
};

/**
 * Written with Node's own API: the express app may still hold the response (a handler that
 * hangs), so nothing of express is used. `Connection: close` tells a keep-alive client not to
 * send its next request on this connection, so closing it afterwards resets nothing.
 */
function answer(req: IncomingMessage, res: ServerResponse, problem: ProblemText): void {
  if (res.headersSent) return;
  const slug = problem.title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const body = JSON.stringify({
    type: `https://ticketflow.dev/problems/${slug}`,
    ...problem,
    status: 503,
    instance: req.url,
  });
  res.writeHead(503, {
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'Retry-After': '5',
    Connection: 'close',
  });
  res.end(body);
}

/**
 * Refuses after reading the request's body: closing a connection whose received data was not
 * read makes the kernel send a reset instead of a clean close.
 */
function refuse(req: IncomingMessage, res: ServerResponse): void {
  const respond = () => {
    clearTimeout(fallback);
    answer(req, res, shuttingDown);
  };
  const fallback = setTimeout(respond, 1000);
  req.once('end', respond);
  req.once('error', respond);
  req.resume();
}

/**
 * The HTTP server's lifecycle around a request handler (the express app): listening, a deadline
 * per request, and a drain that refuses new work while what is in flight finishes.
 */
export function createHttpServer(handler: Handler, options: HttpServerOptions): HttpServer {
  /** Responses not ended yet, with their deadline timers. */
  const pending = new Map<ServerResponse, NodeJS.Timeout>();
  const whenSettled = new Set<() => void>();
  let draining = false;

  const connections = new Set<Socket>();
  /**
   * Nothing left to wait for: every pending response is a stream (its headers went out, its body
   * is open-ended: close() ends it), and every connection left carries one of them.
   */
  const quiet = () => {
    const streams = new Set<Socket | null>();
    for (const res of pending.keys()) {
      if (!res.headersSent) return false;
      streams.add(res.socket);
    }
    return [...connections].every((socket) => streams.has(socket));
  };
  const changed = () => {
    if (draining && quiet()) for (const wake of whenSettled) wake();
  };
  const finished = (res: ServerResponse) => {
    clearTimeout(pending.get(res));
    if (pending.delete(res)) changed();
  };

  const server = createServer((req, res) => {
    if (draining) return refuse(req, res);
    const waitMs =
      (parsePreferWait(headerText(req.headers.prefer), options.maxWaitSeconds) ?? 0) * 1000;
    const timer = setTimeout(() => answer(req, res, timedOut), options.requestTimeoutMs + waitMs);
    pending.set(res, timer);
    res.once('finish', () => finished(res));
    res.once('close', () => finished(res));
    handler(req, res);
  });
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => {
      connections.delete(socket);
      changed();
    });
  });
  // Node's limits on receiving a request (a slow client); the handler's limit is the timer above.
  server.requestTimeout = options.requestTimeoutMs;
  server.headersTimeout = Math.min(options.headersTimeoutMs, options.requestTimeoutMs);

  return {
    server,
    get draining() {
      return draining;
    },
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    drain() {
      draining = true;
      for (const res of pending.keys()) if (!res.headersSent) res.setHeader('Connection', 'close');
    },
    settled(deadline) {
      if (quiet()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          whenSettled.delete(wake);
          resolve(ok);
        };
        const wake = () => done(true);
        const timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
        whenSettled.add(wake);
      });
    },
    async close(graceMs = 1000) {
      draining = true;
      for (const res of pending.keys()) {
        if (res.headersSent) res.end();
        else answer(res.req, res, shuttingDown);
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // server.close() closes idle connections; the ones still sending a response get a moment.
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(cut);
    },
  };
}
