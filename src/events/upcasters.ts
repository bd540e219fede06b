import { eventDataSchemas, eventSchemaVersions, type EventType } from './schemas.ts';

/**
 * Upcasters turn an event's stored data from schema version n into version n + 1.
 * Events are never rewritten in the store; old versions are upgraded each time they are read.
 */
type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export const upcasters: Partial<Record<EventType, Record<number, Upcaster>>> = {};

export class UnknownEventError extends Error {
  constructor(
    readonly type: string,
    readonly schemaVersion: number,
  ) {
    super(`unknown event ${type} v${schemaVersion}`);
    this.name = 'UnknownEventError';
  }
}

/** Brings stored data up to the current schema version; upgraded data is validated. */
export function upcast(type: EventType, schemaVersion: number, data: unknown): unknown {
  const current = eventSchemaVersions[type];
  // Current-version data was validated when it was appended: no second parse on the hot read path.
  if (schemaVersion === current) return data;
  if (schemaVersion > current) throw new UnknownEventError(type, schemaVersion);
  let upgraded = data as Record<string, unknown>;
  for (let v = schemaVersion; v < current; v++) {
    const step = upcasters[type]?.[v];
    if (!step) throw new UnknownEventError(type, v);
    upgraded = step(upgraded);
  }
  return eventDataSchemas[type].parse(upgraded);
}
