import { eventDataSchemas, eventSchemaVersions, type EventType } from './schemas.ts';

/**
 * Upcasters turn an event's stored data from schema version n into version n + 1.
 * Events are never rewritten in the store; old versions are upgraded each time they are read.
 * A step sees the event's stored metadata too (who caused it), for facts a new version makes
 * explicit. See docs/events.md, "Schema evolution".
 */
export type Upcaster = (
  data: Record<string, unknown>,
  context: UpcastContext,
) => Record<string, unknown>;

export interface UpcastContext {
  /** The event's stored metadata (actor, correlation ...), possibly absent in foreign data. */
  metadata?: unknown;
}

const roleOf = (metadata: unknown): string | undefined =>
  (metadata as { actor?: { role?: unknown } } | undefined)?.actor?.role as string | undefined;

/**
 * TicketClosed v1 → v2: `closedBy` names the party that closed the ticket. v1 only had it
 * implicitly: an automatic close is the system's; otherwise the actor's role says it (a requester
 * accepting an answer or withdrawing, the system, or staff — agents, leads, admins — as `agent`).
 */
export function ticketClosedV1ToV2(
  data: Record<string, unknown>,
  context: UpcastContext,
): Record<string, unknown> {
  const role = roleOf(context.metadata);
  const closedBy =
    data.reason === 'auto_close' || role === 'system'
      ? 'system'
      : role === 'requester' || data.reason === 'answer_accepted' || data.reason === 'withdrawn'
        ? 'requester'
        : 'agent';
  return { ...data, closedBy };
}

export const upcasters: Partial<Record<EventType, Record<number, Upcaster>>> = {
  TicketClosed: { 1: ticketClosedV1ToV2 },
};

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
export function upcast(
  type: EventType,
  schemaVersion: number,
  data: unknown,
  metadata?: unknown,
): unknown {
  const current = eventSchemaVersions[type];
  // Current-version data was validated when it was appended: no second parse on the hot read path.
  if (schemaVersion === current) return data;
  // Personal fields sealed (docs/privacy.md): upcast once the privacy codec has put them back.
  if (Array.isArray((metadata as { pii?: unknown } | undefined)?.pii)) return data;
  if (schemaVersion > current) throw new UnknownEventError(type, schemaVersion);
  let upgraded = data as Record<string, unknown>;
  for (let v = schemaVersion; v < current; v++) {
    const step = upcasters[type]?.[v];
    if (!step) throw new UnknownEventError(type, v);
    upgraded = step(upgraded, { metadata });
  }
  return eventDataSchemas[type].parse(upgraded);
}
