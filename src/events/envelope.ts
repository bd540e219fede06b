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

/**
 * An event as read back from the store; `hash`: its link in the stream's hash chain (hex SHA-256,
 * docs/audit.md), where the store keeps one.
 */
export type StoredEvent<T extends EventType = EventType> = {
  [K in T]: NewEvent<K> & {
    streamId: string;
    version: number;
    position: number;
    hash?: string;
    /** Personal fields that read as erased markers, whose and why (docs/privacy.md). */
    erased?: ErasedFields[];
  };
}[T];

/** Fields of an event whose person's key is gone: they read as `[erased:<subjectId>]`. */
export interface ErasedFields {
  subjectId: string;
  /** Paths from the event: `data.description`, `metadata.actor.id`. */
  paths: string[];
  /** Who erased the person, when and why; null when the key is missing or the bytes damaged. */
  erasure: { at: string; by: string; basis: string } | null;
}

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

/** A domain event of any type: its type and data, decided and not yet enveloped. */
export type DomainEvent = { [K in EventType]: { type: K; data: EventData<K> } }[EventType];

/** An event with the version it has (or will have) in its stream: what folds read. */
export type VersionedEvent = AnyNewEvent & { version: number };

/** `createEvent` for an event whose type is known only as a union. */
export function createEventOf(
  event: DomainEvent,
  metadata: EventMetadata,
  options: { id?: string; timestamp?: Date } = {},
): AnyNewEvent {
  // Sound: `event` pairs its type with that type's data; TypeScript cannot follow the union.
  return createEvent(
    event.type,
    event.data as EventData<typeof event.type>,
    metadata,
    options,
  ) as AnyNewEvent;
}
