import type { SqlExecutor } from '../db/index.ts';
import type { SlaTimer } from './clock.ts';

/**
 * Replaces a ticket's due timers, unless rows derived from a later version are already there
 * (the scheduler may be ahead of the projection). Rows due before `leaseUntilFor` stay leased.
 */
export async function replaceTimers(
  tx: SqlExecutor,
  ticketId: string,
  version: number,
  timers: readonly SlaTimer[],
  options: { now?: Date; leaseUntil?: Date; /** A rebuild's shadow table. */ table?: string } = {},
): Promise<void> {
  const table = options.table ?? 'tf_sla_timers';
  const { rows } = await tx.query<{ v: number | null }>(
    `SELECT max(version) AS v FROM ${table} WHERE ticket_id = $1`,
    [ticketId],
  );
  if (rows[0]?.v != null && Number(rows[0].v) > version) return;
  await tx.query(`DELETE FROM ${table} WHERE ticket_id = $1`, [ticketId]);
  if (timers.length === 0) return;
  const now = options.now?.getTime();
  const docs = timers.map((t) => ({
    kind: t.kind,
    due_at: t.dueAt,
    // A timer still due right after it was evaluated could not be emitted: retry after the lease.
    leased_until:
      options.leaseUntil && now !== undefined && Date.parse(t.dueAt) <= now
        ? options.leaseUntil.toISOString()
        : null,
  }));
  await tx.query(
    `INSERT INTO ${table} (ticket_id, kind, due_at, version, leased_until)
     SELECT $1, d->>'kind', (d->>'due_at')::timestamptz, $2, (d->>'leased_until')::timestamptz
     FROM jsonb_array_elements($3::jsonb) AS d`,
    [ticketId, version, JSON.stringify(docs)],
  );
}
