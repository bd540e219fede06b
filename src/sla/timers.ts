import type { SqlExecutor } from '../db/index.ts';
import type { SlaTimer } from './clock.ts';

export interface TicketTimers {
  ticketId: string;
  /** The ticket version the timers were derived from. */
  version: number;
  timers: readonly SlaTimer[];
}

/**
 * Replaces the due timers of the given tickets, in two statements whatever their number, except
 * for a ticket whose rows were derived from a later version (the scheduler may be ahead of the
 * projection, or the other way round). Rows due before `leaseUntil` at `now` stay leased.
 */
export async function replaceTimers(
  tx: SqlExecutor,
  tickets: readonly TicketTimers[],
  options: { now?: Date; leaseUntil?: Date; /** A rebuild's shadow table. */ table?: string } = {},
): Promise<void> {
  if (tickets.length === 0) return;
  const table = options.table ?? 'tf_sla_timers';
  const ids = tickets.map((t) => t.ticketId);
  const versions = tickets.map((t) => t.version);
  // What remains of a ticket afterwards are rows of a later version: then nothing is inserted.
  await tx.query(
    `DELETE FROM ${table} AS t
     USING unnest($1::uuid[], $2::bigint[]) AS x(ticket_id, version)
     WHERE t.ticket_id = x.ticket_id
       AND NOT EXISTS (SELECT 1 FROM ${table} AS later
                       WHERE later.ticket_id = x.ticket_id AND later.version > x.version)`,
    [ids, versions],
  );
  const now = options.now?.getTime();
  const docs = tickets.flatMap((ticket) =>
    ticket.timers.map((t) => ({
      ticket_id: ticket.ticketId,
      version: ticket.version,
      kind: t.kind,
      due_at: t.dueAt,
      // A timer still due right after it was evaluated could not be emitted: retry after the lease.
      leased_until:
        options.leaseUntil && now !== undefined && Date.parse(t.dueAt) <= now
          ? options.leaseUntil.toISOString()
          : null,
    })),
  );
  if (docs.length === 0) return;
  await tx.query(
    `INSERT INTO ${table} (ticket_id, kind, due_at, version, leased_until)
     SELECT (d->>'ticket_id')::uuid, d->>'kind', (d->>'due_at')::timestamptz,
            (d->>'version')::bigint, (d->>'leased_until')::timestamptz
     FROM jsonb_array_elements($1::jsonb) AS d
     WHERE NOT EXISTS (SELECT 1 FROM ${table} AS later
                       WHERE later.ticket_id = (d->>'ticket_id')::uuid
                         AND later.version > (d->>'version')::bigint)`,
    [JSON.stringify(docs)],
  );
}
