import { toCloudEvent, ticketStreamPrefix, type StoredEvent } from '../events/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import type { NewDelivery } from './deliveries.ts';

/** The endpoint settings that decide what it receives. */
export interface EndpointFilter {
  types: readonly string[] | null;
  levels: readonly number[] | null;
  ordering: 'per_ticket' | 'none';
}

/** The delivery of one event: its CloudEvent body, ordered by its ticket when asked. */
export function deliveryOf(
  event: StoredEvent,
  ordering: EndpointFilter['ordering'],
  source: string,
): NewDelivery {
  return {
    eventId: event.id,
    position: event.position,
    streamId: event.streamId,
    streamVersion: event.version,
    orderKey: ordering === 'per_ticket' ? event.streamId : null,
    body: JSON.stringify(toCloudEvent(event, source)),
    eventTime: event.timestamp,
  };
}

const levelOf = (event: StoredEvent): number | null => {
  const level = (event.data as { level?: unknown }).level;
  return typeof level === 'number' ? level : null;
};

/**
 * The events a level filter lets through: each ticket's level as of the event (the last level its
 * stream named up to it: classified, escalated, re-levelled), read from the stream through the
 * store, one read per ticket per batch.
 */
export async function withinLevels(
  store: EventStore,
  events: readonly StoredEvent[],
  levels: readonly number[] | null,
): Promise<StoredEvent[]> {
  if (!levels) return [...events];
  const newest = new Map<string, number>();
  for (const e of events) newest.set(e.streamId, Math.max(newest.get(e.streamId) ?? 0, e.version));
  const levelAt = new Map<string, Map<number, number | null>>();
  for (const [streamId, toVersion] of newest) {
    const byVersion = new Map<number, number | null>();
    let level: number | null = null;
    for (const e of await store.readStream(streamId, { toVersion })) {
      level = levelOf(e) ?? level;
      byVersion.set(e.version, level);
    }
    levelAt.set(streamId, byVersion);
  }
  return events.filter((e) => {
    const level = levelAt.get(e.streamId)?.get(e.version) ?? null;
    return level !== null && levels.includes(level);
  });
}

/** Only ticket streams are delivered (endpoint and user events stay in the log). */
export const isTicketEvent = (event: StoredEvent) => event.streamId.startsWith(ticketStreamPrefix);
