import { ticketIdOfStream, ticketStreamPrefix, type StoredEvent } from '../events/index.ts';
import type { EventStore } from '../eventstore/index.ts';

/** Which tickets an export holds: received in [since, until), at a level (the one it ended at). */
export interface ExportFilter {
  since?: Date | undefined;
  until?: Date | undefined;
  level?: 1 | 2 | 3 | undefined;
}

/** A ticket's stream as exported: its events in version order, and the level each left it at. */
export interface ExportedTicket {
  id: string;
  events: StoredEvent[];
  /** The ticket's level after each event (null before it has one). */
  levels: (number | null)[];
}

function levelAfter(level: number | null, event: StoredEvent): number | null {
  switch (event.type) {
    case 'TicketClassified':
    case 'TicketEscalated':
      return event.data.level;
    case 'TicketRelevelled':
      return event.data.to;
    default:
      return level;
  }
}

/** Reads every ticket stream of the log (pages in commit order) and keeps those the filter takes. */
export async function collectTickets(
  store: EventStore,
  filter: ExportFilter = {},
): Promise<ExportedTicket[]> {
  const streams = new Map<string, StoredEvent[]>();
  for (let after = 0; ;) {
    const page = await store.readAll({ after, limit: 5000, streamPrefix: ticketStreamPrefix });
    for (const event of page.events) {
      const list = streams.get(event.streamId);
      if (list) list.push(event);
      else streams.set(event.streamId, [event]);
    }
    if (page.events.length === 0 || page.lastPosition === after) break;
    after = page.lastPosition;
  }
  const tickets: ExportedTicket[] = [];
  for (const [streamId, events] of streams) {
    events.sort((a, b) => a.version - b.version);
    const received = Date.parse(events[0]!.timestamp);
    if (filter.since && received < filter.since.getTime()) continue;
    if (filter.until && received >= filter.until.getTime()) continue;
    const levels: (number | null)[] = [];
    let level: number | null = null;
    for (const event of events) levels.push((level = levelAfter(level, event)));
    if (filter.level && level !== filter.level) continue;
    tickets.push({ id: ticketIdOfStream(streamId), events, levels });
  }
  return tickets.sort((a, b) => a.events[0]!.timestamp.localeCompare(b.events[0]!.timestamp));
}
