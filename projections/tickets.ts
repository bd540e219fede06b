import type { SqlExecutor } from '../src/db/index.ts';
import {
  eventTypes,
  isIdentityEventType,
  ticketIdOfStream,
  type StoredEvent,
  type TicketEventType,
} from '../src/events/index.ts';
import { liveTable, type Projection } from '../src/projector/types.ts';
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
  assignee: string | null;
  /** SLA clocks that breached (`first_response`, `resolution`). */
  sla_breached: string[];
  created_at: string;
  updated_at: string;
}

/** Every event type of a ticket's stream (identity events live in user streams). */
export const ticketEventTypes: readonly TicketEventType[] = eventTypes.filter(
  (t): t is TicketEventType => !isIdentityEventType(t),
);

/**
 * The status an event leaves the ticket in, given the status before it (events that change no
 * status, such as notes or SLA warnings, keep it). test/projections proves it equals the machine's.
 */
export function statusAfterEvent(previous: string | null, event: StoredEvent): string {
  const unchanged = previous ?? 'new';
  switch (event.type) {
    case 'TicketReceived':
      return 'received';
    case 'ClassificationStarted':
      return 'classifying';
    case 'TicketClassified':
    case 'ClassificationFailed':
    case 'AnswerDraftFailed':
      return 'classified';
    case 'AnswerDraftStarted':
      return 'drafting';
    case 'AnswerDrafted':
      return 'answered';
    case 'TicketEscalated':
    case 'AnswerRejected':
    case 'TicketReleased':
      return 'escalated';
    case 'TicketClosed':
      return 'closed';
    case 'TicketClaimed':
      return 'assigned';
    case 'TicketAssigned':
      return previous === 'escalated' || previous === 'reopened' ? 'assigned' : unchanged;
    case 'WorkStarted':
      return 'in_progress';
    case 'AgentReplied':
      return previous === 'assigned' || previous === 'reopened' ? 'in_progress' : unchanged;
    case 'RequesterReplied':
      return previous === 'waiting_on_requester' ? 'in_progress' : unchanged;
    case 'TicketPutOnHold':
      return 'waiting_on_requester';
    case 'TicketResolved':
      return 'resolved';
    case 'TicketReopened':
      return 'reopened';
    case 'TicketRelevelled':
      return event.data.to === 1 ? 'answered' : 'escalated';
    case 'InternalNoteAdded':
    case 'SlaWarning':
    case 'SlaBreached':
    case 'UserCreated':
    case 'RoleGranted':
    case 'TokenIssued':
    case 'TokenRevoked':
      return unchanged;
    default: {
      const unhandled: never = event;
      throw new Error(`no status for ${(unhandled as StoredEvent).type}`);
    }
  }
}

export function evolveTicketRow(
  row: TicketRow | undefined,
  event: StoredEvent,
): TicketRow | undefined {
  if (event.type === 'TicketReceived') {
    return {
      id: event.data.ticketId,
      version: event.version,
      status: statusAfterEvent(null, event),
      level: null,
      category: null,
      confidence: null,
      subject: event.data.subject ?? null,
      description: event.data.description,
      requester_email: event.data.requester.email.toLowerCase(),
      requester_name: event.data.requester.name ?? null,
      escalation_reason: null,
      escalation_detail: null,
      assignee: null,
      sla_breached: [],
      created_at: event.timestamp,
      updated_at: event.timestamp,
    };
  }
  if (!row) return undefined;
  const next: TicketRow = {
    ...row,
    version: event.version,
    status: statusAfterEvent(row.status, event),
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
  ],
  handles: ticketEventTypes,

  async apply(tx: SqlExecutor, events, table = liveTable) {
    const ids = [...new Set(events.map(ticketIdOf))];
    const { rows } = await tx.query<TicketRow>(
      `SELECT id, version, status, level, category, confidence, subject, description, requester_email,
              requester_name, escalation_reason, escalation_detail, assignee, sla_breached,
              to_json(created_at) #>> '{}' AS created_at, to_json(updated_at) #>> '{}' AS updated_at
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
