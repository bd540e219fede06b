import { ticketIdOfStream } from '../src/events/index.ts';
import { liveTable, type Projection } from '../src/projector/index.ts';
import { writeRows } from '../src/projector/index.ts';
import { statusAfter, ticketEventTypes, type TicketStatus } from '../machines/index.ts';

/** Every change of a ticket's status: who moved it, when, from what to what. */
export const statusHistoryProjection: Projection = {
  name: 'status_history',
  tables: ['tf_status_history'],
  migrations: [
    {
      id: '110_status_history',
      statements: [
        `CREATE TABLE tf_status_history (
          ticket_id uuid NOT NULL,
          version integer NOT NULL,
          from_status text,
          to_status text NOT NULL,
          event_type text NOT NULL,
          actor_id text NOT NULL,
          actor_role text NOT NULL,
          at timestamptz NOT NULL,
          PRIMARY KEY (ticket_id, version)
        )`,
      ],
    },
  ],
  handles: ticketEventTypes,

  async apply(tx, events, table = liveTable) {
    const ids = [...new Set(events.map((e) => ticketIdOfStream(e.streamId)))];
    const { rows } = await tx.query<{ ticket_id: string; to_status: string }>(
      `SELECT DISTINCT ON (ticket_id) ticket_id, to_status FROM ${table('tf_status_history')}
       WHERE ticket_id = ANY($1::uuid[]) ORDER BY ticket_id, version DESC`,
      [ids],
    );
    const last = new Map(rows.map((r) => [r.ticket_id, r.to_status as TicketStatus]));
    const inserts = [];
    for (const event of events) {
      const ticketId = ticketIdOfStream(event.streamId);
      const from = last.get(ticketId) ?? null;
      const to = statusAfter(from ?? 'new', event);
      last.set(ticketId, to);
      if (from === to) continue;
      inserts.push({
        ticket_id: ticketId,
        version: event.version,
        from_status: from,
        to_status: to,
        event_type: event.type,
        actor_id: event.metadata.actor.id,
        actor_role: event.metadata.actor.role,
        at: event.timestamp,
      });
    }
    await writeRows(tx, 'insert', table('tf_status_history'), ['ticket_id', 'version'], inserts);
  },
};
