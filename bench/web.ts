/**
 * The web UI's pages with many tickets: the agent's queue page and a ticket page, answered by the
 * server (in-process, on loopback) with N tickets in the read model (default 100 000), and the
 * size of the first page's JavaScript and CSS as served (gzip).
 *
 *   npm run bench -- --only web            (in the full report)
 *   npx tsx bench/web.ts [--tickets N]     (alone; prints the figures)
 *
 * The queue page reads the tickets read model (tf_tickets, tf_sla_timers), so the bulk of the
 * tickets is written there directly (one INSERT ... SELECT generate_series): appending 100 k
 * ticket histories through the workflow would take far longer than the measurement and measure
 * nothing the page reads. A few dozen real tickets go through the workflow, for the ticket pages
 * (which read one ticket's stream).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.ts';
import { createTicketflow } from '../src/server/index.ts';
import { webAssets } from '../src/web/index.ts';
import type { BenchContext } from './context.ts';
import { summarize } from './stats.ts';

const admin = { id: 'bench', role: 'admin' as const };

async function timed(url: string, cookie: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie } });
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return { ms: performance.now() - t0, bytes: body.byteLength };
}

/** Cookies of a session opened through the sign-in form. */
async function signIn(base: string, token: string): Promise<string> {
  const form = await fetch(`${base}/signin`);
  const csrfCookie = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await fetch(`${base}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, token }),
  });
  return [csrfCookie, ...res.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
}

export interface WebBenchResult {
  tickets: number;
  queue: ReturnType<typeof summarize>;
  ticket: ReturnType<typeof summarize>;
  queueBytes: number;
  firstPageAssetsGzip: number;
  firstPageAssets: Record<string, number>;
}

export async function measureWeb(tickets: number, requests: number): Promise<WebBenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-web-bench-'));
  const config = loadConfig({
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    WEB_COOKIE_SECURE: 'false',
    RATE_LIMIT_INTAKE_PER_ADDRESS: '0',
    RATE_LIMIT_PER_TOKEN: '0',
  });
  const tf = await createTicketflow(config, pino({ level: 'silent' }));
  const server = createServer(tf.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    // Real tickets through the workflow, for the ticket pages.
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const t = await tf.workflow.submit({
        description: `The payroll server ${i} is down since this morning, nobody can log in`,
        requester: { email: `req${i}@example.com`, verified: true },
        actor: { id: `req${i}@example.com`, role: 'requester' },
      });
      await t.settled.catch(() => undefined);
      ids.push(t.ticketId);
    }
    await tf.projector.catchUp();
    // The bulk: open and closed tickets over three levels, with their SLA breach timers.
    const bulk = Math.max(0, tickets - ids.length);
    await tf.db.query(
      `INSERT INTO tf_tickets (id, version, status, level, category, confidence, subject, description,
         requester_email, created_at, updated_at, assignee)
       SELECT gen_random_uuid(), 6,
         (ARRAY['closed','closed','closed','closed','closed','closed','closed','answered','escalated','in_progress'])[1 + i % 10],
         1 + i % 3, 'application', 0.5, 'Ticket ' || i, 'Something is broken (' || i || ')',
         'user' || (i % 5000) || '@example.com', now() - make_interval(mins => i), now() - make_interval(mins => i % 997),
         CASE WHEN i % 10 = 9 THEN 'agent' || (i % 7) || '@example.com' END
       FROM generate_series(1, $1::int) AS i`,
      [bulk],
    );
    await tf.db.query(
      `INSERT INTO tf_sla_timers (ticket_id, kind, due_at, version)
       SELECT id, 'resolution:breach', now() + make_interval(mins => (abs(hashtext(id::text)) % 2000) - 200), 6
       FROM tf_tickets WHERE status IN ('escalated', 'in_progress') AND description LIKE 'Something is broken%'`,
    );
    await tf.db.query('ANALYZE');
    await tf.users.create(
      { email: 'bench-agent@example.com', role: 'agent', levels: [1, 2, 3] },
      admin,
    );
    const { token } = await tf.users.issueToken('bench-agent@example.com', {}, admin);
    await tf.projector.catchUp();
    const cookie = await signIn(base, token);

    const queue: number[] = [];
    const ticket: number[] = [];
    let queueBytes = 0;
    for (let i = 0; i < requests + 20; i++) {
      const level = 1 + (i % 3);
      const q = await timed(`${base}/queues/${level}`, cookie);
      const t = await timed(`${base}/tickets/${ids[i % ids.length]}`, cookie);
      if (i < 20) continue; // warm-up
      queue.push(q.ms);
      ticket.push(t.ms);
      queueBytes = q.bytes;
    }
    const firstPageAssets = Object.fromEntries(
      [...webAssets().values()].map((a) => [a.name, a.gzip.byteLength]),
    );
    return {
      tickets: ids.length + bulk,
      queue: summarize(queue),
      ticket: summarize(ticket),
      queueBytes,
      firstPageAssetsGzip: Object.values(firstPageAssets).reduce((a, b) => a + b, 0),
      firstPageAssets,
    };
  } finally {
    server.closeAllConnections();
    server.close();
    await tf.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The group in `npm run bench` (PGlite: the default install). */
export async function benchWeb(ctx: BenchContext): Promise<void> {
  const tickets = ctx.options.quick ? 10_000 : 100_000;
  const r = await measureWeb(tickets, ctx.options.quick ? 60 : 300);
  const base = { group: 'web', db: 'pglite' as const, unit: 'ms' };
  ctx.add({
    ...base,
    name: `web queue page, ${r.tickets} tickets`,
    median: r.queue.median,
    p95: r.queue.p95,
    p99: r.queue.p99,
    n: r.queue.n,
    target: 'p95 < 50 ms',
    met: r.queue.p95 < 50,
  });
  ctx.add({
    ...base,
    name: `web ticket page, ${r.tickets} tickets`,
    median: r.ticket.median,
    p95: r.ticket.p95,
    p99: r.ticket.p99,
    n: r.ticket.n,
    target: 'p95 < 50 ms',
    met: r.ticket.p95 < 50,
  });
  ctx.add({
    ...base,
    unit: 'bytes',
    name: 'web first page JS+CSS (gzip)',
    median: r.firstPageAssetsGzip,
    target: '< 100 kB',
    met: r.firstPageAssetsGzip < 100_000,
  });
  ctx.note(
    'web',
    `Assets (gzip bytes): ${JSON.stringify(r.firstPageAssets)}; the queue page itself is ${r.queueBytes} bytes of HTML (uncompressed).`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--tickets');
  const tickets = at > 0 ? Number(process.argv[at + 1]) : 100_000;
  const r = await measureWeb(tickets, 300);
  const f = (x: number) => x.toFixed(1);
  console.log(`| page | tickets | median ms | p95 ms | p99 ms | n |\n|---|---|---|---|---|---|`);
  console.log(
    `| queue | ${r.tickets} | ${f(r.queue.median)} | ${f(r.queue.p95)} | ${f(r.queue.p99)} | ${r.queue.n} |`,
  );
  console.log(
    `| ticket | ${r.tickets} | ${f(r.ticket.median)} | ${f(r.ticket.p95)} | ${f(r.ticket.p99)} | ${r.ticket.n} |`,
  );
  console.log(
    `first page JS+CSS gzip: ${r.firstPageAssetsGzip} bytes ${JSON.stringify(r.firstPageAssets)}; queue page HTML ${r.queueBytes} bytes`,
  );
}
