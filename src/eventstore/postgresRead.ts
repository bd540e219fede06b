/** The PostgreSQL event store's reads: a stream, the log in commit order, and what is pending. */
import { upcast, type EventType, type StoredEvent } from '../events/index.ts';
import type { Database, SqlExecutor } from '../db/index.ts';
import type { ReadAllOptions, ReadAllResult } from './types.ts';
import { cursorAt } from './subscribe.ts';

export interface EventRow {
  position: number | string;
  event_id: string;
  stream_id: string;
  version: number | string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  created_at: Date | string;
  hash?: string | null;
}

const selectColumns = `position, event_id, stream_id, version, type, schema_version, data, metadata, created_at,
  encode(hash, 'hex') AS hash`;

export function toStoredEvent(row: EventRow): StoredEvent {
  const type = row.type as EventType;
  return {
    id: row.event_id,
    streamId: row.stream_id,
    version: Number(row.version),
    position: Number(row.position),
    type,
    schemaVersion: row.schema_version,
    data: upcast(type, row.schema_version, row.data, row.metadata),
    metadata: row.metadata,
    timestamp: new Date(row.created_at).toISOString(),
    ...(row.hash ? { hash: row.hash } : {}),
  } as StoredEvent;
}

export async function readStream(
  db: Database,
  streamId: string,
  options: { toVersion?: number } = {},
): Promise<StoredEvent[]> {
  const { rows } = await db.query<EventRow>(
    `SELECT ${selectColumns} FROM tf_events
     WHERE stream_id = $1 AND version <= $2 ORDER BY version`,
    [streamId, options.toVersion ?? Number.MAX_SAFE_INTEGER],
    { prepared: true },
  );
  return rows.map(toStoredEvent);
}

export async function readAll(db: Database, options: ReadAllOptions = {}): Promise<ReadAllResult> {
  const after = options.after ?? 0;
  const limit = options.limit ?? 1000;
  // Order by (transaction, position) and read only transactions older than every running one:
  // a position taken by a still-open transaction can then never appear behind the reader.
  // The cursor is the position of the last event read; its transaction id is looked up
  // (an unknown position matches nothing: callers validate cursors with positionExists).
  const { rows } = await db.query<EventRow>(
    `SELECT ${selectColumns} FROM tf_events
     WHERE (transaction_id, position) > (
             CASE WHEN $1 = 0 THEN '0'::xid8
                  ELSE (SELECT transaction_id FROM tf_events WHERE position = $1) END, $1)
       AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       AND ($2::text[] IS NULL OR type = ANY($2::text[]))
       AND ($3::text IS NULL OR starts_with(stream_id, $3::text))
     ORDER BY transaction_id, position
     LIMIT $4`,
    [after, options.types ?? null, options.streamPrefix ?? null, limit],
  );
  const events = rows.map(toStoredEvent);
  return { events, lastPosition: events.at(-1)?.position ?? after };
}

/** How many events (of `types`, up to `cap`) follow `after` in commit order; the first one's time. */
export async function pendingAfter(
  db: Database,
  after: number,
  options: { types?: readonly EventType[]; cap?: number } = {},
): Promise<{ count: number; oldest: string | null }> {
  const cursor = await cursorAt(db, after);
  if (!cursor) throw new RangeError(`no event at position ${after}`);
  const { rows } = await db.query<{ n: number; oldest: Date | string | null }>(
    `WITH pending AS (
       SELECT transaction_id, position, created_at FROM tf_events
       WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
         AND ($3::text[] IS NULL OR type = ANY($3::text[]))
       ORDER BY transaction_id, position
       LIMIT $4)
     SELECT count(*)::int AS n,
            (SELECT created_at FROM pending ORDER BY transaction_id, position LIMIT 1) AS oldest
     FROM pending`,
    [cursor.xid, cursor.position, options.types ?? null, options.cap ?? 1_000_000],
  );
  const oldest = rows[0]?.oldest;
  return {
    count: Number(rows[0]?.n ?? 0),
    oldest: oldest ? new Date(oldest).toISOString() : null,
  };
}

/**
 * Waits until every transaction that wrote events so far has ended, so `readAll` (which reads
 * below the oldest running transaction) sees them all; false after `timeoutMs`.
 */
export async function awaitVisible(db: Database, timeoutMs = 10_000): Promise<boolean> {
  if (db.kind === 'pglite') return true; // one session: nothing else is ever running
  const { rows } = await db.query<{ x: string | null }>(
    `SELECT max(transaction_id)::text AS x FROM tf_events`,
  );
  const newest = rows[0]?.x;
  if (!newest) return true;
  const deadline = Date.now() + timeoutMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    const { rows: check } = await db.query<{ visible: boolean }>(
      `SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 AS visible`,
      [newest],
    );
    if (check[0]?.visible) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

export async function positionExists(db: Database, position: number): Promise<boolean> {
  if (position === 0) return true;
  const { rows } = await db.query(`SELECT 1 FROM tf_events WHERE position = $1`, [position]);
  return rows.length > 0;
}

export async function headPosition(db: Database): Promise<number> {
  const { rows } = await db.query<{ head: number | null }>(
    `SELECT max(position) AS head FROM tf_events`,
  );
  return Number(rows[0]?.head ?? 0);
}

/** Which of these streams exist (one query, whatever their number): for imports that add only new ones. */
export async function existingStreams(
  db: SqlExecutor,
  streamIds: readonly string[],
): Promise<Set<string>> {
  const { rows } = await db.query<{ stream_id: string }>(
    `SELECT stream_id FROM tf_streams WHERE stream_id = ANY($1::text[])`,
    [streamIds],
  );
  return new Set(rows.map((r) => r.stream_id));
}
