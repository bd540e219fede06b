import type { SqlExecutor } from '../src/db/index.ts';
import { ticketIdOfStream, type StoredEvent } from '../src/events/index.ts';
import { liveTable, type Projection } from '../src/projector/index.ts';
import { writeRows } from '../src/projector/index.ts';

/**
 * What was said on a ticket: the model's answer, agents' public replies and internal notes,
 * the requester's replies and the resolution. `internal_note` rows are never shown to requesters.
 */
export type ResponseKind =
  'auto_answer' | 'agent_reply' | 'internal_note' | 'requester_reply' | 'resolution';

/** Kinds a requester may see (everything but internal notes). */
export const publicResponseKinds: readonly ResponseKind[] = [
  'auto_answer',
  'agent_reply',
  'requester_reply',
  'resolution',
];

function responseOf(
  event: StoredEvent,
): { kind: ResponseKind; body: string; citations?: unknown; author: string } | null {
  const author = event.metadata.actor.id;
  switch (event.type) {
    case 'AnswerDrafted':
      return {
        kind: 'auto_answer',
        body: event.data.answer,
        citations: event.data.citations,
        author: event.data.model,
      };
    case 'AgentReplied':
      return { kind: 'agent_reply', body: event.data.body, author };
    case 'SuggestionSent':
      // The model's suggested answer, sent by an agent: their reply, grounded in its citations.
      return {
        kind: 'agent_reply',
        body: event.data.body,
        citations: event.data.citations,
        author,
      };
    case 'TicketPutOnHold':
      return { kind: 'agent_reply', body: event.data.message, author };
    case 'TicketRelevelled':
      return event.data.answer ? { kind: 'agent_reply', body: event.data.answer, author } : null;
    case 'InternalNoteAdded':
      return { kind: 'internal_note', body: event.data.body, author };
    case 'RequesterReplied':
      return { kind: 'requester_reply', body: event.data.body, author };
    case 'TicketResolved':
      return { kind: 'resolution', body: event.data.resolution, author };
    default:
      return null;
  }
}

export const responsesProjection: Projection = {
  name: 'responses',
  tables: ['tf_responses'],
  migrations: [
    {
      id: '120_responses',
      statements: [
        `CREATE TABLE tf_responses (
          event_id uuid PRIMARY KEY,
          ticket_id uuid NOT NULL,
          kind text NOT NULL,
          body text NOT NULL,
          citations jsonb NOT NULL DEFAULT '[]',
          author text NOT NULL,
          created_at timestamptz NOT NULL
        )`,
        `CREATE INDEX tf_responses_ticket ON tf_responses (ticket_id, created_at)`,
      ],
    },
  ],
  handles: [
    'AnswerDrafted',
    'AgentReplied',
    'SuggestionSent',
    'TicketPutOnHold',
    'TicketRelevelled',
    'InternalNoteAdded',
    'RequesterReplied',
    'TicketResolved',
  ],

  async apply(tx, events, table = liveTable) {
    const rows = events.flatMap((event) => {
      const response = responseOf(event);
      if (!response) return [];
      return [
        {
          event_id: event.id,
          ticket_id: ticketIdOfStream(event.streamId),
          kind: response.kind,
          body: response.body,
          citations: response.citations ?? [],
          author: response.author,
          created_at: event.timestamp,
        },
      ];
    });
    await writeRows(tx, 'insert', table('tf_responses'), ['event_id'], rows);
  },
};

export interface ResponseItem {
  event_id: string;
  kind: ResponseKind;
  body: string;
  citations: unknown;
  author: string;
  created_at: string;
}

/** What was said on a ticket, of the kinds the reader may see, in order. */
export async function responsesOf(
  db: SqlExecutor,
  ticketId: string,
  kinds: readonly ResponseKind[],
): Promise<ResponseItem[]> {
  const { rows } = await db.query<ResponseItem>(
    `SELECT event_id, kind, body, citations, author, to_json(created_at) #>> '{}' AS created_at
     FROM tf_responses WHERE ticket_id = $1 AND kind = ANY($2::text[]) ORDER BY created_at, event_id`,
    [ticketId, kinds],
  );
  return rows;
}
