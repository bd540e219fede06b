import { pino } from 'pino';
import type { Database } from '../src/db/index.ts';
import { createPostgresEventStore, type EventStore } from '../src/eventstore/index.ts';
import type { StoredEvent } from '../src/events/index.ts';
import { createProjector } from '../src/projector/index.ts';
import { alwaysLeader } from '../src/projector/lease.ts';
import type { Projection } from '../src/projector/types.ts';
import { createProjections } from '../projections/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { slaSettingsFrom } from '../src/sla/settings.ts';

const projections = createProjections(slaSettingsFrom(loadConfig({})));
import type { BenchContext } from './context.ts';
import { openBenchDb, type DbKind } from './db.ts';
import { prefillTickets } from './prefill.ts';
import { sleep } from './stats.ts';
import { ticketWriter } from './store.ts';
import { timedDatabase } from './sqlprofile.ts';

const group = 'projections';
const silent = pino({ level: 'silent' });

/** A lease that holds every projection, so that `catchUp()` runs them all without `start()`. */
async function leadingAll() {
  const lease = alwaysLeader();
  for (const p of projections) await lease.tryAcquire(p.name);
  return lease;
}

async function resetProjections(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    for (const p of projections) {
      if (p.handles.length === 0) continue;
      for (const table of p.tables) await tx.query(`DELETE FROM ${table}`);
    }
    await tx.query(`UPDATE tf_projection_checkpoints SET position = 0`);
  });
}

/**
 * Projections wrapped so that the moment each event's projected row is committed is known:
 * `apply` notes the batch, and the Database wrapper stamps it after COMMIT.
 */
function instrumented(db: Database) {
  const committedAt = new Map<string, Map<number, number>>();
  // One transaction applies a batch to every projection (src/projector): all of them are recorded.
  let pending: Array<{ name: string; positions: number[] }> = [];
  const wrapped: Projection[] = projections.map((p) => ({
    ...p,
    async apply(tx, events: readonly StoredEvent[], table) {
      pending.push({ name: p.name, positions: events.map((e) => e.position) });
      await p.apply(tx, events, table);
    },
  }));
  const wdb: Database = {
    ...db,
    kind: db.kind,
    query: (sql, params, options) => db.query(sql, params, options),
    async transaction(work) {
      let result;
      try {
        result = await db.transaction(work);
      } catch (error) {
        pending = [];
        throw error;
      }
      const done = pending;
      pending = [];
      const now = performance.now();
      for (const { name, positions } of done) {
        const map = committedAt.get(name) ?? new Map<number, number>();
        for (const pos of positions) map.set(pos, now);
        committedAt.set(name, map);
      }
      return result;
    },
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
  return { db: wdb, projections: wrapped, committedAt };
}

export async function benchProjections(ctx: BenchContext, kind: DbKind): Promise<void> {
  const { quick, repeats } = ctx.options;
  const bdb = await openBenchDb(kind, ctx.options.postgresUrl);
  try {
    const store = createPostgresEventStore(bdb.db);
    // Catch-up from zero over a log of legal tickets.
    const logEvents = await prefillTickets(
      store,
      quick ? 5_000 : 20_000,
      kind === 'postgres' ? 8 : 1,
    );
    const rates: number[] = [];
    for (let rep = 0; rep < repeats; rep++) {
      await resetProjections(bdb.db);
      // A new runner each time, as after a restart: a running leader keeps its checkpoints in
      // memory and would not see the reset. This process leads every projection (no lease).
      const projector = createProjector({
        db: bdb.db,
        store,
        projections,
        logger: silent,
        lease: await leadingAll(),
      });
      const t0 = performance.now();
      await projector.catchUp();
      rates.push(logEvents / ((performance.now() - t0) / 1000));
      await projector.stop();
    }
    ctx.addRate(
      {
        group,
        db: kind,
        name: `catch-up from zero, all ${projections.filter((p) => p.handles.length).length} projections, log of ${logEvents} events`,
        unit: 'events/s',
      },
      rates,
    );
    // The same catch-up once more with every statement timed: where a catch-up spends its time.
    {
      const timed = timedDatabase(bdb.db);
      const p2 = createProjector({
        db: timed.db,
        store: createPostgresEventStore(timed.db),
        projections,
        logger: silent,
        lease: await leadingAll(),
      });
      await resetProjections(bdb.db);
      timed.reset();
      const t0 = performance.now();
      await p2.catchUp();
      const ms = performance.now() - t0;
      ctx.note(
        group,
        `**${kind}: SQL time in one catch-up from zero** (${logEvents} events, ${ms.toFixed(0)} ms wall; per 1000 events of the log):\n\n${timed.table(logEvents / 1000)}`,
      );
    }
    if (typeof (store as Partial<EventStore>).subscribe === 'function')
      await subscriptionLag(ctx, kind, store);
    await lagUnderLoad(ctx, kind, bdb.db, store);
  } finally {
    await bdb.dispose();
  }
}

/**
 * A paced single-event write load: `rate` appends per second of legal ticket events, at most 8 in
 * flight (8 of the pool's 16 connections). Stops by itself after `durationMs`.
 */
export async function pacedWrites(store: EventStore, rate: number, durationMs: number) {
  const appended: Array<{ position: number; type: string; at: number }> = [];
  const record = (position: number, type: string, at: number) =>
    appended.push({ position, type, at });
  const idle = Array.from({ length: 8 }, () => ticketWriter(store, record));
  let launched = 0;
  let skipped = 0;
  const start = performance.now();
  const running = new Set<Promise<void>>();
  while (performance.now() - start < durationMs) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (launched < due) {
      const writer = idle.pop();
      if (!writer) {
        skipped += due - launched;
        launched = due;
        break;
      }
      launched++;
      const p = writer()
        .then(() => undefined)
        .finally(() => idle.push(writer));
      running.add(p);
      void p.finally(() => running.delete(p));
    }
    await sleep(2);
  }
  await Promise.all(running);
  return { appended, skipped, seconds: (performance.now() - start) / 1000 };
}

/** Subscription lag: append committed (appendToStream resolved) → the subscriber holds the event. */
async function subscriptionLag(ctx: BenchContext, kind: DbKind, store: EventStore): Promise<void> {
  const rate = 1000;
  const durationMs = ctx.options.quick ? 3000 : 12_000;
  const received = new Map<number, number>();
  const sub = store.subscribe({ from: await store.headPosition() });
  let caughtUp!: () => void;
  const ready = new Promise<void>((resolve) => (caughtUp = resolve));
  const consumer = (async () => {
    for await (const item of sub) {
      if (item.kind === 'event') received.set(item.position, performance.now());
      else if (item.kind === 'caughtUp') caughtUp();
    }
  })();
  await ready;
  const { appended, skipped, seconds } = await pacedWrites(store, rate, durationMs);
  const settleBy = performance.now() + 10_000;
  while (performance.now() < settleBy && appended.some((e) => !received.has(e.position)))
    await sleep(20);
  await sub.close();
  await consumer;
  const lags = appended
    .filter((e) => received.has(e.position))
    .map((e) => Math.max(0, received.get(e.position)! - e.at));
  const missing = appended.length - lags.length;
  const achieved = appended.length / seconds;
  const run = ctx.addLatency(
    {
      group,
      db: kind,
      name: `subscription lag under a paced load of ${rate} single-event appends/s (achieved ${achieved.toFixed(0)}/s): append commit → event delivered by store.subscribe`,
      unit: 'ms',
      target: 'p99 < 100 ms at 1,000 events/s',
      note: `${appended.length} events, ${missing} not delivered within 10 s; ${skipped} appends skipped because 8 were in flight (the database did not keep the pace); an event the subscriber saw before the writer's await resumed counts 0 ms`,
    },
    lags,
  );
  run.met = (run.p99 ?? Infinity) < 100 && missing === 0 && achieved >= rate * 0.95;
}

/** Projection lag (append committed → the projection's row and checkpoint committed) under a paced write load. */
async function lagUnderLoad(
  ctx: BenchContext,
  kind: DbKind,
  db: Database,
  store: EventStore,
): Promise<void> {
  const { quick } = ctx.options;
  const rate = 1000;
  const durationMs = quick ? 3000 : 12_000;
  const timed = timedDatabase(db);
  const inst = instrumented(timed.db);
  const projector = createProjector({
    db: inst.db,
    store,
    projections: inst.projections,
    logger: silent,
  });
  await projector.start();
  const { appended, skipped, seconds } = await pacedWrites(store, rate, durationMs);
  // Let the projector finish by itself (it is woken on append), bounded.
  const settleBy = performance.now() + 10_000;
  const handledBy = new Map<string, string[]>();
  for (const p of projections)
    for (const t of p.handles) handledBy.set(t, [...(handledBy.get(t) ?? []), p.name]);
  const lagOf = (e: { position: number; type: string; at: number }): number | null => {
    let last = -Infinity;
    for (const name of handledBy.get(e.type) ?? []) {
      const t = inst.committedAt.get(name)?.get(e.position);
      if (t === undefined) return null;
      last = Math.max(last, t);
    }
    return last === -Infinity ? 0 : last - e.at;
  };
  while (performance.now() < settleBy && appended.some((e) => lagOf(e) === null)) await sleep(20);
  await projector.stop();
  // Distinct commit instants: one per batch, whatever the number of projections in it.
  const batches = new Set([...inst.committedAt.values()].flatMap((m) => [...m.values()])).size;
  ctx.note(
    group,
    `**${kind}: projector SQL during the paced load** (${appended.length} events appended, ${batches} batches committed, each holding every projection; per batch; the writers' own appends are not in this table):\n\n${timed.table(Math.max(1, batches))}`,
  );
  const lags = appended.map(lagOf);
  const missing = lags.filter((l) => l === null).length;
  const achieved = appended.length / seconds;
  const run = ctx.addLatency(
    {
      group,
      db: kind,
      name: `projection lag under a paced load of ${rate} single-event appends/s (achieved ${achieved.toFixed(0)}/s): append commit → every projection handling the event committed its row and checkpoint`,
      unit: 'ms',
      target: 'p99 < 100 ms at 1,000 events/s',
      note: `${appended.length} events; ${missing} not projected within 10 s after the load; ${skipped} appends skipped because 8 were in flight (the database did not keep the pace)`,
    },
    lags.filter((l): l is number => l !== null),
  );
  run.met = (run.p99 ?? Infinity) < 100 && missing === 0 && achieved >= rate * 0.95;
  ctx.note(
    group,
    'Projection lag is measured through the projector (woken on append and by NOTIFY), from the moment appendToStream resolved (commit) to the commit of the projection batch holding that event, for every projection that handles its type. Subscription lag is measured with `store.subscribe({ from: head })` consumed in the same process.',
  );
}
