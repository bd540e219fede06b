/**
 * Pure mappings between ticketflow's event-store vocabulary and EventStoreDB's.
 * No I/O here: everything is unit-tested without a server (test/eventstore/eventstoredb.unit.test.ts).
 */
import {
  ANY,
  NO_STREAM,
  WrongExpectedVersionError,
  jsonEvent,
  type EventData as EsdbEventData,
  type ExpectedRevision,
  type JSONType,
  type Position,
  type RecordedEvent,
} from '@eventstore/db-client';
import {
  isEventType,
  upcast,
  UnknownEventError,
  type AnyNewEvent,
  type EventMetadata,
  type StoredEvent,
} from '../../events/index.ts';
import { chainHashes } from '../chain.ts';
import { ConcurrencyError, type ExpectedVersion } from '../types.ts';

// ---------------------------------------------------------------------------------------------
// Versions and revisions: ticketflow version n (1-based, 0 = no stream) is ESDB revision n - 1.
// ---------------------------------------------------------------------------------------------

/** Our expected version as ESDB's `expectedRevision`: 0 and `no_stream` both mean "must not exist". */
export function toExpectedRevision(expected: ExpectedVersion): ExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream' || expected === 0) return NO_STREAM;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new RangeError(`invalid expected version ${String(expected)}`);
  }
  return BigInt(expected - 1);
}

/** ESDB stream revision (0-based) → ticketflow version (1-based). */
export function revisionToVersion(revision: bigint): number {
  return Number(revision) + 1;
}

/** ESDB's current revision as reported in a WrongExpectedVersion → our actual version. */
export function currentRevisionToVersion(current: bigint | string | undefined): number | null {
  if (typeof current !== 'bigint') return null; // NO_STREAM (or unknown)
  if (current < 0n) return null; // -1 is how older servers spell "no stream"
  return revisionToVersion(current);
}

/** WrongExpectedVersionError → our ConcurrencyError, carrying the stream's actual version. */
export function toConcurrencyError(
  streamId: string,
  expected: ExpectedVersion,
  error: WrongExpectedVersionError,
): ConcurrencyError {
  return new ConcurrencyError(streamId, expected, currentRevisionToVersion(error.actualVersion));
}

// ---------------------------------------------------------------------------------------------
// Global positions: ESDB positions are {commit, prepare} byte offsets into its transaction log.
// Every event of a (gRPC, implicitly committed) append has commit === prepare === its own log
// position, so the commit position alone identifies an event and orders $all.
// ---------------------------------------------------------------------------------------------

/** 2^64 - 1: how the server spells "no position" (e.g. stream reads on servers before 22.6). */
const noPosition = (1n << 64n) - 1n;

/** The commit position as our numeric position; undefined when the server sent none. */
export function positionToNumber(position: Position | undefined): number | undefined {
  if (!position) return undefined;
  const { commit } = position;
  if (commit < 0n || commit === noPosition) return undefined;
  if (commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(
      `EventStoreDB commit position ${commit} exceeds 2^53 - 1 and cannot be a ticketflow position`,
    );
  }
  return Number(commit);
}

/**
 * Where to start reading $all to resume after `position`. The server's read is inclusive, so the
 * event at exactly `position` comes back first and the reader drops it ({@link isAfter}).
 */
export function resumePosition(position: number): Position {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new RangeError(`invalid position ${String(position)}`);
  }
  return { commit: BigInt(position), prepare: BigInt(position) };
}

/** Whether an event at `position` comes strictly after the cursor `after`. */
export function isAfter(position: number, after: number): boolean {
  return position > after;
}

// ---------------------------------------------------------------------------------------------
// Events.
// ---------------------------------------------------------------------------------------------

/** The metadata document stored with each event: ours, plus the envelope fields ESDB has no slot for. */
export interface EsdbEventMetadata extends EventMetadata {
  schemaVersion: number;
  /** Our timestamp (ISO-8601): ESDB's own `created` is the server's clock at write time. */
  timestamp: string;
  /** Recognised by ESDB's system projections ($by_correlation_id). */
  $correlationId?: string;
  $causationId?: string;
  /** The event's link in its stream's hash chain (docs/audit.md): hex SHA-256. */
  chainHash?: string;
}

/**
 * A ticketflow event as an ESDB JSON event; the event id is kept, which makes retries idempotent.
 * `chainHash`: its hash-chain link, kept in the metadata beside the envelope.
 */
export function toEsdbEvent(event: AnyNewEvent, chainHash?: string): EsdbEventData {
  const metadata: EsdbEventMetadata = {
    ...event.metadata,
    schemaVersion: event.schemaVersion,
    timestamp: event.timestamp,
    ...(chainHash ? { chainHash } : {}),
    $correlationId: event.metadata.correlationId,
    ...(event.metadata.causationId ? { $causationId: event.metadata.causationId } : {}),
  };
  return jsonEvent({
    id: event.id,
    type: event.type,
    data: event.data as unknown as JSONType,
    metadata: metadata as unknown as JSONType,
  });
}

/** The last event of a stream as the chain needs it: its version and hash (null: unchained). */
export interface EsdbStreamHead {
  version: number;
  hash: string | null;
}

/**
 * A batch appended after `head`, each event chained to the one before as the PostgreSQL store
 * chains them: the hash covers the event's data and ticketflow metadata as stored (the envelope
 * keys schemaVersion, timestamp, chainHash and ESDB's `$` keys are fields or not ours).
 */
export function toChainedEsdbEvents(
  streamId: string,
  events: readonly AnyNewEvent[],
  head: EsdbStreamHead | null,
): EsdbEventData[] {
  const stored = events.map((e, i) => ({
    ...(JSON.parse(JSON.stringify(e)) as AnyNewEvent),
    streamId,
    version: (head?.version ?? 0) + i + 1,
  }));
  const hashes = chainHashes(stored, head?.hash ?? null);
  return events.map((event, i) => toEsdbEvent(event, hashes[i]));
}

/** ESDB's own events: `$`-prefixed types (`$>` links, `$metadata`, ...) or streams (`$stats`, `$$x`). */
export function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

export type EventKind = 'system' | 'foreign' | 'ours';

/** Our events are JSON with our envelope in their metadata; anything else shares the server with us. */
export function classifyEvent(event: RecordedEvent, namespace = ''): EventKind {
  if (isSystemEvent(event)) return 'system';
  if (!event.isJson || !event.streamId.startsWith(namespace)) return 'foreign';
  const meta = event.metadata as Partial<EsdbEventMetadata> | undefined;
  if (!meta || typeof meta !== 'object' || meta instanceof Uint8Array) return 'foreign';
  if (typeof meta.schemaVersion !== 'number' || typeof meta.timestamp !== 'string') {
    return 'foreign';
  }
  return 'ours';
}

export interface FromRecordedOptions {
  /** Prefix of this store's stream names, stripped from `streamId` (see createEventStoreDbStore). */
  namespace?: string;
  /** The event's global position when the record does not carry it. */
  position?: number;
}

/**
 * An ESDB recorded event as our StoredEvent, its data upcast to the current schema version.
 * Returns null for events that are not ours (system events, other applications' events), and
 * throws {@link UnknownEventError} for ours of a type or version this build does not know.
 */
export function fromRecordedEvent(
  event: RecordedEvent,
  options: FromRecordedOptions = {},
): StoredEvent | null {
  const namespace = options.namespace ?? '';
  if (classifyEvent(event, namespace) !== 'ours') return null;
  const { schemaVersion, timestamp, chainHash, ...rest } =
    event.metadata as unknown as EsdbEventMetadata;
  if (!isEventType(event.type)) throw new UnknownEventError(event.type, schemaVersion);
  const position = positionToNumber(event.position) ?? options.position;
  if (position === undefined) {
    throw new Error(
      `EventStoreDB returned no position for ${event.streamId}@${event.revision}: ticketflow needs EventStoreDB 22.10 or newer`,
    );
  }
  const metadata = Object.fromEntries(
    Object.entries(rest).filter(([key]) => !key.startsWith('$')),
  ) as EventMetadata;
  return {
    id: event.id,
    streamId: event.streamId.slice(namespace.length),
    version: revisionToVersion(event.revision),
    position,
    type: event.type,
    schemaVersion,
    data: upcast(event.type, schemaVersion, event.data, metadata),
    metadata,
    timestamp,
    ...(chainHash ? { hash: chainHash } : {}),
  } as StoredEvent;
}

// ---------------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------------

/** The server could not be reached or did not answer in time. */
export class EventStoreDbUnavailableError extends Error {
  constructor(
    readonly endpoint: string,
    readonly operation: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`EventStoreDB at ${endpoint} is unavailable (${operation}): ${reason}`, options);
    this.name = 'EventStoreDbUnavailableError';
  }
}

const grpcUnavailable = 14;
const grpcDeadlineExceeded = 4;

/** Whether an error from the client means "no server answered" (rather than a refusal). */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, type } = error as { code?: unknown; type?: unknown };
  return (
    code === grpcUnavailable ||
    code === grpcDeadlineExceeded ||
    type === 'unavailable' ||
    type === 'deadline-exceeded' ||
    type === 'timeout'
  );
}

/** The connection string's hosts, without credentials, for error messages and logs. */
export function describeEndpoint(connectionString: string): string {
  const match = /^[a-z+]+:\/\/(?:[^@/]*@)?([^/?]*)/i.exec(connectionString);
  return match?.[1] || 'unknown endpoint';
}

export { WrongExpectedVersionError };
