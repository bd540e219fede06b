import { randomUUID } from 'node:crypto';
import { createPostgresEventStore } from '../src/eventstore/index.ts';
import { foldTicket } from '../machines/index.ts';
import type { BenchContext } from './context.ts';
import { openBenchDb, type DbKind } from './db.ts';
import { asStored, buildTicketStream, eventBatch, rng } from './fixtures.ts';
import { prefillBulk, readAllPages, ticketTemplates } from './prefill.ts';
import { summarize } from './stats.ts';
import { profileInProcess, summarizeProfile } from './profile.ts';
import type { StoredEvent } from '../src/events/index.ts';

const group = 'replay';

/** Folding in memory: no database, the machine alone. */
export function benchFold(ctx: BenchContext): {
  longest: number;
  tickets: StoredEvent[][];
  missed: boolean;
} {
  const { quick, repeats } = ctx.options;
  const tickets = ticketTemplates().map((t) => asStored(t));
  const lengths = tickets.map((t) => t.length);
  const total = lengths.reduce((a, b) => a + b, 0);
  const ls = summarize(lengths);
  // Warm up the JIT.
  for (const t of tickets) foldTicket(t);
  const rates: number[] = [];
  const passes = quick ? 3 : 10;
  for (let rep = 0; rep < Math.max(repeats, 3); rep++) {
    const t0 = performance.now();
    for (let p = 0; p < passes; p++) for (const t of tickets) foldTicket(t);
    rates.push((total * passes) / ((performance.now() - t0) / 1000));
  }
  const run = ctx.addRate(
    {
      group,
      db: 'none',
      name: `replay: events folded through the machine (${tickets.length} legal tickets of ${ls.min}-${ls.max} events, mean ${ls.mean.toFixed(1)}, each folded ${passes}× per run)`,
      unit: 'events/s',
      target: '≥ 200,000 events/s',
    },
    rates,
  );
  run.met = run.median >= 200_000;
  return { longest: Math.max(...lengths), tickets, missed: !run.met };
}

/** When the fold misses its target: where its time goes, sampled by V8's profiler. */
export async function profileFold(ctx: BenchContext, tickets: StoredEvent[][]): Promise<void> {
  const { profile } = await profileInProcess(async () => {
    const until = performance.now() + 3000;
    while (performance.now() < until) for (const t of tickets) foldTicket(t);
  });
  ctx.note(
    group,
    `**CPU profile of the fold** (\`foldTicket\` over the same tickets for 3 s, in-process V8 sampling profiler):\n\n${summarizeProfile(profile, 20)}`,
  );
}

/** One ticket's rebuild (readStream + fold) and readAll throughput, on a database. */
export async function benchReplayDb(
  ctx: BenchContext,
  kind: DbKind,
  longest: number,
): Promise<void> {
  const { quick, repeats } = ctx.options;
  const bdb = await openBenchDb(kind, ctx.options.postgresUrl);
  try {
    const store = createPostgresEventStore(bdb.db);
    // A log of some size around the ticket, so the index lookups are not into an empty table.
    const logSize = quick ? 10_000 : 100_000;
    await prefillBulk(store, logSize, kind === 'postgres' ? 4 : 1);
    const r = rng(9);
    const ticket = buildTicketStream(r, 50);
    await store.appendToStream(ticket.streamId, ticket.events, 'no_stream');
    const longId = randomUUID();
    await store.appendToStream(`ticket-${longId}`, eventBatch(r, longId, 50), 'no_stream');
    const iterations = quick ? 300 : 1500;
    const rebuild: number[] = [];
    const read50: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      foldTicket(await store.readStream(ticket.streamId));
      rebuild.push(performance.now() - t0);
      const t1 = performance.now();
      await store.readStream(`ticket-${longId}`);
      read50.push(performance.now() - t1);
    }
    const rb = ctx.addLatency(
      {
        group,
        db: kind,
        name: `rebuild one ticket (readStream + fold), ${ticket.events.length} events`,
        unit: 'ms',
        target: ticket.events.length >= 50 ? '< 2 ms' : undefined,
      },
      rebuild.slice(20),
    );
    if (ticket.events.length >= 50) rb.met = rb.median < 2;
    const rd = ctx.addLatency(
      { group, db: kind, name: 'readStream of a 50-event stream', unit: 'ms' },
      read50.slice(20),
    );
    if (longest < 50) {
      // Fold 50 events of legal tickets (the machine has no 50-event ticket yet).
      const pool = ticketTemplates().map((t) => asStored(t));
      const folds: number[] = [];
      for (let i = 0; i < iterations; i++) {
        let n = 0;
        let j = i;
        const t0 = performance.now();
        while (n < 50) {
          const t = pool[j++ % pool.length]!;
          foldTicket(t);
          n += t.length;
        }
        folds.push(((performance.now() - t0) * 50) / n);
      }
      const fs = summarize(folds.slice(20));
      const est = ctx.add({
        group,
        db: kind,
        name: '50-event rebuild = readStream(50) + fold(50 events), sum of measured medians/p99s',
        unit: 'ms',
        median: rd.median + fs.median,
        p95: (rd.p95 ?? 0) + fs.p95,
        p99: (rd.p99 ?? 0) + fs.p99,
        target: '< 2 ms',
      });
      est.met = est.median < 2;
    }
    // readAll: the whole log in pages of 1000.
    const rates: number[] = [];
    let total = 0;
    for (let rep = 0; rep < repeats; rep++) {
      const res = await readAllPages(store, 1000);
      total = res.read;
      rates.push(res.read / res.seconds);
    }
    ctx.addRate(
      {
        group,
        db: kind,
        name: `readAll, pages of 1000, whole log of ${total} events`,
        unit: 'events/s',
      },
      rates,
    );
  } finally {
    await bdb.dispose();
  }
}
