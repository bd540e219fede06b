import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore } from '../../src/eventstore/index.ts';
import {
  alwaysLeader,
  createProjector,
  type Lease,
  type Projection,
  type Projector,
} from '../../src/projector/index.ts';
import { projections } from '../support/projections.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import { appendStep, replayTickets, ticketLife, ticketRows } from './ticketEvents.ts';

const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function indexNames(db: Database, table: string) {
  const { rows } = await db.query<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 ORDER BY 1`,
    [table],
  );
  return rows.map((r) => r.indexname);
}

/** The store, counting the projector's reads of the log. */
function countingReads(store: EventStore) {
  const counted = {
    reads: 0,
    store: {
      ...store,
      readAll: (options) => {
        counted.reads++;
        return store.readAll(options);
      },
    } as EventStore,
  };
  return counted;
}

describe.each(databaseKinds)('projection runner on %s', (kind) => {
  let db: Database;
  let store: EventStore;
  let projector: Projector;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
    store = createPostgresEventStore(db);
    projector = createProjector({ db, store, projections, logger, batchSize: 4 });
  });
  afterEach(async () => {
    await projector.stop();
    await store.close();
    await db.close();
  });

  it('rebuilds into shadow tables while the live tables keep serving, then swaps them in', async () => {
    const lives = Array.from({ length: 6 }, () => ticketLife());
    for (const life of lives) for (const step of [0, 1]) await appendStep(store, life, step);
    await projector.start();
    await projector.catchUp();
    const indexesBefore = await indexNames(db, 'tf_tickets');
    expect(await ticketRows(db)).toEqual(await replayTickets(store, db));

    let batches = 0;
    const applied = await projector.rebuild('tickets', {
      async onShadowBatch() {
        batches++;
        if (batches !== 1) return;
        // Mid-rebuild: the live table still answers, with every ticket ...
        const shadow = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM tf_tickets_shadow`,
        );
        expect(Number(shadow.rows[0]!.n)).toBeLessThan(lives.length);
        expect(await ticketRows(db)).toHaveLength(lives.length);
        // ... and keeps being updated: a ticket closed now shows up in the live table at once.
        await appendStep(store, lives[0]!, 2);
        await projector.catchUp();
        const live = await ticketRows(db);
        expect(live.find((r) => r.id === lives[0]!.stream.slice('ticket-'.length))?.status).toBe(
          'closed',
        );
      },
    });
    expect(batches).toBeGreaterThan(1);
    expect(applied).toBeGreaterThanOrEqual(12);
    await projector.catchUp();
    // Swapped in: equal to a replay, the same index names, no shadow left behind.
    expect(await ticketRows(db)).toEqual(await replayTickets(store, db));
    expect(await indexNames(db, 'tf_tickets')).toEqual(indexesBefore);
    const { rows } = await db.query(`SELECT to_regclass('tf_tickets_shadow') AS t`);
    expect(rows[0]).toEqual({ t: null });
    // Later events land in the new table; a second rebuild gives the same rows.
    await appendStep(store, lives[1]!, 2);
    await projector.catchUp();
    const after = await ticketRows(db);
    expect(after.filter((r) => r.status === 'closed')).toHaveLength(2);
    await projector.rebuild('tickets');
    expect(await ticketRows(db)).toEqual(after);
    for (const name of ['status_history', 'responses', 'users', 'sla_timers'])
      await projector.rebuild(name);
    expect(await ticketRows(db)).toEqual(after);
  });

  it('moves all projections with one read of the log and one transaction per batch', async () => {
    const lives = Array.from({ length: 3 }, () => ticketLife());
    for (const life of lives) await appendStep(store, life, 0);
    const counting = countingReads(store);
    // Not started (no wake-ups or polling): catchUp alone runs, on leases this test hands it.
    const lease = alwaysLeader();
    for (const p of projections) await lease.tryAcquire(p.name);
    let transactions = 0;
    const countingDb: Database = {
      ...db,
      transaction: (work) => {
        transactions++;
        return db.transaction(work);
      },
    };
    projector = createProjector({
      db: countingDb,
      store: counting.store,
      projections,
      logger,
      lease,
    });
    await projector.catchUp();
    // Six projections handle these events; one read and one transaction brought them all up to date.
    expect({ reads: counting.reads, transactions }).toEqual({ reads: 1, transactions: 1 });
    expect(await ticketRows(db)).toEqual(await replayTickets(store, db));
    const { rows } = await db.query<{ position: number }>(
      `SELECT DISTINCT position FROM tf_projection_checkpoints WHERE name <> 'support_levels'`,
    );
    expect(rows.map((r) => Number(r.position))).toEqual([await store.headPosition()]);
  });

  it('gathers the wake-ups of appends in quick succession into few runs', async () => {
    const counting = countingReads(store);
    projector = createProjector({
      db,
      store: counting.store,
      projections,
      logger,
      coalesceMs: 500,
      pollMs: 60_000,
    });
    await projector.start();
    await sleep(550);
    counting.reads = 0;
    const lives = Array.from({ length: 10 }, () => ticketLife());
    for (const life of lives) await appendStep(store, life, 0);
    await sleep(1200);
    // Ten appends, each a wake-up: at most one run at once and one more after the interval.
    expect(counting.reads).toBeGreaterThanOrEqual(1);
    expect(counting.reads).toBeLessThanOrEqual(2);
    expect(await ticketRows(db)).toEqual(await replayTickets(store, db));
  });

  it.each([4, 500])(
    'lets a projection that stands elsewhere catch up and join the others at their checkpoint in one catch-up (batches of %i)',
    async (batchSize) => {
      const lives = Array.from({ length: 4 }, () => ticketLife());
      for (const life of lives) await appendStep(store, life, 0);
      await projector.start();
      await projector.catchUp();
      await projector.stop();
      // The tickets read model rebuilt from nothing (as after an upgrade): its checkpoint is 0,
      // the others' the head; then more events arrive.
      await db.query(`DELETE FROM tf_tickets`);
      await db.query(`UPDATE tf_projection_checkpoints SET position = 0 WHERE name = 'tickets'`);
      for (const life of lives) await appendStep(store, life, 1);
      // Not started: one catchUp() alone must bring every projection to the head.
      const lease = alwaysLeader();
      for (const p of projections) await lease.tryAcquire(p.name);
      projector = createProjector({ db, store, projections, logger, batchSize, lease });
      await projector.catchUp();
      expect(await ticketRows(db)).toEqual(await replayTickets(store, db));
      const { rows } = await db.query<{ name: string; position: number }>(
        `SELECT name, position FROM tf_projection_checkpoints WHERE name <> 'support_levels'`,
      );
      const head = await store.headPosition();
      expect(rows.length).toBeGreaterThan(3);
      expect(rows.filter((r) => Number(r.position) !== head)).toEqual([]);
    },
  );

  it('keeps the other projections going when one fails, and reports its error', async () => {
    const lives = Array.from({ length: 3 }, () => ticketLife());
    for (const life of lives) await appendStep(store, life, 0);
    const broken: Projection = {
      name: 'broken',
      tables: [],
      migrations: [],
      handles: ['TicketReceived'],
      apply: () => Promise.reject(new Error('a bug in one read model')),
    };
    const lease = alwaysLeader();
    for (const p of [...projections, broken]) await lease.tryAcquire(p.name);
    projector = createProjector({
      db,
      store,
      projections: [...projections, broken],
      logger,
      lease,
    });
    await expect(projector.catchUp()).rejects.toThrow('a bug in one read model');
    expect(await ticketRows(db)).toEqual(await replayTickets(store, db));
    const { rows } = await db.query<{ name: string; position: number }>(
      `SELECT name, position FROM tf_projection_checkpoints WHERE name IN ('broken', 'tickets') ORDER BY name`,
    );
    expect(rows.map((r) => [r.name, Number(r.position)])).toEqual([
      ['broken', 0],
      ['tickets', await store.headPosition()],
    ]);
  });

  it('reports lag in events and seconds behind the head', async () => {
    await projector.start();
    const lives = Array.from({ length: 3 }, () => ticketLife());
    await projector.stop(); // nothing runs: the lag grows
    projector = createProjector({ db, store, projections, logger, batchSize: 4 });
    for (const life of lives) await appendStep(store, life, 0);
    await sleep(1100);
    const behind = (await projector.lag()).find((l) => l.name === 'tickets')!;
    expect(behind.events).toBe(3);
    expect(behind.seconds).toBeGreaterThanOrEqual(1);
    await projector.start();
    await projector.catchUp();
    const lag = (await projector.lag()).find((l) => l.name === 'tickets')!;
    expect(lag).toMatchObject({ events: 0, seconds: 0, leader: true });
  });
});

describe.runIf(databaseKinds.includes('postgres'))(
  'projection leadership on a PostgreSQL server',
  () => {
    it('lets one of two runners lead each projection; the other waits for it, then takes over', async () => {
      const dbA = await openTestDatabase('postgres');
      const schema = (await dbA.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
      const dbB = await openPostgres({ connectionString: process.env.TEST_DATABASE_URL!, schema });
      const storeA = createPostgresEventStore(dbA);
      const storeB = createPostgresEventStore(dbB);
      const options = { projections, logger, leaseRetryMs: 100, pollMs: 100 };
      const a = createProjector({ db: dbA, store: storeA, ...options });
      const b = createProjector({ db: dbB, store: storeB, ...options });
      try {
        await a.start();
        await b.start();
        expect(
          projections
            .filter((p) => p.handles.length > 0)
            .every((p) => a.leads(p.name) && !b.leads(p.name)),
        ).toBe(true);
        // Read-your-writes on the follower: its catchUp waits for the leader's runner.
        const life = ticketLife();
        for (const step of [0, 1]) await appendStep(storeB, life, step);
        await b.catchUp();
        expect(await ticketRows(dbB)).toEqual(await replayTickets(storeB, dbB));
        expect((await b.lag()).every((l) => !l.leader && l.events === 0)).toBe(true);
        // The leader goes away: the follower takes over within its retry interval.
        const stoppedAt = Date.now();
        await a.stop();
        while (!b.leads('tickets')) {
          if (Date.now() - stoppedAt > 5_000) throw new Error('no takeover');
          await sleep(20);
        }
        expect(Date.now() - stoppedAt).toBeLessThan(2_000);
        await appendStep(storeB, life, 2);
        await b.catchUp();
        expect(await ticketRows(dbB)).toEqual(await replayTickets(storeB, dbB));
        // Only the leading process rebuilds.
        await expect(a.rebuild('tickets')).rejects.toThrow(/run by another process/);
      } finally {
        await b.stop();
        await a.stop();
        await storeA.close();
        await storeB.close();
        await dbB.close();
        await dbA.close();
      }
    });
  },
);

describe('stopping a projector', () => {
  it('takes no lease after stop(), even when a lease check was in flight', async () => {
    // A lease whose check hangs until the test lets it go, counting acquisitions after close.
    const held = new Set<string>();
    let closed = false;
    let acquiredAfterClose = 0;
    let letCheckFinish!: () => void;
    const gate = new Promise<void>((resolve) => (letCheckFinish = resolve));
    let checkStarted!: () => void;
    const checking = new Promise<void>((resolve) => (checkStarted = resolve));
    const lease: Lease = {
      async tryAcquire(name) {
        if (closed) acquiredAfterClose++;
        held.add(name);
        return true;
      },
      holds: (name) => held.has(name),
      async check() {
        checkStarted();
        await gate;
        return true;
      },
      async close() {
        closed = true;
        held.clear();
      },
    };
    const db = await openTestDatabase('pglite');
    const store = createPostgresEventStore(db);
    const projector = createProjector({ db, store, projections, logger, lease, leaseRetryMs: 10 });
    try {
      await projector.start();
      await checking;
      const stopping = projector.stop();
      // Let the check finish only once the lease is closed (or stop() waits for the check).
      for (let waited = 0; !closed && waited < 500; waited += 10) await sleep(10);
      letCheckFinish();
      await stopping;
      await sleep(50); // whatever the check's continuation would do, it has done by now
      expect(closed).toBe(true);
      expect(acquiredAfterClose).toBe(0);
    } finally {
      letCheckFinish();
      await store.close();
      await db.close();
    }
  });
});
