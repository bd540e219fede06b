import type { StoredEvent } from '../events/index.ts';
import type { Citation } from '../../machines/index.ts';

/** One message or fact of a ticket's conversation, as a page shows it. */
export interface ThreadEntry {
  version: number;
  at: string;
  who: string;
  /** public: the requester sees it; internal: agents and auditors only; system: a status fact. */
  kind: 'public' | 'internal' | 'system';
  label: string;
  text: string | null;
  citations: Citation[];
}

const str = (data: Record<string, unknown>, key: string): string | null =>
  typeof data[key] === 'string' ? (data[key] as string) : null;

const citationsOf = (data: Record<string, unknown>): Citation[] =>
  Array.isArray(data.citations)
    ? (data.citations as unknown[]).filter(
        (c): c is Citation =>
          typeof c === 'object' && c !== null && typeof (c as Citation).id === 'string',
      )
    : [];

type Describe = (data: Record<string, unknown>) => Omit<ThreadEntry, 'version' | 'at' | 'who'>;

const pub =
  (label: string, key: string): Describe =>
  (d) => ({
    kind: 'public',
    label,
    text: str(d, key),
    citations: citationsOf(d),
  });
const fact =
  (label: string | ((d: Record<string, unknown>) => string), key?: string): Describe =>
  (d) => ({
    kind: 'system',
    label: typeof label === 'string' ? label : label(d),
    text: key ? str(d, key) : null,
    citations: [],
  });

/** The events a conversation shows, and how; the rest (model steps, SLA clocks) only the auditor's timeline shows. */
const describers: Record<string, Describe> = {
  TicketReceived: pub('Ticket submitted', 'description'),
  AnswerDrafted: pub('Automatic answer', 'answer'),
  SuggestionSent: pub('Reply', 'body'),
  AgentReplied: pub('Reply', 'body'),
  RequesterReplied: pub('Requester replied', 'body'),
  TicketPutOnHold: pub('Question for the requester (on hold)', 'message'),
  TicketResolved: pub('Resolved', 'resolution'),
  InternalNoteAdded: (d) => ({
    kind: 'internal',
    label: 'Internal note',
    text: str(d, 'body'),
    citations: [],
  }),
  TicketEscalated: fact('Passed to a support agent', 'detail'),
  TicketClaimed: fact((d) => `Claimed by ${String(d.agent)}`),
  TicketAssigned: fact((d) => `Assigned to ${String(d.agent)}`),
  TicketReleased: fact('Released to the queue', 'reason'),
  WorkStarted: fact('Work started'),
  AnswerRejected: pub('The answer did not solve it', 'comment'),
  TicketReopened: pub('Reopened', 'reason'),
  TicketRelevelled: fact((d) => `Moved to level ${String(d.level)}`, 'reason'),
  TicketClosed: fact((d) => `Closed (${String(d.reason).replace('_', ' ')})`, 'comment'),
};

/** The conversation; requesters' views pass events without internal ones (machines/access.ts). */
export function threadOf(
  events: readonly StoredEvent[],
  whoShown: (actorId: string) => string,
): ThreadEntry[] {
  const entries: ThreadEntry[] = [];
  for (const event of events) {
    const describe = describers[event.type];
    if (!describe) continue;
    const data = (
      typeof event.data === 'object' && event.data !== null ? event.data : {}
    ) as Record<string, unknown>;
    entries.push({
      version: event.version,
      at: event.timestamp,
      who: whoShown(event.metadata.actor.id),
      ...describe(data),
    });
  }
  return entries;
}
