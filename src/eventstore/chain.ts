/**
 * The per-stream hash chain (docs/audit.md, "The event hash"): every event's hash covers its
 * fields exactly as stored and the hash of the event before it in its stream, so editing,
 * removing, reordering or inserting a row breaks the chain from that point on.
 * Pure: no I/O, used by every store and by the offline verifier.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** An event's fields as the log stores them (data and metadata: the stored JSON, ciphertext included). */
export interface ChainedEvent {
  id: string;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: unknown;
  /** Any ISO 8601 instant; hashed in its canonical form ({@link canonicalTimestamp}). */
  timestamp: string;
}

/**
 * An instant as PostgreSQL's `timestamptz` keeps it: UTC, microseconds, e.g.
 * `2026-01-02T03:04:05.678000Z`. JavaScript dates carry milliseconds, so the append stores the
 * millisecond instant and the last three digits are zeros; a row edited to another microsecond
 * no longer matches.
 */
export function canonicalTimestamp(timestamp: string): string {
  // Already canonical: read from the database as text.
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(timestamp)) return timestamp;
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) throw new RangeError(`invalid timestamp ${timestamp}`);
  return `${date.toISOString().slice(0, -1)}000Z`;
}

/** The bytes hashed for an event: RFC 8785 canonical JSON of its fields and the previous hash. */
export function canonicalEventBytes(event: ChainedEvent, previousHash: string | null): Buffer {
  const text = canonicalize({
    id: event.id,
    streamId: event.streamId,
    version: event.version,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    timestamp: canonicalTimestamp(event.timestamp),
    previousHash,
  });
  if (text === undefined) throw new TypeError('event is not JSON');
  return Buffer.from(text, 'utf8');
}

/** SHA-256 of {@link canonicalEventBytes}, lowercase hex; `previousHash` null for version 1. */
export function eventHash(event: ChainedEvent, previousHash: string | null): string {
  return createHash('sha256').update(canonicalEventBytes(event, previousHash)).digest('hex');
}

/** The hashes of consecutive events of one stream, chained from `previousHash`. */
export function chainHashes(
  events: readonly ChainedEvent[],
  previousHash: string | null,
): string[] {
  const hashes: string[] = [];
  let previous = previousHash;
  for (const event of events) {
    previous = eventHash(event, previous);
    hashes.push(previous);
  }
  return hashes;
}
