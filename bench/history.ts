/**
 * How reads grow with history (issue 15, item 5): PostgreSQL filled with 10 k, 100 k, then 1 M
 * tickets (bench/history-fill.ts), and at each size the API's reads through the real HTTP app
 * (createTicketflow, in this process, on a loopback port), the projector's catch-up over what was
 * added, and a rebuild of the tickets read model.
 */
import type { Server } from 'node:http';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.ts';
import { createPostgresEventStore, type EventStore } from '../src/eventstore/index.ts';
import { createProjector } from '../src/projector/index.ts';
import { alwaysLeader } from '../src/projector/lease.ts';
import { createProjections } from '../projections/index.ts';
import { slaSettingsFrom } from '../src/sla/settings.ts';
import { createTicketflow, type Ticketflow } from '../src/server/index.ts';
import { encodeCursor } from '../src/api/cursor.ts';
import type { BenchContext, Run } from './context.ts';
import { openBenchDb, type BenchDb } from './db.ts';
import { appendTickets, historyTemplates } from './history-fill.ts';
import { httpClient } from './http.ts';
import { historySection, type SizeFigures } from './history-report.ts';
import { summarize } from './stats.ts';

export const historyHeading = 'How reads grow with history (issue 15, item 5)';

const group = 'history';
const silent = pino({ level: 'silent' });
/** Open tickets, the newest: a desk's backlog does not grow with its history. */
const backlog = 1_000;

/**
 * The server's configuration for these runs: no per-token limit (one client reads as fast as it
 * can), and SLA targets and auto-close far away, so no clock fires while reads are measured.
 */
export const quietConfig = {
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_TOKEN: '0',
  AUTO_CLOSE_AFTER_HOURS: '1000000',
  SLA_POLICY: JSON.stringify(
    Object.fromEntries(
      ['1', '2', '3'].map((l) => [l, { firstResponseMinutes: 1e8, resolutionMinutes: 1e8 }]),
    ),
  ),
};
const config = loadConfig(quietConfig);
const projections = createProjections(slaSettingsFrom(config));

export function historySizes(ctx: BenchContext): number[] {
  const sizes = ctx.options.quick ? [2_000, 10_000] : [10_000, 100_000, 300_000, 1_000_000];
  const max = ctx.options.historyMax ?? Infinity;
  return sizes.filter((s) => s <= max);
}

/** One read: a name and the path of its next request (which may differ each time). */
interface Read {
  name: string;
  path: () => string;
}

interface Sample {
  ticketIds: string[];
  cursors: string[];
  positions: number[];
  requesters: string[];
}

/** Tickets, list positions and log positions spread over the whole history, drawn at random. */
async function sampleOf(bdb: BenchDb, store: EventStore): Promise<Sample> {
  const { rows } = (await bdb.raw(
    `SELECT id, requester_email, to_json(created_at) #>> '{}' AS created_at_key
     FROM tf_tickets ORDER BY random() LIMIT 500`,
  )) as { rows: Array<{ id: string; requester_email: string; created_at_key: string }> };
  const head = await store.headPosition();
  const positions: number[] = [];
  for (let i = 0; i < 200; i++) {
    const want = Math.floor(Math.random() * Math.max(1, head - 1000));
    const { rows: at } = (await bdb.raw(
      `SELECT position FROM tf_events WHERE position >= $1 ORDER BY position LIMIT 1`,
      [want],
    )) as { rows: Array<{ position: string | number }> };
    positions.push(Number(at[0]?.position ?? 0));
  }
  return {
    ticketIds: rows.map((r) => r.id),
    cursors: rows.map((r) => encodeCursor({ createdAt: r.created_at_key, id: r.id })),
    positions,
    requesters: rows.map((r) => r.requester_email),
  };
}

function readsOf(s: Sample): Read[] {
  let i = 0;
  const pick = <T>(xs: T[]): T => xs[i++ % xs.length]!;
  return [
    // Controls: reads whose cost does not depend on the history. When they slow down from one
    // size to the next, the machine did (other agents' load), not the reads.
    { name: 'control: GET /health (no database)', path: () => '/health' },
    { name: 'control: GET /ready (one database round trip)', path: () => '/ready' },
    { name: 'ticket page GET /api/tickets/:id', path: () => `/api/tickets/${pick(s.ticketIds)}` },
    { name: 'ticket list, first page (50)', path: () => '/api/tickets?limit=50' },
    {
      name: 'ticket list, a page at a random depth (cursor)',
      path: () => `/api/tickets?limit=50&cursor=${pick(s.cursors)}`,
    },
    {
      name: 'ticket list, status=escalated,assigned,in_progress',
      path: () => '/api/tickets?limit=50&status=escalated,assigned,in_progress',
    },
    {
      name: 'ticket list, status=closed, at a random depth',
      path: () => `/api/tickets?limit=50&status=closed&cursor=${pick(s.cursors)}`,
    },
    {
      name: 'ticket list, level=2, at a random depth',
      path: () => `/api/tickets?limit=50&level=2&cursor=${pick(s.cursors)}`,
    },
    {
      name: 'ticket list, requester=… (one of 20,000)',
      path: () => `/api/tickets?limit=50&requester=${encodeURIComponent(pick(s.requesters))}`,
    },
    { name: 'queue GET /api/queues/2', path: () => '/api/queues/2' },
    { name: 'queue GET /api/queues/3?assignee=none', path: () => '/api/queues/3?assignee=none' },
    {
      name: 'queue GET /api/queues/1?state=resolved',
      path: () => '/api/queues/1?state=resolved',
    },
    {
      name: 'catch-up page GET /api/events?after=…&limit=1000',
      path: () => `/api/events?after=${pick(s.positions)}&limit=1000`,
    },
    {
      name: "one ticket's replay GET /api/tickets/:id/state?version=3",
      path: () => `/api/tickets/${pick(s.ticketIds)}/state?version=3`,
    },
    {
      name: "one ticket's events GET /api/tickets/:id/events",
      path: () => `/api/tickets/${pick(s.ticketIds)}/events`,
    },
  ];
}

/** The product in this process on a loopback port, with an auditor's token (reads everything). */
async function startApp(bdb: BenchDb) {
  const tf: Ticketflow = await createTicketflow(config, silent, { db: bdb.db });
  const admin = { id: 'bench', role: 'admin' as const };
  const email = `auditor-${Date.now()}@example.com`;
  await tf.users.create({ email, role: 'auditor' }, admin);
  const { token } = await tf.users.issueToken(email, { role: 'auditor' }, admin);
  await tf.projector.catchUp();
  const server: Server = await new Promise((resolve) => {
    const s = tf.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    auth: { authorization: `Bearer ${token}` },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tf.stop();
    },
  };
}

/** `count` requests of each read, one at a time after a warm-up; latencies in ms. */
async function measureReads(
  url: string,
  auth: Record<string, string>,
  reads: Read[],
  count: number,
): Promise<Map<string, number[]>> {
  const client = httpClient(url, 1);
  const out = new Map<string, number[]>();
  try {
    for (const read of reads) {
      const ms: number[] = [];
      for (let i = 0; i < count + 20; i++) {
        const res = await client.request('GET', read.path(), undefined, auth, 60_000);
        if (res.status !== 200)
          throw new Error(`${read.name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
        if (i >= 20) ms.push(res.ms);
      }
      out.set(read.name, ms);
    }
  } finally {
    client.close();
  }
  return out;
}

/** The projector's own catch-up (every projection, this process leading) over what is new. */
export async function catchUpAll(bdb: BenchDb, store: EventStore) {
  const lease = alwaysLeader();
  for (const p of projections) await lease.tryAcquire(p.name);
  const projector = createProjector({ db: bdb.db, store, projections, logger: silent, lease });
  const t0 = performance.now();
  await projector.catchUp();
  const seconds = (performance.now() - t0) / 1000;
  return { projector, seconds };
}

export async function benchHistory(ctx: BenchContext): Promise<void> {
  const bdb = await openBenchDb('postgres', ctx.options.postgresUrl, 16);
  const store = createPostgresEventStore(bdb.db);
  const now = Date.now();
  const firstFigures = new Map<string, Run>();
  let tickets = 0;
  let events = 0;
  const figures: SizeFigures[] = [];
  historyTemplates(); // built once, before any fill is timed
  try {
    for (const size of historySizes(ctx)) {
      const label = `${size.toLocaleString('en-US')} tickets`;
      // Fill: the open backlog once, then closed history up to `size`, one append per ticket.
      const t0 = performance.now();
      let added = 0;
      if (tickets === 0) added += await appendTickets(store, 'open', 0, backlog, now, 8);
      added += await appendTickets(
        store,
        'closed',
        Math.max(0, tickets - backlog),
        size - backlog,
        now,
        8,
      );
      tickets = size;
      events += added;
      const fillSeconds = (performance.now() - t0) / 1000;
      const { projector, seconds } = await catchUpAll(bdb, store);
      ctx.log(
        `history: ${label}, ${events} events (added ${added} in ${fillSeconds.toFixed(0)} s, projected in ${seconds.toFixed(0)} s)`,
      );
      ctx.add({
        group,
        db: 'postgres',
        name: `${label}: fill, one append per ticket (8 in flight), ${added.toLocaleString('en-US')} events added`,
        unit: 'events/s',
        median: added / fillSeconds,
        note: `log of ${events.toLocaleString('en-US')} events after it`,
      });
      ctx.add({
        group,
        db: 'postgres',
        name: `${label}: projector catch-up over the events added (every projection)`,
        unit: 'events/s',
        median: added / seconds,
      });
      await bdb.raw('ANALYZE');
      const app = await startApp(bdb);
      let latencies: Map<string, number[]>;
      try {
        const sample = await sampleOf(bdb, store);
        latencies = await measureReads(
          app.url,
          app.auth,
          readsOf(sample),
          ctx.options.quick ? 50 : 200,
        );
      } finally {
        await app.stop();
      }
      for (const [name, ms] of latencies) {
        const s = summarize(ms);
        const first = firstFigures.get(name);
        const run = ctx.addLatency(
          {
            group,
            db: 'postgres',
            name: `${label}: ${name}`,
            unit: 'ms',
            ...(first
              ? {
                  ratioToBaseline: s.median / first.median,
                  baseline: first.name,
                  target: 'median within 2× of the first size',
                  met: s.median <= 2 * first.median,
                }
              : {}),
          },
          ms,
        );
        if (!first) firstFigures.set(name, run);
      }
      const figure: SizeFigures = {
        tickets: size,
        events,
        reads: new Map([...latencies].map(([name, ms]) => [name, summarize(ms)])),
        fill: added / fillSeconds,
        catchUp: added / seconds,
        rebuild: null,
        rebuildNote: 'running',
      };
      figures.push(figure);
      ctx.sections.set(historyHeading, historySection(figures, howFilled(ctx)));
      await ctx.flushSections();
      Object.assign(figure, await rebuildTickets(ctx, projector, label, events, size));
      await projector.stop();
      ctx.sections.set(historyHeading, historySection(figures, howFilled(ctx)));
      await ctx.flushSections();
    }
  } finally {
    await bdb.dispose();
  }
}

function howFilled(ctx: BenchContext): string[] {
  return [
    `How the database was filled: a fresh schema on the PostgreSQL server (${ctx.options.postgresUrl.replace(/\?.*$/, '')}), dropped afterwards. ${backlog.toLocaleString('en-US')} open tickets (the newest, received over the last hours, in the states agents work) and behind them closed or resolved tickets, one every 30 s going back in time, from ${(20_000).toLocaleString('en-US')} requesters; each a legal history of 4-16 events walked through the ticket machine (bench/history-fill.ts), appended whole through the store's \`appendToStream\` (one append per ticket, 8 in flight), then the read tables brought up to date by the projector's own catch-up (every projection, as a restarted server does). Each size adds to the previous one. \`ANALYZE\` runs after each fill (autovacuum would, later). The server is the product's composition root (\`createTicketflow\`) in the bench process, read over loopback HTTP with an auditor's token; SLA targets and auto-close are set far away so that no clock fires during the reads.`,
  ];
}

/** The tickets read model rebuilt from the log into shadow tables and swapped in. */
async function rebuildTickets(
  ctx: BenchContext,
  projector: ReturnType<typeof createProjector>,
  label: string,
  events: number,
  size: number,
): Promise<{ rebuild: number | null; rebuildNote: string }> {
  if (size > (ctx.options.quick ? 10_000 : 1_000_000)) return { rebuild: null, rebuildNote: '' };
  const t0 = performance.now();
  const applied = await projector.rebuild('tickets');
  const seconds = (performance.now() - t0) / 1000;
  ctx.add({
    group,
    db: 'postgres',
    name: `${label}: rebuild of the tickets read model from the log (shadow tables, swap)`,
    unit: 'events/s',
    median: applied / seconds,
    note: `${applied.toLocaleString('en-US')} ticket events of ${events.toLocaleString('en-US')} in ${seconds.toFixed(1)} s`,
  });
  return {
    rebuild: applied / seconds,
    rebuildNote: `${applied.toLocaleString('en-US')} events in ${seconds.toFixed(0)} s`,
  };
}
