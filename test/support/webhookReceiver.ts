import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the receiver got: the Standard Webhooks headers and the raw body. */
export interface Received {
  headers: Record<string, string>;
  body: string;
  event: { id: string; subject: string; type: string; tfstreamversion: number; tfposition: number };
}

/**
 * How the receiver answers one request: a status (with headers), `hang` (never answers),
 * `close` (sends headers and part of a body, then drops the connection).
 */
export type Answer =
  { status: number; headers?: Record<string, string>; body?: string } | 'hang' | 'close';

/**
 * A real HTTP receiver on loopback, started by the test. `answer` decides per request (default
 * 204); every request that arrived is in `received`, whatever was answered, and `accepted` holds
 * those answered 2xx. `stop()` and `start()` take it away and bring it back on the same port.
 */
export async function startReceiver(port = 0) {
  const received: Received[] = [];
  const accepted: Received[] = [];
  const sockets = new Set<Socket>();
  let answer: (r: Received) => Answer = () => ({ status: 204 });
  let server: http.Server;

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body,
        event: JSON.parse(body) as Received['event'],
      };
      received.push(r);
      const a = answer(r);
      if (a === 'hang') return;
      if (a === 'close') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      }
      if (a.status >= 200 && a.status < 300) accepted.push(r);
      res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '');
    });
  };

  async function listen(onPort: number): Promise<number> {
    server = http.createServer(handler);
    server.keepAliveTimeout = 60_000;
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(onPort, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  const boundPort = await listen(port);
  return {
    url: `http://127.0.0.1:${boundPort}/hook`,
    port: boundPort,
    received,
    accepted,
    answerWith(fn: (r: Received) => Answer) {
      answer = fn;
    },
    /** Goes away entirely: connections are refused until `start()`. */
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async start() {
      await listen(boundPort);
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Waits for a condition, polling; fails with `what` after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
