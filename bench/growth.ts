import { randomUUID } from 'node:crypto';
import { createPostgresEventStore } from '../src/eventstore/index.ts';
import { foldTicket } from '../machines/index.ts';
import type { AnyNewEvent } from '../src/events/index.ts';
import { closedLoop, type BenchContext } from './context.ts';
import { openBenchDb, type DbKind } from './db.ts';
import { cloneStream, eventBatch, rng } from './fixtures.ts';
import { prefillBulk, readAllPages, ticketTemplates } from './prefill.ts';
import { summarize, summarizeRate } from './stats.ts';
import { ticketWriter } from './store.ts';

const group = 'growth';

export function growthSizes(ctx: BenchContext): number[] {
  if (ctx.options.quick) return [10_000, 30_000];
  return [10_000, 100_000, 1_000_000];
}

/** Append, readAll and rebuild figures at growing log sizes (filled with batches of 100 through the store). */
export async function benchGrowth(ctx: BenchContext, kind: DbKind): Promise<void> {
  const { durationMs } = ctx.options;
  const repeats = 3;
  const bdb = await openBenchDb(kind, ctx.options.postgresUrl);
  const store = createPostgresEventStore(bdb.db);
  const r = rng(21);
  const perSize: Array<{
    size: number;
    single1: number;
    single8: number;
    batch100: number;
    lat1: number;
  }> = [];
  try {
    let filled = 0;
    for (const size of growthSizes(ctx)) {
      const t0 = performance.now();
      filled += await prefillBulk(store, size - filled, kind === 'postgres' ? 4 : 1);
      const fillSeconds = (performance.now() - t0) / 1000;
      ctx.log(`growth ${kind}: log at ${filled} events (fill ${fillSeconds.toFixed(1)} s)`);
      const label = `log of ${size.toLocaleString('en-US')} events`;
      const s1: number[] = [];
      const s8: number[] = [];
      const b100: number[] = [];
      const lat1: number[] = [];
      const w1 = ticketWriter(store);
      const w8 = Array.from({ length: 8 }, () => ticketWriter(store));
      for (let rep = 0; rep < repeats; rep++) {
        const a = await closedLoop(1, durationMs, () => w1());
        s1.push(a.units / a.seconds);
        lat1.push(...a.latenciesMs);
        const b = await closedLoop(8, durationMs, (w) => w8[w]!());
        s8.push(b.units / b.seconds);
        const template = eventBatch(r, randomUUID(), 100);
        const c = await closedLoop(1, durationMs, async () => {
          const events = template.map((e) => ({ ...e, id: randomUUID() }) as AnyNewEvent);
          await store.appendToStream(`ticket-${randomUUID()}`, events, 'no_stream');
          return 100;
        });
        b100.push(c.units / c.seconds);
      }
      const x1 = ctx.addRate(
        { group, db: kind, name: `${label}: single-event appends, 1 connection`, unit: 'events/s' },
        s1,
      );
      ctx.addLatency(
        {
          group,
          db: kind,
          name: `${label}: single-event append latency, 1 connection`,
          unit: 'ms',
        },
        lat1,
      );
      const x8 = ctx.addRate(
        {
          group,
          db: kind,
          name: `${label}: single-event appends, 8 ${kind === 'pglite' ? 'callers' : 'connections'}`,
          unit: 'events/s',
        },
        s8,
      );
      const xb = ctx.addRate(
        { group, db: kind, name: `${label}: batches of 100`, unit: 'events/s' },
        b100,
      );
      // readAll: 20 pages of 1000 from the middle of the log.
      const mid = Math.floor((await store.headPosition()) / 2);
      const after = (await store.positionExists(mid)) ? mid : 0;
      const reads: number[] = [];
      for (let rep = 0; rep < repeats; rep++) {
        const res = await readAllPages(store, 1000, after, 20_000);
        reads.push(res.read / res.seconds);
      }
      ctx.addRate(
        {
          group,
          db: kind,
          name: `${label}: readAll, 20 pages of 1000 from the middle`,
          unit: 'events/s',
        },
        reads,
      );
      // One ticket's rebuild at this size.
      const longest = ticketTemplates().reduce((a, b) =>
        b.events.length > a.events.length ? b : a,
      );
      const t = cloneStream(longest);
      await store.appendToStream(t.streamId, t.events, 'no_stream');
      const rb: number[] = [];
      for (let i = 0; i < 300; i++) {
        const s = performance.now();
        foldTicket(await store.readStream(t.streamId));
        rb.push(performance.now() - s);
      }
      ctx.addLatency(
        {
          group,
          db: kind,
          name: `${label}: rebuild one ${t.events.length}-event ticket (readStream + fold)`,
          unit: 'ms',
        },
        rb.slice(20),
      );
      perSize.push({
        size,
        single1: x1.median,
        single8: x8.median,
        batch100: xb.median,
        lat1: summarize(lat1).median,
      });
    }
    const first = perSize[0]!;
    const last = perSize.at(-1)!;
    for (const [key, label] of [
      ['single1', 'single-event appends, 1 connection'],
      ['single8', 'single-event appends, 8 connections'],
      ['batch100', 'batches of 100'],
    ] as const) {
      const ratio = last[key] / first[key];
      ctx.add({
        group,
        db: kind,
        name: `append throughput at ${last.size.toLocaleString('en-US')} vs ${first.size.toLocaleString('en-US')} events: ${label}`,
        unit: '% of the small-log figure',
        median: ratio * 100,
        target: 'within 20 % (≥ 80 %)',
        met: ratio >= 0.8 && ratio <= 1.2 ? true : ratio > 1.2 ? true : false,
      });
    }
    void summarizeRate;
  } finally {
    await bdb.dispose();
  }
}
