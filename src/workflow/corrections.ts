import type { EventStore } from '../eventstore/index.ts';
import { ticketIdOfStream, ticketStreamPrefix, type EventData } from '../events/index.ts';

type Level = EventData<'TicketRelevelled'>['to'];

/** A ticket whose level an agent corrected: its text and the level it ended at. */
export interface CorrectedTicket {
  ticketId: string;
  subject?: string | undefined;
  description: string;
  /** The level after the last correction. */
  level: Level;
  /** What the model (or the first agent) had said before anyone corrected it. */
  originalLevel: Level;
  correctedAt: string;
}

/**
 * Reads the tickets agents re-levelled, from the log itself: their text from `TicketReceived`,
 * their level from the last `TicketRelevelled`. Agents' re-levelling is ground truth, so these
 * rows are training data for the local model (`npm run train -- --from-events`). A ticket moved
 * back to the level it started at is still a confirmed label and is kept.
 */
export async function readCorrections(
  store: EventStore,
  pageSize = 1000,
): Promise<CorrectedTicket[]> {
  // First the corrections alone (few, however long the log), then the text of those tickets only.
  const corrections = new Map<string, { to: Level; from: Level; at: string }>();
  let after = 0;
  for (;;) {
    const { events, lastPosition } = await store.readAll({
      after,
      limit: pageSize,
      types: ['TicketRelevelled'],
      streamPrefix: ticketStreamPrefix,
    });
    for (const event of events) {
      if (event.type !== 'TicketRelevelled') continue;
      const earlier = corrections.get(event.streamId);
      corrections.set(event.streamId, {
        to: event.data.to,
        from: earlier?.from ?? event.data.from,
        at: event.timestamp,
      });
    }
    if (events.length < pageSize || lastPosition === after) break;
    after = lastPosition;
  }
  const tickets: CorrectedTicket[] = [];
  for (const [streamId, c] of corrections) {
    // A ticket stream starts with TicketReceived; only its first event is needed.
    const [first] = await store.readStream(streamId, { toVersion: 1 });
    if (first?.type !== 'TicketReceived') continue;
    // An erased requester's text (docs/privacy.md) is not training data any more.
    if (first.erased?.some((e) => e.paths.includes('data.description'))) continue;
    tickets.push({
      ticketId: ticketIdOfStream(streamId),
      subject: first.data.subject,
      description: first.data.description,
      level: c.to,
      originalLevel: c.from,
      correctedAt: c.at,
    });
  }
  return tickets;
}
