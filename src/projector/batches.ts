import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import type { StoredEvent } from '../events/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import { CheckpointMovedError, type Checkpoints } from './checkpoints.ts';
import type { Lease } from './lease.ts';
import { liveTable, type Projection } from './types.ts';

/** What applying the leader's batches needs from the projector. */
export interface BatchContext {
  db: Database;
  store: EventStore;
  logger: Logger;
  batchSize: number;
  /** The projections that handle events. */
  active: readonly Projection[];
  /** The event types each of them handles. */
  handledBy: ReadonlyMap<Projection, ReadonlySet<string>>;
  lease: Lease;
  checkpoints: Checkpoints;
}

/** The outcome of one round of batches. */
export interface BatchesApplied {
  /** Some group applied a full page or stopped inside one, so there may be more to read. */
  more: boolean;
  /** A projection's error; the others went on without it (see `applyTogether`). */
  failure?: unknown;
}

/**
 * One batch for each group of the projections this process leads. Projections that stand at the
 * same checkpoint move together: one read of the log and one transaction (their rows and all their
 * checkpoints) per batch, instead of one of each per projection. The read is not filtered by type,
 * so every checkpoint is the position of an event that every read passes through; a group that
 * reaches another group's checkpoint stops there, and the two move as one from the next batch on
 * (after a rebuild, or a lease taken over).
 */
export async function applyGroupBatches(ctx: BatchContext): Promise<BatchesApplied> {
  const groups = await groupsByCheckpoint(ctx);
  let more = false;
  let failure: unknown;
  for (const [from, group] of groups) {
    const others = new Set([...groups.keys()].filter((position) => position !== from));
    const { events: page } = await ctx.store.readAll({ after: from, limit: ctx.batchSize });
    const stopAt = page.findIndex((event) => others.has(event.position));
    const events = stopAt === -1 ? page : page.slice(0, stopAt + 1);
    if (events.length === 0) continue;
    const applied = await applyTogether(ctx, group, events, from);
    if (applied.failure !== undefined) failure ??= applied.failure;
    if (applied.moved && (page.length === ctx.batchSize || events.length < page.length)) {
      more = true;
    }
  }
  return failure === undefined ? { more } : { more, failure };
}

/** The projections this process leads, grouped by the checkpoint they stand at. */
async function groupsByCheckpoint(ctx: BatchContext): Promise<Map<number, Projection[]>> {
  const groups = new Map<number, Projection[]>();
  for (const projection of ctx.active.filter((p) => ctx.lease.holds(p.name))) {
    const position = await ctx.checkpoints.leading(projection.name);
    groups.set(position, [...(groups.get(position) ?? []), projection]);
  }
  return groups;
}

/**
 * One batch for a group in one transaction. When it fails for another reason than a moved
 * checkpoint, each projection is tried alone, so one projection's bad event or bug does not hold
 * the others back; the failing one stays at its checkpoint and its error is reported.
 */
async function applyTogether(
  ctx: BatchContext,
  group: readonly Projection[],
  events: readonly StoredEvent[],
  from: number,
): Promise<{ moved: boolean; failure?: unknown }> {
  try {
    await commitBatch(ctx, group, events, from);
    return { moved: true };
  } catch (error) {
    if (error instanceof CheckpointMovedError || group.length === 1) throw error;
  }
  let moved = false;
  let failure: unknown;
  for (const projection of group) {
    try {
      await commitBatch(ctx, [projection], events, from);
      moved = true;
    } catch (error) {
      if (error instanceof CheckpointMovedError) throw error;
      ctx.logger.error({ err: error, projection: projection.name }, 'projection batch failed');
      failure ??= error;
    }
  }
  return failure === undefined ? { moved } : { moved, failure };
}

/** The group's rows and checkpoints (moved from `from` to the last event) in one transaction. */
async function commitBatch(
  { db, handledBy, checkpoints }: BatchContext,
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
      for (const projection of group) checkpoints.forget(projection.name);
      throw error;
    });
  for (const projection of group) checkpoints.remember(projection.name, to);
}
