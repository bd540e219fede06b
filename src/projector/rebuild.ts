import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import type { Checkpoints } from './checkpoints.ts';
import type { Lease } from './lease.ts';
import { renameIndexesLike, shadowName } from './shadow.ts';
import type { Projection, TableName } from './types.ts';

/** What a rebuild needs from the projector. */
export interface RebuildContext {
  db: Database;
  store: EventStore;
  logger: Logger;
  batchSize: number;
  lease: Lease;
  checkpoints: Checkpoints;
  /** Runs `work` while no live batch of this process runs. */
  exclusive: <T>(work: () => Promise<T>) => Promise<T>;
}

export interface RebuildHooks {
  /** Called after each batch written to the shadow tables (tests, progress). */
  onShadowBatch?: (applied: number) => Promise<void> | void;
}

/**
 * Rebuilds a projection from position zero into shadow tables (`<table>_shadow`, made with
 * `LIKE ... INCLUDING ALL`) while the live tables keep serving and being updated; then, in one
 * transaction, applies what came meanwhile, swaps the shadow tables in (dropping the old ones,
 * keeping the index names) and sets the checkpoint. Only the leading process may rebuild.
 * Returns how many events went into the shadow tables.
 */
export async function rebuildProjection(
  ctx: RebuildContext,
  projection: Projection,
  hooks: RebuildHooks,
): Promise<number> {
  if (projection.tables.length === 0) return 0;
  const { name } = projection;
  if (!ctx.lease.holds(name) && !(await ctx.lease.tryAcquire(name))) {
    throw new Error(`projection ${name} is run by another process: rebuild it there`);
  }
  const shadow: TableName = (table) =>
    projection.tables.includes(table) ? shadowName(table) : table;
  await createShadowTables(ctx.db, projection, shadow);
  const { cursor, applied } = await fillShadowTables(ctx, projection, shadow, hooks);
  // Statistics before the swap: a new table has none until autovacuum comes by, and the
  // planner then misjudged the list's keyset pages as tiny (docs/benchmarks.md, "How reads
  // grow with history"). They stay with the table when it is renamed.
  for (const table of projection.tables) await ctx.db.query(`ANALYZE ${shadow(table)}`);
  await swapShadowTablesIn(ctx, projection, shadow, cursor);
  ctx.logger.info({ projection: name, events: applied }, 'projection rebuilt and swapped in');
  return applied;
}

export async function createShadowTables(
  db: Database,
  projection: Projection,
  shadow: TableName,
): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of projection.tables) {
      await tx.query(`DROP TABLE IF EXISTS ${shadow(table)}`);
      await tx.query(`CREATE TABLE ${shadow(table)} (LIKE ${table} INCLUDING ALL)`);
    }
  });
}

/**
 * From `from.cursor` (zero for a rebuild) into the shadow tables, batch by batch; the live runner
 * goes on meanwhile. `upTo`: stop after this position (a verification compares with a checkpoint).
 * `cursor`: the position of the last event applied (the start when none).
 */
export async function fillShadowTables(
  { db, store, batchSize }: Pick<RebuildContext, 'db' | 'store' | 'batchSize'>,
  projection: Projection,
  shadow: TableName,
  hooks: RebuildHooks,
  from: { cursor: number; upTo?: number } = { cursor: 0 },
): Promise<{ cursor: number; applied: number }> {
  let cursor = from.cursor;
  let applied = 0;
  for (;;) {
    const { events: read, lastPosition } = await store.readAll({
      after: cursor,
      limit: batchSize,
      types: projection.handles,
    });
    const upTo = from.upTo ?? Infinity;
    const events = read.filter((e) => e.position <= upTo);
    if (events.length > 0) {
      await db.transaction((tx) => projection.apply(tx, events, shadow));
      cursor = events.length === read.length ? lastPosition : events.at(-1)!.position;
      applied += events.length;
      await hooks.onShadowBatch?.(applied);
    }
    if (read.length < batchSize || events.length < read.length) return { cursor, applied };
  }
}

/**
 * The swap, with the checkpoint set to where the shadow stands: the live runner goes on from there
 * on the new tables (events it had applied to the old ones since are applied again, to tables that
 * never saw them). No live batch of this process runs meanwhile; on another process, the
 * checkpoint's compare-and-set would roll one back.
 */
async function swapShadowTablesIn(
  { db, checkpoints, exclusive }: RebuildContext,
  projection: Projection,
  shadow: TableName,
  cursor: number,
): Promise<void> {
  const { name } = projection;
  await exclusive(() =>
    db.transaction(async (tx) => {
      await tx.query(`SELECT position FROM tf_projection_checkpoints WHERE name = $1 FOR UPDATE`, [
        name,
      ]);
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
      checkpoints.remember(name, cursor);
    }),
  );
}
