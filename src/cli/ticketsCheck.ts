import type { EventStore } from '../eventstore/index.ts';
import { ticketIdOfStream, ticketStreamPrefix } from '../events/index.ts';
import { foldTicket, type Anomaly } from '../../machines/index.ts';

export interface TicketAnomaly extends Anomaly {
  ticketId: string;
}

/**
 * Every ticket stream folded through the machine: the stored events it has no transition for
 * (an edited, deleted or reordered event), by ticket. Reads never fail on them; this finds them.
 */
export async function findTicketAnomalies(store: EventStore): Promise<{
  tickets: number;
  anomalies: TicketAnomaly[];
}> {
  const streams = new Set<string>();
  for (let after = 0; ;) {
    const page = await store.readAll({ after, limit: 1000, streamPrefix: ticketStreamPrefix });
    for (const event of page.events) streams.add(event.streamId);
    if (page.events.length === 0) break;
    after = page.lastPosition;
  }
  const anomalies: TicketAnomaly[] = [];
  for (const streamId of streams) {
    const state = foldTicket(await store.readStream(streamId));
    const ticketId = ticketIdOfStream(streamId);
    for (const anomaly of state.anomalies) anomalies.push({ ticketId, ...anomaly });
  }
  return { tickets: streams.size, anomalies };
}
