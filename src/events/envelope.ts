import { randomUUID } from 'node:crypto';
import {
  eventDataSchemas,
  eventSchemaVersions,
  type EventData,
  type EventMetadata,
  type EventType,
} from './schemas.ts';

/** An event about to be appended: the store assigns its stream version and position. */
export interface NewEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  schemaVersion: number;
  data: EventData<T>;
  metadata: EventMetadata;
  timestamp: string;
}

/** An event as read back from the store. */
export type StoredEvent<T extends EventType = EventType> = {
  [K in T]: NewEvent<K> & { streamId: string; version: number; position: number };
}[T];

export type AnyNewEvent = { [K in EventType]: NewEvent<K> }[EventType];

/** Builds a validated event. Invalid data throws: events are checked before they are stored. */
export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  metadata: EventMetadata,
  options: { id?: string; timestamp?: Date } = {},
): NewEvent<T> {
  const schema = eventDataSchemas[type];
  return {
    id: options.id ?? randomUUID(),
    type,
    schemaVersion: eventSchemaVersions[type],
    data: schema.parse(data) as EventData<T>,
    metadata,
    timestamp: (options.timestamp ?? new Date()).toISOString(),
  };
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventDataSchemas, type);
}
