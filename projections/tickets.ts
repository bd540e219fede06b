import type { SqlExecutor } from '../src/db/index.ts';
import type { StoredEvent } from '../src/events/index.ts';
import type { Projection } from '../src/projector/types.ts';
import { writeRows } from '../src/projector/rows.ts';

/** One row per ticket: what lists, filters and queues read. */
export interface TicketRow {
  id: string;
  version: number;
  status: string;
  level: number | null;
  category: string | null;
  confidence: number | null;
  subject: string | null;
  description: string;
  requester_email: string;
  requester_name: string | null;
  escalation_reason: string | null;
  escalation_detail: string | null;
  created_at: string;
  updated_at: string;
}

/** The status each event leaves the ticket in; test/projections proves it equals the machine's. */
export const statusAfterEvent: Record<StoredEvent['type'], string> = {
  TicketReceived: 'received',
  ClassificationStarted: 'classifying',
  TicketClassified: 'classified',
  ClassificationFailed: 'classified',
  AnswerDraftStarted: 'drafting',
  AnswerDrafted: 'answered',
  AnswerDraftFailed: 'classified',
  TicketEscalated: 'escalated',
  TicketClosed: 'closed',
};

export function evolveTicketRow(row: TicketRow | undefined, event: StoredEvent): TicketRow | undefined {
  if (event.type === 'TicketReceived') {
    return {
      id: event.data.ticketId,
      version: event.version,
      status: statusAfterEvent[event.type],
      level: null,
      category: null,
      confidence: null,
      subject: event.data.subject ?? null,
      description: event.data.description,
      requester_email: event.data.requester.email.toLowerCase(),
      requester_name: event.data.requester.name ?? null,
      escalation_reason: null,
      escalation_detail: null,
      created_at: event.timestamp,
      updated_at: event.timestamp,
    };
  }
  if (!row) return undefined;
  const next: TicketRow = {
    ...row,
    version: event.version,
    status: statusAfterEvent[event.type],
    updated_at: event.timestamp,
  };
  switch (event.type) {
    case 'TicketClassified':
      return { ...next, level: event.data.level, category: event.data.category, confidence: event.data.confidence };
    case 'TicketEscalated':
      return {
        ...next,
        level: event.data.level,
        escalation_reason: event.data.reason,
        escalation_detail: event.data.detail,
      };
    default:
      return next;
  }
}

const ticketIdOf = (event: StoredEvent) => event.streamId.slice('ticket-'.length);

export const ticketsProjection: Projection = {
  name: 'tickets',
  tables: ['tf_tickets'],
  migrations: [
    {
      id: '100_tickets',
      statements: [
        `CREATE TABLE tf_tickets (
          id uuid PRIMARY KEY,
          version integer NOT NULL,
          status text NOT NULL,
          level smallint,
          category text,
          confidence real,
          subject text,
          description text NOT NULL,
          requester_email text NOT NULL,
          requester_name text,
          escalation_reason text,
          escalation_detail text,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL
        )`,
        `CREATE INDEX tf_tickets_listing ON tf_tickets (created_at DESC, id DESC)`,
        `CREATE INDEX tf_tickets_status ON tf_tickets (status, created_at DESC, id DESC)`,
        `CREATE INDEX tf_tickets_requester ON tf_tickets (requester_email, created_at DESC)`,
      ],
    },
  ],
  handles: Object.keys(statusAfterEvent) as StoredEvent['type'][],

  async apply(tx: SqlExecutor, events) {
    const ids = [...new Set(events.map(ticketIdOf))];
    const { rows } = await tx.query<TicketRow>(
      `SELECT id, version, status, level, category, confidence, subject, description, requester_email,
              requester_name, escalation_reason, escalation_detail,
              to_json(created_at) #>> '{}' AS created_at, to_json(updated_at) #>> '{}' AS updated_at
       FROM tf_tickets WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const current = new Map(rows.map((r) => [r.id, r]));
    const changed = new Map<string, TicketRow>();
    for (const event of events) {
      const id = ticketIdOf(event);
      const before = current.get(id);
      // Re-delivered events (a retry after a crash) never move a row backwards.
      if (before && before.version >= event.version) continue;
      const after = evolveTicketRow(before, event);
      if (!after) continue;
      current.set(id, after);
      changed.set(id, after);
    }
    await writeRows(tx, 'upsert', 'tf_tickets', ['id'], [...changed.values()] as unknown as Record<string, unknown>[]);
  },
};
