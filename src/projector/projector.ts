import type { Logger } from 'pino';
import type { Database, Migration } from '../db/index.ts';
import type { StoredEvent } from '../events/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import { leaseFor, type Lease } from './lease.ts';
import { renameIndexesLike, shadowName } from './shadow.ts';
import { liveTable, type Projection, type TableName } from './types.ts';

export const checkpointMigrations: Migration[] = [
  {
    id: '090_projection_checkpoints',
    statements: [
      `CREATE TABLE tf_projection_checkpoints (
        name text PRIMARY KEY,
        position bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
];

class CheckpointMovedError extends Error {}

export interface ProjectorOptions {
  db: Database;
  store: EventStore;
  projections: readonly Projection[];
  logger: Logger;
  batchSize?: number;
  /** Polling interval: a safety net behind the wake-ups from appends and NOTIFY. */
  pollMs?: number;
  /**
   * Least time between the starts of two runs that wake-ups cause (default 20 ms). A runner that
   * starts on every append reads one or two events per batch and pays a batch's fixed cost (a read
   * and a transaction) for each: on PGlite, whose one session the workflow shares, that cost took
   * most of the CPU under load. `catchUp()` is not delayed.
   */
  coalesceMs?: number;
  /** Who leads which projection (default: advisory locks on a server, always on PGlite). */
  lease?: Lease;
  /** How often a follower tries to take over, and a leader checks its lease (default 1000 ms). */
  leaseRetryMs?: number;
  /** How long `catchUp()` waits for another process's runner (as a follower) (default 5000 ms). */
  followerWaitMs?: number;
}

export interface ProjectionLag {
  name: string;
  /** The projection's checkpoint. */
  position: number;
  /** The highest position in the log. */
  head: number;
  /** Events of the types it handles committed after its checkpoint (capped at 1,000,000). */
  events: number;
  /** Age of the oldest of those events (0 when none): how far behind the head it runs, in time. */
  seconds: number;
  /** Whether this process runs it. */
  leader: boolean;
}

/**
 * Keeps read models up to date. Each batch of events and the checkpoint that records it are
 * written in one transaction, so a crash never applies an event twice or loses one. With several
 * processes on one database, one of them runs each projection (an advisory-lock lease); the
 * others follow and take over within `leaseRetryMs` when it dies. Design: docs/eventstore.md.
 */
export function createProjector(options: ProjectorOptions) {
  const { db, store, logger } = options;
  const batchSize = options.batchSize ?? 500;
  const active = options.projections.filter((p) => p.handles.length > 0);
  const lease = options.lease ?? leaseFor(db);
  const leaseRetryMs = options.leaseRetryMs ?? 1000;
  let running: Promise<void> | null = null;
  let again = false;
  const coalesceMs = options.coalesceMs ?? 20;
  let wakeTimer: NodeJS.Timeout | null = null;
  let lastWakeRun = 0;
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  const cleanups: Array<() => unknown> = [];
  const handledBy = new Map(active.map((p) => [p, new Set<string>(p.handles)]));
  /** The tail of this process's batches and rebuild swaps, which never overlap. */
  let batches: Promise<unknown> = Promise.resolve();

  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = batches.then(work, work);
    batches = next.catch(() => undefined);
    return next;
  }

  /**
   * The leader's checkpoints, kept in memory between batches: the compare-and-set update below
   * detects any other writer, and then the cached value is dropped and read again.
   */
  const knownCheckpoints = new Map<string, number>();

  async function leaderCheckpointOf(name: string): Promise<number> {
    const known = knownCheckpoints.get(name);
    if (known !== undefined) return known;
    // The leader's compare-and-set needs the row.
    await db.query(
      `INSERT INTO tf_projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
      [name],
    );
    const position = await checkpointOf(name);
    knownCheckpoints.set(name, position);
    return position;
  }

  /** A projection's checkpoint as stored (0 before it has one). */
  async function checkpointOf(name: string): Promise<number> {
    const { rows } = await db.query<{ position: number }>(
      `SELECT position FROM tf_projection_checkpoints WHERE name = $1`,
      [name],
    );
    return Number(rows[0]?.position ?? 0);
  }

  /**
   * Projections that stand at the same checkpoint move together: one read of the log and one
   * transaction (their rows and all their checkpoints) per batch, instead of one of each per
   * projection. The read is not filtered by type, so every checkpoint is the position of an event
   * that every read passes through; a group that reaches another group's checkpoint stops there,
   * and the two move as one from the next batch on (after a rebuild, or a lease taken over).
   * `more`: some group applied a full page or stopped inside one, so there may be more to read.
   * `failure`: a projection's error; the others went on without it (see `applyTogether`).
   */
  async function applyGroupBatches(): Promise<{ more: boolean; failure?: unknown }> {
    const leading = active.filter((p) => lease.holds(p.name));
    const groups = new Map<number, Projection[]>();
    for (const projection of leading) {
      const position = await leaderCheckpointOf(projection.name);
      groups.set(position, [...(groups.get(position) ?? []), projection]);
    }
    let more = false;
    let failure: unknown;
    for (const [from, group] of groups) {
      const others = new Set([...groups.keys()].filter((position) => position !== from));
      const { events: page } = await store.readAll({ after: from, limit: batchSize });
      const stopAt = page.findIndex((event) => others.has(event.position));
      const events = stopAt === -1 ? page : page.slice(0, stopAt + 1);
      if (events.length === 0) continue;
      const applied = await applyTogether(group, events, from);
      if (applied.failure !== undefined) failure ??= applied.failure;
      if (applied.moved && (page.length === batchSize || events.length < page.length)) more = true;
    }
    return failure === undefined ? { more } : { more, failure };
  }

  /**
   * One batch for a group in one transaction. When it fails for another reason than a moved
   * checkpoint, each projection is tried alone, so one projection's bad event or bug does not hold
   * the others back; the failing one stays at its checkpoint and its error is reported.
   */
  async function applyTogether(
    group: readonly Projection[],
    events: readonly StoredEvent[],
    from: number,
  ): Promise<{ moved: boolean; failure?: unknown }> {
    try {
      await commitBatch(group, events, from);
      return { moved: true };
    } catch (error) {
      if (error instanceof CheckpointMovedError || group.length === 1) throw error;
    }
    let moved = false;
    let failure: unknown;
    for (const projection of group) {
      try {
        await commitBatch([projection], events, from);
        moved = true;
      } catch (error) {
        if (error instanceof CheckpointMovedError) throw error;
        logger.error({ err: error, projection: projection.name }, 'projection batch failed');
        failure ??= error;
      }
    }
    return failure === undefined ? { moved } : { moved, failure };
  }

  async function commitBatch(
    group: readonly Projection[],
    events: readonly StoredEvent[],
    from: number,
  ): Promise<void> {
    const to = events.at(-1)!.position;
    await db
      .transaction(async (tx) => {
        for (const projection of group) {
          const handled = handledBy.get(projection)!;
          const mine = events.filter((event) => handled.has(event.type));
          if (mine.length > 0) await projection.apply(tx, mine, liveTable);
        }
        // Compare-and-set: if another runner moved a checkpoint, the whole batch is rolled back.
        const names = group.map((p) => p.name);
        const { rows } = await tx.query(
          `UPDATE tf_projection_checkpoints SET position = $2, updated_at = now()
           WHERE name = ANY($1::text[]) AND position = $3 RETURNING name`,
          [names, to, from],
          { prepared: true },
        );
        if (rows.length !== names.length) throw new CheckpointMovedError(names.join(', '));
      })
      .catch((error: unknown) => {
        for (const projection of group) knownCheckpoints.delete(projection.name);
        throw error;
      });
    for (const projection of group) knownCheckpoints.set(projection.name, to);
  }

  async function catchUpLeading(): Promise<void> {
    for (;;) {
      try {
        const { more, failure } = await exclusive(applyGroupBatches);
        if (more) continue;
        if (failure !== undefined) throw failure;
        return;
      } catch (error) {
        if (error instanceof CheckpointMovedError) continue;
        throw error;
      }
    }
  }

  /** Runs the projections this process leads up to the head; concurrent calls share one run. */
  function runLeading(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await catchUpLeading();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  /** A follower's catch-up: wait until the leader's checkpoint has nothing pending. */
  async function awaitLeader(projection: Projection, deadline: number): Promise<void> {
    for (let pause = 5; Date.now() < deadline; pause = Math.min(pause * 2, 100)) {
      if (lease.holds(projection.name)) return void (await runLeading());
      const pending = await store.pendingAfter(await checkpointOf(projection.name), {
        types: projection.handles,
        cap: 1,
      });
      if (pending.count === 0) return;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    logger.warn(
      { projection: projection.name },
      'catch-up: the leading process did not catch up in time',
    );
  }

  /**
   * Brings every projection up to date with what was committed before the call (read-your-writes):
   * runs the ones this process leads and waits for the others' leader.
   */
  async function catchUp(): Promise<void> {
    await store.awaitVisible?.();
    await runLeading();
    const deadline = Date.now() + (options.followerWaitMs ?? 5000);
    await Promise.all(
      active.filter((p) => !lease.holds(p.name)).map((p) => awaitLeader(p, deadline)),
    );
  }

  function wake() {
    if (stopped || wakeTimer) return;
    const wait = Math.max(0, lastWakeRun + coalesceMs - Date.now());
    wakeTimer = setTimeout(() => {
      wakeTimer = null;
      lastWakeRun = Date.now();
      runLeading().catch((error: unknown) =>
        logger.error({ err: error }, 'projection catch-up failed'),
      );
    }, wait);
  }

  let leaseTick: Promise<void> | null = null;

  /** Takes over projections nobody leads, and notices when this process lost its lease. */
  async function tickLease(): Promise<void> {
    if (stopped) return;
    const wasLeading = active.filter((p) => lease.holds(p.name)).map((p) => p.name);
    if (wasLeading.length > 0 && !(await lease.check())) {
      logger.warn({ projections: wasLeading }, 'projection lease lost');
    }
    const taken: string[] = [];
    for (const projection of active) {
      // Stopped while this tick waited: taking a lock now would hold it past stop().
      if (stopped) return;
      if (lease.holds(projection.name)) continue;
      try {
        if (await lease.tryAcquire(projection.name)) {
          // Another process ran it until now: its checkpoint must be read afresh.
          knownCheckpoints.delete(projection.name);
          taken.push(projection.name);
        }
      } catch (error) {
        logger.warn({ err: error }, 'projection lease unavailable');
        return;
      }
    }
    if (taken.length > 0) {
      logger.info({ projections: taken }, 'leading projections');
      wake();
    }
  }

  return {
    catchUp,

    async start() {
      stopped = false;
      await tickLease();
      cleanups.push(store.onCommitted(() => wake()));
      const poll = setInterval(wake, options.pollMs ?? 1000);
      const leaseTimer = setInterval(() => {
        // One tick at a time; stop() waits for the one in flight before it closes the lease.
        leaseTick ??= tickLease()
          .catch((error: unknown) => logger.warn({ err: error }, 'projection lease check failed'))
          .finally(() => {
            leaseTick = null;
          });
      }, leaseRetryMs);
      for (const timer of [poll, leaseTimer]) {
        timer.unref();
        timers.push(timer);
      }
      await runLeading();
    },

    async stop() {
      stopped = true;
      for (const timer of timers.splice(0)) clearInterval(timer);
      if (wakeTimer) clearTimeout(wakeTimer);
      wakeTimer = null;
      for (const cleanup of cleanups.splice(0)) await cleanup();
      await running;
      await batches;
      await leaseTick;
      await lease.close();
    },

    /** Whether this process runs projection `name` now. */
    leads: (name: string) => lease.holds(name),

    /**
     * Rebuilds a projection from position zero into shadow tables (`<table>_shadow`, made with
     * `LIKE ... INCLUDING ALL`) while the live tables keep serving and being updated; then, in one
     * transaction, applies what came meanwhile, swaps the shadow tables in (dropping the old ones,
     * keeping the index names) and sets the checkpoint. Only the leading process may rebuild.
     * `onShadowBatch` is called after each batch written to the shadow tables (tests, progress).
     */
    async rebuild(
      name: string,
      hooks: { onShadowBatch?: (applied: number) => Promise<void> | void } = {},
    ): Promise<number> {
      const projection = options.projections.find((p) => p.name === name);
      if (!projection) throw new Error(`unknown projection ${name}`);
      if (projection.tables.length === 0) return 0;
      if (!lease.holds(name) && !(await lease.tryAcquire(name))) {
        throw new Error(`projection ${name} is run by another process: rebuild it there`);
      }
      const shadow: TableName = (table) =>
        projection.tables.includes(table) ? shadowName(table) : table;
      await db.transaction(async (tx) => {
        for (const table of projection.tables) {
          await tx.query(`DROP TABLE IF EXISTS ${shadow(table)}`);
          await tx.query(`CREATE TABLE ${shadow(table)} (LIKE ${table} INCLUDING ALL)`);
        }
      });
      let cursor = 0;
      let applied = 0;
      // From zero into the shadow tables, batch by batch; the live runner goes on meanwhile.
      for (;;) {
        const { events, lastPosition } = await store.readAll({
          after: cursor,
          limit: batchSize,
          types: projection.handles,
        });
        if (events.length > 0) {
          await db.transaction((tx) => projection.apply(tx, events, shadow));
          cursor = lastPosition;
          applied += events.length;
          await hooks.onShadowBatch?.(applied);
        }
        if (events.length < batchSize) break;
      }
      // The swap, with the checkpoint set to where the shadow stands: the live runner goes on
      // from there on the new tables (events it had applied to the old ones since are applied
      // again, to tables that never saw them). No live batch of this process runs meanwhile; on
      // another process, the checkpoint's compare-and-set would roll one back.
      await exclusive(() =>
        db.transaction(async (tx) => {
          await tx.query(
            `SELECT position FROM tf_projection_checkpoints WHERE name = $1 FOR UPDATE`,
            [name],
          );
          for (const table of projection.tables) {
            const renames = await renameIndexesLike(tx, table, shadow(table));
            await tx.query(`DROP TABLE ${table}`);
            await tx.query(`ALTER TABLE ${shadow(table)} RENAME TO ${table}`);
            for (const [from, to] of renames) await tx.query(`ALTER INDEX ${from} RENAME TO ${to}`);
          }
          await tx.query(
            `INSERT INTO tf_projection_checkpoints (name, position) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET position = $2, updated_at = now()`,
            [name, cursor],
          );
          knownCheckpoints.set(name, cursor);
        }),
      );
      logger.info({ projection: name, events: applied }, 'projection rebuilt and swapped in');
      return applied;
    },

    /** How far each projection is behind the head of the log, in positions, events and time. */
    async lag(): Promise<ProjectionLag[]> {
      const head = await store.headPosition();
      const { rows } = await db.query<{ name: string; position: number }>(
        `SELECT name, position FROM tf_projection_checkpoints`,
      );
      const now = Date.now();
      return Promise.all(
        active.map(async (p) => {
          const position = Number(rows.find((r) => r.name === p.name)?.position ?? 0);
          const pending = await store.pendingAfter(position, { types: p.handles, cap: 1_000_000 });
          return {
            name: p.name,
            position,
            head,
            events: pending.count,
            seconds: pending.oldest ? Math.max(0, (now - Date.parse(pending.oldest)) / 1000) : 0,
            leader: lease.holds(p.name),
          };
        }),
      );
    },
  };
}

export type Projector = ReturnType<typeof createProjector>;
