/**
 * The privacy codec's cost (docs/privacy.md, "Cost"): single-event appends at 8 connections and
 * end-to-end tickets/s, each sealed against unsealed (the same store without the codec), the two
 * interleaved round by round so that load from elsewhere on the machine hits both alike; and the
 * time to erase one person with 100 tickets.
 */
import { randomUUID } from 'node:crypto';
import { createProjections } from '../projections/index.ts';
import { loadConfig } from '../src/config/index.ts';
import type { AnyNewEvent } from '../src/events/index.ts';
import { createPostgresEventStore, type EventStore } from '../src/eventstore/index.ts';
import { erasePerson, withPersonalDataSealed } from '../src/privacy/index.ts';
import { createProjector } from '../src/projector/index.ts';
import { slaSettingsFrom } from '../src/sla/index.ts';
import { pino } from 'pino';
import { closedLoop, type BenchContext } from './context.ts';
import { openBenchDb, type DbKind } from './db.ts';
import { runE2e } from './e2e.ts';
import { buildTicketStream, cloneStream, rng } from './fixtures.ts';
import { summarizeRate } from './stats.ts';
import { ticketWriter } from './store.ts';

const group = 'privacy';
const config = loadConfig({});

/**
 * `ticketWriter` (bench/store.ts) with the people a help desk has: a new requester on every
 * ticket (the costly case: a new data key each time) and a pool of 20 agents.
 */
export function peopleWriter(store: EventStore) {
  let tickets = 0;
  const agents = Array.from({ length: 20 }, (_, i) => `agent${i}@example.com`);
  const seen = new Map<string, string>();
  const inner: EventStore = {
    ...store,
    appendToStream(streamId, events, expected) {
      if (expected === 'no_stream')
        seen.set(streamId, `requester${tickets++}-${randomUUID().slice(0, 6)}@example.com`);
      const requester = seen.get(streamId)!;
      if (seen.size > 1000) seen.delete(seen.keys().next().value!);
      const mapped = events.map((e) => {
        const role = e.metadata.actor.role;
        const id =
          role === 'system'
            ? e.metadata.actor.id
            : role === 'requester'
              ? requester
              : agents[tickets % 20]!;
        const metadata = { ...e.metadata, actor: { id, role } };
        if (e.type !== 'TicketReceived') return { ...e, metadata } as AnyNewEvent;
        return {
          ...e,
          metadata,
          data: { ...e.data, requester: { email: requester } },
        } as AnyNewEvent;
      });
      return store.appendToStream(streamId, mapped, expected);
    },
  };
  return ticketWriter(inner);
}

async function appendRates(ctx: BenchContext, kind: DbKind): Promise<void> {
  const bdb = await openBenchDb(kind, ctx.options.postgresUrl);
  try {
    const stores = {
      unsealed: createPostgresEventStore(bdb.db),
      sealed: withPersonalDataSealed(createPostgresEventStore(bdb.db), bdb.db, config),
    };
    const rates = { unsealed: [] as number[], sealed: [] as number[] };
    const once = async (which: keyof typeof stores) => {
      const writers = Array.from({ length: 8 }, () => peopleWriter(stores[which]));
      const run = await closedLoop(8, ctx.options.durationMs, (w) => writers[w]!());
      rates[which].push(run.units / run.seconds);
    };
    await once('sealed'); // warm-up of both paths, not counted
    await once('unsealed');
    rates.sealed.length = rates.unsealed.length = 0;
    for (let round = 0; round < ctx.options.repeats * 2; round++) {
      const order: Array<keyof typeof stores> =
        round % 2 ? ['unsealed', 'sealed'] : ['sealed', 'unsealed'];
      for (const which of order) await once(which);
    }
    const base = `single-event appends (a new requester per ticket, 20 agents), ${kind === 'pglite' ? '8 concurrent callers' : '8 connections'}`;
    ctx.addRate(
      { group, db: kind, name: `${base}, unsealed (baseline)`, unit: 'events/s' },
      rates.unsealed,
    );
    const ratio = summarizeRate(rates.sealed).median / summarizeRate(rates.unsealed).median;
    ctx.addRate(
      {
        group,
        db: kind,
        name: `${base}, personal data sealed`,
        unit: 'events/s',
        ratioToBaseline: ratio,
        baseline: 'unsealed',
        target: '≥ 0.90 of unsealed',
        met: ratio >= 0.9,
      },
      rates.sealed,
    );
  } finally {
    await bdb.dispose();
  }
}

/** One person's `count` tickets of about eight events each, as a requester writes them. */
function ticketsOf(
  email: string,
  count: number,
): Array<{ streamId: string; events: AnyNewEvent[] }> {
  const r = rng(11);
  const template = buildTicketStream(r, 8);
  return Array.from({ length: count }, () => {
    const stream = cloneStream(template);
    const events = stream.events.map((e) => {
      const metadata =
        e.metadata.actor.role === 'requester'
          ? { ...e.metadata, actor: { id: email, role: 'requester' as const } }
          : e.metadata;
      if (e.type !== 'TicketReceived') return { ...e, metadata } as AnyNewEvent;
      return {
        ...e,
        metadata,
        data: { ...e.data, requester: { email, name: 'Bench Person' } },
      } as AnyNewEvent;
    });
    return { streamId: stream.streamId, events };
  });
}

async function erasureTimes(ctx: BenchContext, kind: DbKind): Promise<void> {
  const bdb = await openBenchDb(kind, ctx.options.postgresUrl);
  const logger = pino({ level: 'silent' });
  try {
    const store = withPersonalDataSealed(createPostgresEventStore(bdb.db), bdb.db, config);
    const projections = createProjections(slaSettingsFrom(config));
    const projector = createProjector({ db: bdb.db, store, projections, logger });
    const people = Array.from(
      { length: ctx.options.quick ? 3 : 6 },
      () => `p${randomUUID().slice(0, 8)}@example.com`,
    );
    for (const email of people)
      for (const { streamId, events } of ticketsOf(email, 100))
        await (store as EventStore).appendToStream(streamId, events, 'no_stream');
    await projector.start();
    await projector.catchUp();
    const ms: number[] = [];
    for (const email of people) {
      const t0 = performance.now();
      const result = await erasePerson(
        { db: bdb.db, store, projections, now: () => new Date() },
        { email, basis: 'other', actor: { id: 'bench', role: 'system' } },
      );
      ms.push(performance.now() - t0);
      if (!result.erased || result.tickets !== 100)
        throw new Error(`erased ${JSON.stringify(result)}`);
    }
    await projector.stop();
    ctx.addLatency(
      {
        group,
        db: kind,
        name: 'erase one person with 100 tickets (8 events each): key, event, read models re-projected',
        unit: 'ms',
        target: '< 1000 ms',
        met: Math.max(...ms) < 1000,
      },
      ms,
    );
  } finally {
    await bdb.dispose();
  }
}

async function endToEnd(ctx: BenchContext, kind: DbKind): Promise<void> {
  const durationMs = ctx.options.quick ? 3000 : 8000;
  const rounds = ctx.options.quick ? 1 : 3;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? ['unsealed', 'sealed'] : ['sealed', 'unsealed'];
    for (const which of order)
      await runE2e(ctx, {
        group,
        label: `e2e ${which} round ${round + 1}`,
        kind,
        env: which === 'unsealed' ? { BENCH_UNSEALED: '1' } : {},
        levels: [{ clients: 20, durationMs }],
        waitSeconds: 30,
        warmupMs: 1000,
        graceMs: 30_000,
      });
  }
  const rate = (which: string) =>
    ctx.runs
      .filter(
        (r) =>
          r.group === group &&
          r.db === kind &&
          r.unit === 'tickets/s' &&
          r.name.startsWith(`e2e ${which} `),
      )
      .map((r) => r.median);
  const sealed = summarizeRate(rate('sealed')).median;
  const unsealed = summarizeRate(rate('unsealed')).median;
  ctx.add({
    group,
    db: kind,
    name: 'e2e tickets/s at 20 clients, sealed / unsealed (median of rounds)',
    unit: 'ratio',
    median: sealed / unsealed,
    n: rounds,
    target: '≥ 0.90',
    met: sealed / unsealed >= 0.9,
    note: `sealed ${sealed.toFixed(1)}/s, unsealed ${unsealed.toFixed(1)}/s`,
  });
}

export async function benchPrivacy(ctx: BenchContext, kind: DbKind): Promise<void> {
  await appendRates(ctx, kind);
  await erasureTimes(ctx, kind);
  await endToEnd(ctx, kind);
}
