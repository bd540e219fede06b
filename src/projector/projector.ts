import type { Logger } from 'pino';
import type { Database, Migration } from '../db/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import type { Projection } from './types.ts';

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
}

/**
 * Keeps read models up to date. Each batch of events and the checkpoint that records it are
 * written in one transaction, so a crash never applies an event twice or loses one.
 */
export function createProjector(options: ProjectorOptions) {
  const { db, store, logger } = options;
  const batchSize = options.batchSize ?? 500;
  const active = options.projections.filter((p) => p.handles.length > 0);
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  const cleanups: Array<() => unknown> = [];

  async function checkpointOf(name: string): Promise<number> {
    await db.query(
      `INSERT INTO tf_projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
      [name],
    );
    const { rows } = await db.query<{ position: number }>(
      `SELECT position FROM tf_projection_checkpoints WHERE name = $1`,
      [name],
    );
    return Number(rows[0]?.position ?? 0);
  }

  /** Applies one batch; returns how many events it applied. */
  async function applyBatch(projection: Projection): Promise<number> {
    const from = await checkpointOf(projection.name);
    const { events, lastPosition } = await store.readAll({
      after: from,
      limit: batchSize,
      types: projection.handles,
    });
    if (events.length === 0) return 0;
    await db.transaction(async (tx) => {
      await projection.apply(tx, events);
      // Compare-and-set: if another runner moved the checkpoint, this batch is rolled back.
      const { rows } = await tx.query(
        `UPDATE tf_projection_checkpoints SET position = $2, updated_at = now()
         WHERE name = $1 AND position = $3 RETURNING name`,
        [projection.name, lastPosition, from],
      );
      if (rows.length === 0) throw new CheckpointMovedError(projection.name);
    });
    return events.length;
  }

  async function catchUpProjection(projection: Projection): Promise<number> {
    let applied = 0;
    for (;;) {
      try {
        const n = await applyBatch(projection);
        applied += n;
        if (n < batchSize) return applied;
      } catch (error) {
        if (error instanceof CheckpointMovedError) continue;
        throw error;
      }
    }
  }

  async function catchUpAll(): Promise<void> {
    for (const projection of active) await catchUpProjection(projection);
  }

  /** Catches every projection up to the head; concurrent calls share one run (plus one rerun). */
  function catchUp(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await catchUpAll();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  function wake() {
    catchUp().catch((error: unknown) => logger.error({ err: error }, 'projection catch-up failed'));
  }

  return {
    catchUp,

    async start() {
      cleanups.push(store.onAppended(() => wake()));
      try {
        const unlisten = await db.listen('tf_events', () => wake());
        cleanups.push(unlisten);
      } catch (error) {
        logger.warn({ err: error }, 'LISTEN unavailable; projections rely on polling');
      }
      timer = setInterval(wake, options.pollMs ?? 1000);
      timer.unref();
      await catchUp();
    },

    async stop() {
      if (timer) clearInterval(timer);
      for (const cleanup of cleanups.splice(0)) await cleanup();
      await running;
    },

    /** Empties a projection's tables and rebuilds them from position zero. */
    async rebuild(name: string): Promise<number> {
      const projection = options.projections.find((p) => p.name === name);
      if (!projection) throw new Error(`unknown projection ${name}`);
      await running;
      await db.transaction(async (tx) => {
        for (const table of projection.tables) await tx.query(`DELETE FROM ${table}`);
        await tx.query(
          `INSERT INTO tf_projection_checkpoints (name, position) VALUES ($1, 0)
           ON CONFLICT (name) DO UPDATE SET position = 0, updated_at = now()`,
          [name],
        );
      });
      return catchUpProjection(projection);
    },

    /** How far each projection is behind the head of the log. */
    async lag(): Promise<Array<{ name: string; position: number; head: number }>> {
      const head = await store.headPosition();
      const { rows } = await db.query<{ name: string; position: number }>(
        `SELECT name, position FROM tf_projection_checkpoints`,
      );
      return active.map((p) => ({
        name: p.name,
        position: Number(rows.find((r) => r.name === p.name)?.position ?? 0),
        head,
      }));
    },
  };
}

export type Projector = ReturnType<typeof createProjector>;
