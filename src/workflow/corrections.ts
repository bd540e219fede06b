import type { EventStore } from '../eventstore/index.ts';
import {
  ticketIdOfStream,
  ticketStreamPrefix,
  type EventData,
  type StoredEvent,
} from '../events/index.ts';

type Level = EventData<'TicketRelevelled'>['to'];

/**
 * What an agent's work says about a ticket's level:
 * - `relevelled`: an agent moved it (`TicketRelevelled`); its level is where it was moved.
 * - `suggestion_sent`: an agent sent the model's suggested answer (`SuggestionSent`, edited or
 *   not); the model's level-1 reading is confirmed (a suggestion exists only for level 1).
 * - `suggestion_replaced`: an agent discarded the suggestion (`SuggestionDiscarded`) and then
 *   answered the requester in their own words (`AgentReplied`) without moving the ticket: the
 *   draft was wrong, the level was not, so the level in force is confirmed. A discard alone says
 *   nothing about the level (the knowledge base may simply lack the article) and yields no row.
 */
export type Verdict = 'relevelled' | 'suggestion_sent' | 'suggestion_replaced';

/** A ticket whose level an agent's work settled: its text and the level it ended at. */
export interface CorrectedTicket {
  ticketId: string;
  subject?: string | undefined;
  description: string;
  /** The level the last verdict gave. */
  level: Level;
  /** What the model (or the first agent) had said before anyone corrected it. */
  originalLevel: Level;
  /** The last verdict, which gave `level`. */
  verdict: Verdict;
  correctedAt: string;
}

/** The events that make a ticket a candidate; only those tickets' streams are read. */
const VERDICT_EVENTS = ['TicketRelevelled', 'SuggestionSent', 'SuggestionDiscarded'] as const;

/**
 * Reads the tickets whose level agents settled, from the log itself: re-levelled tickets and the
 * agents' verdicts on suggested answers (`Verdict`). Their text comes from `TicketReceived`. These
 * rows are training data for the local model (`npm run train -- --from-events`). When several
 * verdicts concern one ticket, the last one in the stream wins: it was made knowing the others.
 * A ticket moved back to the level it started at is still a confirmed label and is kept.
 */
export async function readCorrections(
  store: EventStore,
  pageSize = 1000,
): Promise<CorrectedTicket[]> {
  // First the verdicts alone (few, however long the log), then the streams of those tickets only.
  const candidates = new Set<string>();
  let after = 0;
  for (;;) {
    const { events, lastPosition } = await store.readAll({
      after,
      limit: pageSize,
      types: [...VERDICT_EVENTS],
      streamPrefix: ticketStreamPrefix,
    });
    for (const event of events) candidates.add(event.streamId);
    if (events.length < pageSize || lastPosition === after) break;
    after = lastPosition;
  }
  const tickets: CorrectedTicket[] = [];
  for (const streamId of candidates) {
    const events = await store.readStream(streamId);
    // An erased requester's text (docs/privacy.md) is not training data any more.
    if (events[0]?.erased?.some((e) => e.paths.includes('data.description'))) continue;
    const ticket = settledLevel(streamId, events);
    if (ticket) tickets.push(ticket);
  }
  return tickets;
}

/** Folds one ticket's stream into the level its agents' last verdict gave, if any. */
function settledLevel(streamId: string, events: StoredEvent[]): CorrectedTicket | undefined {
  const [first] = events;
  if (first?.type !== 'TicketReceived') return undefined;
  let classified: Level | undefined;
  let level: Level | undefined;
  let firstFrom: Level | undefined;
  let discarded = false;
  let last: { level: Level; verdict: Verdict; at: string } | undefined;
  for (const event of events) {
    switch (event.type) {
      case 'TicketClassified':
        classified ??= event.data.level;
        level = event.data.level;
        break;
      case 'TicketRelevelled':
        firstFrom ??= event.data.from;
        level = event.data.to;
        last = { level: event.data.to, verdict: 'relevelled', at: event.timestamp };
        break;
      case 'SuggestionSent':
        // The suggestion was drafted for a level-1 reading; that is what the agent confirms.
        last = { level: level ?? 1, verdict: 'suggestion_sent', at: event.timestamp };
        break;
      case 'SuggestionDiscarded':
        discarded = true;
        break;
      case 'AgentReplied':
        if (discarded) {
          last = { level: level ?? 1, verdict: 'suggestion_replaced', at: event.timestamp };
          discarded = false;
        }
        break;
    }
  }
  if (!last) return undefined;
  return {
    ticketId: ticketIdOfStream(streamId),
    subject: first.data.subject,
    description: first.data.description,
    level: last.level,
    originalLevel: firstFrom ?? classified ?? last.level,
    verdict: last.verdict,
    correctedAt: last.at,
  };
}
