import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import { applyGroupBatches, type BatchContext } from './batches.ts';
import { CheckpointMovedError, createCheckpoints } from './checkpoints.ts';
import { leaseFor, type Lease } from './lease.ts';
import { createLeaseKeeper } from './leaseKeeper.ts';
import { rebuildProjection, type RebuildHooks } from './rebuild.ts';
import { verifyProjection, type ProjectionVerification } from './verify.ts';
import { createExclusive, createSharedRun, createWaker } from './scheduling.ts';
import type { Projection } from './types.ts';

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
 * The parts: batches.ts (a leader's batches), checkpoints.ts, leaseKeeper.ts (who leads),
 * rebuild.ts (shadow tables swapped in), scheduling.ts (when work runs).
 */
export function createProjector(options: ProjectorOptions) {
  const { db, store, logger } = options;
  const active = options.projections.filter((p) => p.handles.length > 0);
  const lease = options.lease ?? leaseFor(db);
  const checkpoints = createCheckpoints(db);
  const batchContext: BatchContext = {
    db,
    store,
    logger,
    batchSize: options.batchSize ?? 500,
    active,
    handledBy: new Map(active.map((p) => [p, new Set<string>(p.handles)])),
    lease,
    checkpoints,
  };
  const exclusive = createExclusive();
  /** Runs the projections this process leads up to the head; concurrent calls share one run. */
  const leading = createSharedRun(() => catchUpLeading(batchContext, exclusive.run));
  const waker = createWaker(options.coalesceMs ?? 20, () => {
    leading
      .run()
      .catch((error: unknown) => logger.error({ err: error }, 'projection catch-up failed'));
  });
  const leaseKeeper = createLeaseKeeper({
    active,
    lease,
    checkpoints,
    logger,
    stopped: () => waker.stopped,
    onTaken: () => waker.wake(),
  });
  const timers: NodeJS.Timeout[] = [];
  const cleanups: Array<() => unknown> = [];

  /** A follower's catch-up: wait until the leader's checkpoint has nothing pending. */
  async function awaitLeader(projection: Projection, deadline: number): Promise<void> {
    for (let pause = 5; Date.now() < deadline; pause = Math.min(pause * 2, 100)) {
      if (lease.holds(projection.name)) return void (await leading.run());
      const pending = await store.pendingAfter(await checkpoints.stored(projection.name), {
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

  return {
    /**
     * Brings every projection up to date with what was committed before the call (read-your-writes):
     * runs the ones this process leads and waits for the others' leader.
     */
    async catchUp(): Promise<void> {
      await store.awaitVisible?.();
      await leading.run();
      const deadline = Date.now() + (options.followerWaitMs ?? 5000);
      await Promise.all(
        active.filter((p) => !lease.holds(p.name)).map((p) => awaitLeader(p, deadline)),
      );
    },

    async start() {
      waker.start();
      await leaseKeeper.tick();
      cleanups.push(store.onCommitted(() => waker.wake()));
      const poll = setInterval(() => waker.wake(), options.pollMs ?? 1000);
      const leaseTimer = setInterval(() => leaseKeeper.tickOnce(), options.leaseRetryMs ?? 1000);
      for (const timer of [poll, leaseTimer]) {
        timer.unref();
        timers.push(timer);
      }
      await leading.run();
    },

    async stop() {
      waker.stop();
      for (const timer of timers.splice(0)) clearInterval(timer);
      for (const cleanup of cleanups.splice(0)) await cleanup();
      await leading.current();
      await exclusive.idle();
      await leaseKeeper.idle();
      await lease.close();
    },

    /** Whether this process runs projection `name` now. */
    leads: (name: string) => lease.holds(name),

    /**
     * Rebuilds projection `name` into shadow tables and swaps them in (see rebuildProjection);
     * only the leading process may. Returns how many events it applied.
     */
    async rebuild(name: string, hooks: RebuildHooks = {}): Promise<number> {
      const projection = options.projections.find((p) => p.name === name);
      if (!projection) throw new Error(`unknown projection ${name}`);
      return rebuildProjection({ ...batchContext, exclusive: exclusive.run }, projection, hooks);
    },

    /**
     * Rebuilds projection `name` from the log into separate tables up to its checkpoint and
     * compares them with the live ones row by row (see verifyProjection); the live tables are
     * left as they are. Any process may verify.
     */
    async verify(name: string): Promise<ProjectionVerification> {
      const projection = options.projections.find((p) => p.name === name);
      if (!projection) throw new Error(`unknown projection ${name}`);
      return verifyProjection({ ...batchContext, exclusive: exclusive.run }, projection);
    },

    /** How far each projection is behind the head of the log, in positions, events and time. */
    lag: (): Promise<ProjectionLag[]> => lagOf(db, store, active, lease),
  };
}

export type Projector = ReturnType<typeof createProjector>;

/** Batches until nothing is left to read; a batch that lost a compare-and-set is read again. */
async function catchUpLeading(
  ctx: BatchContext,
  exclusive: <T>(work: () => Promise<T>) => Promise<T>,
): Promise<void> {
  for (;;) {
    try {
      const { more, failure } = await exclusive(() => applyGroupBatches(ctx));
      if (more) continue;
      if (failure !== undefined) throw failure;
      return;
    } catch (error) {
      if (error instanceof CheckpointMovedError) continue;
      throw error;
    }
  }
}

async function lagOf(
  db: Database,
  store: EventStore,
  active: readonly Projection[],
  lease: Lease,
): Promise<ProjectionLag[]> {
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
}
