import http, { type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../src/server/httpServer.ts';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(
  agent: http.Agent,
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A handler with a request held until the test releases it, and one that never answers. */
function testHandler() {
  const held: Array<() => void> = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    const ok = () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    if (req.url === '/held') return void held.push(ok);
    if (req.url === '/hang') return;
    ok();
  };
  return {
    handler,
    release: () => held.splice(0).forEach((ok) => ok()),
    heldCount: () => held.length,
  };
}

const untilTrue = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

describe('the HTTP server lifecycle (src/server/httpServer.ts)', () => {
  let http503: HttpServer | undefined;
  const agents: http.Agent[] = [];
  const keepAlive = () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };
  afterEach(async () => {
    for (const agent of agents.splice(0)) agent.destroy();
    await http503?.close(0);
  });

  async function start(requestTimeoutMs = 5000) {
    const test = testHandler();
    http503 = createHttpServer(test.handler, {
      port: 0,
      host: '127.0.0.1',
      requestTimeoutMs,
      headersTimeoutMs: 5000,
      maxWaitSeconds: 30,
    });
    const { port } = await http503.listen();
    return { ...test, port, server: http503 };
  }

  it('after drain: refuses new requests on kept-alive connections with 503 problem+json and Connection: close; the one in flight finishes and closes its connection', async () => {
    const { port, server, release, heldCount } = await start();
    const busy = keepAlive();
    const idle = keepAlive();
    // Each agent now holds one open kept-alive connection.
    expect((await send(busy, port, '/fast')).status).toBe(200);
    expect((await send(idle, port, '/fast')).status).toBe(200);
    const inFlight = send(busy, port, '/held');
    await untilTrue(() => heldCount() === 1);

    server.drain();
    const refused = await send(idle, port, '/fast', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ description: 'x'.repeat(5000) }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['retry-after']).toBeDefined();
    expect(JSON.parse(refused.body)).toMatchObject({ status: 503, title: 'Shutting down' });

    let settled = false;
    const drained = server.settled(Date.now() + 5000).then((ok) => (settled = ok));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    release();
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(finished.headers.connection).toBe('close');
    await drained;
    expect(settled).toBe(true);
    await server.close();
  });

  it('answers a handler that hangs 503 problem+json after the request timeout (plus the Prefer: wait asked for)', async () => {
    const { port } = await start(200);
    const agent = keepAlive();
    let started = Date.now();
    const hung = await send(agent, port, '/hang');
    const plainMs = Date.now() - started;
    expect(hung.status).toBe(503);
    expect(hung.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(hung.headers.connection).toBe('close');
    expect(JSON.parse(hung.body)).toMatchObject({ title: 'Request timed out', status: 503 });
    expect(plainMs).toBeGreaterThanOrEqual(190);
    expect(plainMs).toBeLessThan(2000);
    started = Date.now();
    const waited = await send(agent, port, '/hang', { headers: { Prefer: 'wait=1' } });
    expect(waited.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
  });

  it('close() answers what is still running 503 rather than cutting its connection', async () => {
    const { port, server, heldCount } = await start();
    const reply = send(keepAlive(), port, '/held');
    await untilTrue(() => heldCount() === 1);
    server.drain();
    await server.close();
    const answered = await reply;
    expect(answered.status).toBe(503);
    expect(answered.headers.connection).toBe('close');
  });
});
