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
  const received = new Map<string, { subject?: string | undefined; description: string }>();
  const corrected = new Map<string, CorrectedTicket>();
  let after = 0;
  for (;;) {
    const { events, lastPosition } = await store.readAll({
      after,
      limit: pageSize,
      types: ['TicketReceived', 'TicketRelevelled'],
      streamPrefix: ticketStreamPrefix,
    });
    for (const event of events) {
      if (event.type === 'TicketReceived') {
        received.set(event.streamId, {
          subject: event.data.subject,
          description: event.data.description,
        });
      } else if (event.type === 'TicketRelevelled') {
        const text = received.get(event.streamId);
        if (!text) continue;
        const earlier = corrected.get(event.streamId);
        corrected.set(event.streamId, {
          ticketId: ticketIdOfStream(event.streamId),
          ...text,
          level: event.data.to,
          originalLevel: earlier?.originalLevel ?? event.data.from,
          correctedAt: event.timestamp,
        });
      }
    }
    if (events.length < pageSize || lastPosition === after) break;
    after = lastPosition;
  }
  return [...corrected.values()];
}
