import type { SqlExecutor } from '../src/db/index.ts';
import { ticketIdOfStream, type StoredEvent } from '../src/events/index.ts';
import {
  statusAfter,
  statusesTagged,
  ticketEventTypes,
  type SupportLevel,
  type TicketStatus,
} from '../machines/index.ts';
import { liveTable, type Projection } from '../src/projector/index.ts';
import { writeRows } from '../src/projector/index.ts';

/** One row per ticket: what lists, filters and queues read. */
export interface TicketRow {
  id: string;
  version: number;
  status: TicketStatus;
  level: number | null;
  category: string | null;
  confidence: number | null;
  subject: string | null;
  description: string;
  requester_email: string;
  requester_name: string | null;
  /** False when filed anonymously (the email not proved); true for older events (docs/events.md). */
  requester_verified: boolean;
  escalation_reason: string | null;
  escalation_detail: string | null;
  assignee: string | null;
  /** SLA clocks that breached (`first_response`, `resolution`). */
  sla_breached: string[];
  /** Imported from a process-mining log (docs/import.md): history, in no queue. */
  imported: boolean;
  created_at: string;
  updated_at: string;
}

export function evolveTicketRow(
  row: TicketRow | undefined,
  event: StoredEvent,
): TicketRow | undefined {
  if (event.type === 'TicketReceived') {
    return {
      id: event.data.ticketId,
      version: event.version,
      status: statusAfter('new', event),
      level: null,
      category: null,
      confidence: null,
      subject: event.data.subject ?? null,
      description: event.data.description,
      requester_email: event.data.requester.email.toLowerCase(),
      requester_name: event.data.requester.name ?? null,
      requester_verified: event.data.requester.verified ?? true,
      escalation_reason: null,
      escalation_detail: null,
      assignee: null,
      sla_breached: [],
      imported: event.metadata.import !== undefined,
      created_at: event.timestamp,
      updated_at: event.timestamp,
    };
  }
  if (!row) return undefined;
  const next: TicketRow = {
    ...row,
    version: event.version,
    status: statusAfter(row.status, event),
    updated_at: event.timestamp,
  };
  switch (event.type) {
    case 'TicketClassified':
      return {
        ...next,
        level: event.data.level,
        category: event.data.category,
        confidence: event.data.confidence,
      };
    case 'TicketEscalated':
      return {
        ...next,
        level: event.data.level,
        escalation_reason: event.data.reason,
        escalation_detail: event.data.detail,
      };
    case 'AnswerRejected':
      return {
        ...next,
        escalation_reason: 'manual',
        escalation_detail: 'the requester said the answer did not help',
      };
    case 'TicketClaimed':
    case 'TicketAssigned':
      return { ...next, assignee: event.data.agent };
    case 'TicketReleased':
      return { ...next, assignee: null };
    case 'TicketRelevelled':
      return { ...next, level: event.data.to, assignee: null };
    case 'SlaBreached':
      return next.sla_breached.includes(event.data.clock)
        ? next
        : { ...next, sla_breached: [...next.sla_breached, event.data.clock] };
    default:
      return next;
  }
}

const ticketIdOf = (event: StoredEvent) => ticketIdOfStream(event.streamId);

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
    {
      id: '101_tickets_agents',
      statements: [
        `ALTER TABLE tf_tickets ADD COLUMN assignee text`,
        `ALTER TABLE tf_tickets ADD COLUMN sla_breached text[] NOT NULL DEFAULT '{}'`,
        `CREATE INDEX tf_tickets_queue ON tf_tickets (level, status)`,
      ],
    },
    {
      // Rows of older events are verified by definition (docs/events.md), hence the default.
      id: '102_tickets_requester_verified',
      statements: [
        `ALTER TABLE tf_tickets ADD COLUMN requester_verified boolean NOT NULL DEFAULT true`,
      ],
    },
    {
      // The event holds a double; `real` kept ~7 digits, so lists differed from the replay.
      // Rows written as `real` are lost precision: the table is emptied and its checkpoint reset,
      // so the projector rebuilds it from the log before the server reports ready.
      id: '103_tickets_confidence_double',
      statements: [
        `TRUNCATE tf_tickets`,
        `ALTER TABLE tf_tickets ALTER COLUMN confidence TYPE double precision`,
        `UPDATE tf_projection_checkpoints SET position = 0, updated_at = now() WHERE name = 'tickets'`,
      ],
    },
    {
      // A queue in its own order (projections/queues.ts): without it, a queue of resolved tickets
      // sorted every resolved ticket of the level (docs/benchmarks.md, "How reads grow with history").
      id: '104_tickets_queue_order',
      statements: [
        `CREATE INDEX tf_tickets_queue_order ON tf_tickets (level, status, (cardinality(sla_breached) = 0), created_at, id)`,
      ],
    },
    {
      // Tickets imported before this column existed do not exist: the import came with it.
      id: '104_tickets_imported',
      statements: [`ALTER TABLE tf_tickets ADD COLUMN imported boolean NOT NULL DEFAULT false`],
    },
  ],
  handles: ticketEventTypes,

  async apply(tx: SqlExecutor, events, table = liveTable) {
    const ids = [...new Set(events.map(ticketIdOf))];
    const { rows } = await tx.query<TicketRow>(
      `SELECT id, version, status, level, category, confidence, subject, description, requester_email,
              requester_name, requester_verified, escalation_reason, escalation_detail, assignee, sla_breached,
              imported, to_json(created_at) #>> '{}' AS created_at, to_json(updated_at) #>> '{}' AS updated_at
       FROM ${table('tf_tickets')} WHERE id = ANY($1::uuid[])`,
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
    await writeRows(tx, 'upsert', table('tf_tickets'), ['id'], [
      ...changed.values(),
    ] as unknown as Record<string, unknown>[]);
  },
};

/** What the ticket list may filter on; `after` is the last row of the previous page. */
export interface TicketListFilter {
  statuses?: string[] | undefined;
  level?: SupportLevel | undefined;
  requesterEmail?: string | undefined;
  /** Only tickets whose requester proved the email (filed with their token). */
  verifiedOnly?: boolean | undefined;
  after?: { createdAt: string; id: string } | undefined;
  limit: number;
}

export interface TicketListItem extends Pick<
  TicketRow,
  | 'id'
  | 'version'
  | 'status'
  | 'level'
  | 'category'
  | 'confidence'
  | 'subject'
  | 'requester_email'
  | 'requester_verified'
  | 'escalation_reason'
  | 'created_at'
  | 'updated_at'
> {
  /** `created_at` exactly as stored (microseconds), for the next page's key. */
  created_at_key: string;
}

/** A page of the ticket list, newest first, and whether another page follows. */
export async function listTickets(
  db: SqlExecutor,
  filter: TicketListFilter,
): Promise<{ items: TicketListItem[]; more: boolean }> {
  const params: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  // One status as `=`: tf_tickets_status then returns the page in order from the cursor on; with
  // `= ANY(array)` PostgreSQL 15 reads every ticket of that status after it and sorts them.
  if (filter.statuses?.length === 1) where.push(`status = ${param(filter.statuses[0])}`);
  else if (filter.statuses) where.push(`status = ANY(${param(filter.statuses)}::text[])`);
  if (filter.level) where.push(`level = ${param(filter.level)}`);
  if (filter.requesterEmail) where.push(`requester_email = ${param(filter.requesterEmail)}`);
  if (filter.verifiedOnly) where.push('requester_verified');
  if (filter.after) {
    const createdAt = param(filter.after.createdAt);
    where.push(`(created_at, id) < (${createdAt}::timestamptz, ${param(filter.after.id)}::uuid)`);
  }
  const { rows } = await db.query<TicketListItem>(
    `SELECT id, version, status, level, category, confidence, subject, requester_email,
            requester_verified, escalation_reason,
            created_at, updated_at, to_json(created_at) #>> '{}' AS created_at_key
     FROM tf_tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT ${param(filter.limit + 1)}`,
    params,
  );
  return { items: rows.slice(0, filter.limit), more: rows.length > filter.limit };
}

/**
 * Tickets the workflow has not moved on for a while in a state it moves on by itself (the
 * machine's `automatic` tag): the process that worked them died, or a step failed.
 */
export async function ticketsAwaitingWorkflow(
  db: SqlExecutor,
  olderThanMs: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM tf_tickets WHERE status = ANY($1::text[]) AND NOT imported AND updated_at <= now() - make_interval(secs => $2)
     ORDER BY updated_at`,
    [statusesTagged('automatic'), olderThanMs / 1000],
  );
  return rows.map((r) => r.id);
}
