/**
 * Plaintext copies of a person's data outside the log, purged at erasure (docs/privacy.md,
 * "Erasure"): the read-model rows derived from their streams are deleted and projected again
 * from the now shredded log, the same way the projector would (the result equals a rebuild:
 * `projections verify` passes), and idempotency records of their tickets are dropped.
 */
import type { Database, SqlExecutor } from '../db/index.ts';
import { ticketIdOfStream, ticketStreamPrefix, type StoredEvent } from '../events/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import { rerenderPendingData } from '../webhooks/index.ts';
import type { Projection } from '../projector/index.ts';

/**
 * The read models that hold personal text, and how their rows of some tickets (and of the person
 * themself) are found. Others hold none (SLA clocks and timers, support levels, token hashes).
 * A new read model with text adds itself here; the erasure test scans every table.
 */
const purgeable: Record<string, (tx: SqlExecutor, rows: AffectedRows) => Promise<unknown>> = {
  tickets: (tx, r) => tx.query(`DELETE FROM tf_tickets WHERE id = ANY($1::uuid[])`, [r.ticketIds]),
  responses: (tx, r) =>
    tx.query(`DELETE FROM tf_responses WHERE ticket_id = ANY($1::uuid[])`, [r.ticketIds]),
  status_history: (tx, r) =>
    tx.query(`DELETE FROM tf_status_history WHERE ticket_id = ANY($1::uuid[])`, [r.ticketIds]),
  users: (tx, r) => tx.query(`DELETE FROM tf_users WHERE email = $1`, [r.email]),
};

interface AffectedRows {
  ticketIds: string[];
  /** The person's address as read models keyed it (lower case). */
  email: string;
}

/** The affected streams' events as they read now (erased fields as markers). */
async function eventsOf(store: EventStore, streamIds: readonly string[]): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (const streamId of streamIds) events.push(...(await store.readStream(streamId)));
  // In the log's order, as the projector applied them (a user's first ticket comes first).
  return events.sort((a, b) => a.position - b.position);
}

/**
 * Re-projects the rows of `streamIds` in one transaction per read model, each holding its
 * checkpoint row (the projector's batch waits, then sees the new rows) and applying only the
 * events it had applied (position at or below its checkpoint): later ones come through the
 * projector as usual.
 */
export async function purgeReadModels(
  deps: { db: Database; store: EventStore; projections: readonly Projection[] },
  streamIds: readonly string[],
  email: string,
): Promise<void> {
  const affected: AffectedRows = {
    ticketIds: streamIds
      .filter((s) => s.startsWith(ticketStreamPrefix))
      .map((s) => ticketIdOfStream(s)),
    email,
  };
  const events = await eventsOf(deps.store, streamIds);
  for (const projection of deps.projections) {
    const purge = purgeable[projection.name];
    if (!purge) continue;
    await deps.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ position: string | number }>(
        `SELECT position FROM tf_projection_checkpoints WHERE name = $1 FOR UPDATE`,
        [projection.name],
      );
      const checkpoint = Number(rows[0]?.position ?? 0);
      await purge(tx, affected);
      const handled = events.filter(
        (e) => e.position <= checkpoint && projection.handles.includes(e.type),
      );
      if (handled.length > 0) await projection.apply(tx, handled);
    });
  }
  await deps.db.query(`DELETE FROM tf_idempotency_keys WHERE ticket_id = ANY($1::uuid[])`, [
    affected.ticketIds,
  ]);
  await rerenderPendingData(deps.db, events);
}
