import { upcast, type AnyNewEvent, type EventType, type StoredEvent } from '../events/index.ts';
import { sqlErrorCode, sqlState, type Database, type SqlExecutor } from '../db/index.ts';
import { groupCommits } from './groupCommit.ts';
import {
  ConcurrencyError,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type ReadAllOptions,
  type ReadAllResult,
} from './types.ts';
import { createWakeups, cursorAt, subscribePostgres } from './subscribe.ts';

interface EventRow {
  position: number | string;
  event_id: string;
  stream_id: string;
  version: number | string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  created_at: Date | string;
}

const selectColumns = `position, event_id, stream_id, version, type, schema_version, data, metadata, created_at`;

/** Channel on which committed appends are announced to other processes. */
export const eventsChannel = 'tf_events';

const notifyIntervalMs = 5;

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
  } as StoredEvent;
}

/** One event as the append statement receives it (an element of its JSON array parameter). */
export function appendDocument(e: AnyNewEvent) {
  return {
    id: e.id,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: e.metadata,
    timestamp: e.timestamp,
  };
}

interface AppendRequest {
  streamId: string;
  events: readonly AnyNewEvent[];
  expected: ExpectedVersion;
}

/**
 * The statement that moves the stream's version forward by $2 if it is at the expected version;
 * it returns no row when it is not (the append then inserts nothing).
 */
function advanceStreamSql(expected: ExpectedVersion): string {
  if (expected === 'any') {
    return `INSERT INTO tf_streams (stream_id, version) VALUES ($1, $2)
            ON CONFLICT (stream_id) DO UPDATE SET version = tf_streams.version + $2
            RETURNING version`;
  }
  if (expected === 'no_stream' || expected === 0) {
    return `INSERT INTO tf_streams (stream_id, version) VALUES ($1, $2)
            ON CONFLICT (stream_id) DO NOTHING RETURNING version`;
  }
  return `UPDATE tf_streams SET version = version + $2 WHERE stream_id = $1 AND version = $4
          RETURNING version`;
}

/**
 * The PostgreSQL event store. The same SQL runs on PGlite and on a server; the hard parts
 * (expected-version check, gap-free global reads) are in the queries, explained where they are.
 */
export function createPostgresEventStore(
  db: Database,
  options: {
    /** Subscriptions' polling interval without wake-ups (default 250 ms). */ pollMs?: number;
  } = {},
): EventStore {
  const listeners = new Set<(streamId: string, lastPosition: number) => void>();
  const onAppended = (listener: (streamId: string, lastPosition: number) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const wakeups = createWakeups(db, eventsChannel, onAppended);

  /**
   * One statement, so one round trip and no explicit transaction: the stream's version check and
   * the insert of the whole batch commit together or not at all. PGlite pays ~0.35 ms per
   * statement; a server pays a round trip per statement.
   */
  async function appendOnce(
    sql: SqlExecutor,
    { streamId, events, expected }: AppendRequest,
  ): Promise<AppendResult> {
    const params: unknown[] = [streamId, events.length, JSON.stringify(events.map(appendDocument))];
    if (typeof expected === 'number' && expected > 0) params.push(expected);
    const { rows } = await sql.query<{ position: number; version: number }>(
      `WITH stream AS (${advanceStreamSql(expected)})
       INSERT INTO tf_events (event_id, stream_id, version, type, schema_version, data, metadata, created_at)
       SELECT (d.doc->>'id')::uuid, $1, stream.version - $2 + d.n, d.doc->>'type',
              (d.doc->>'schemaVersion')::int, d.doc->'data', d.doc->'metadata',
              (d.doc->>'timestamp')::timestamptz
       FROM stream, jsonb_array_elements($3::jsonb) WITH ORDINALITY AS d(doc, n)
       ORDER BY d.n
       RETURNING position, version`,
      params,
      { prepared: true },
    );
    if (rows.length === 0) throw new ConcurrencyError(streamId, expected, null);
    return {
      nextExpectedVersion: Math.max(...rows.map((r) => Number(r.version))),
      lastPosition: Math.max(...rows.map((r) => Number(r.position))),
    };
  }

  /**
   * On PGlite, appends that arrive while one runs are committed together (one commit for the
   * group); a stream at another version than expected fails its own append only (its statement
   * inserts nothing, which does not abort the shared transaction).
   */
  const append =
    db.kind === 'pglite'
      ? groupCommits<AppendRequest, AppendResult>(
          (request) => appendOnce(db, request),
          (requests) =>
            db.transaction(async (tx) => {
              const outcomes: Array<{ ok: AppendResult } | { error: unknown }> = [];
              for (const request of requests) {
                try {
                  outcomes.push({ ok: await appendOnce(tx, request) });
                } catch (error) {
                  if (!(error instanceof ConcurrencyError)) throw error;
                  outcomes.push({ error });
                }
              }
              return outcomes;
            }),
        )
      : (request: AppendRequest) => appendOnce(db, request);

  /**
   * Tells other processes that the log moved, after the commit: a NOTIFY inside the append's
   * transaction takes a global lock at commit and defeats group commit (measured in
   * bench/analysis.md). Each NOTIFY is a commit that takes the notification queue's lock, so at
   * most one is in flight and the next waits `notifyIntervalMs` (5 ms): under load a few hundred
   * per second instead of one per append. A notification lost to a crash here is covered by the readers' polling.
   */
  let notifying = false;
  let notifyAgain = false;
  function announce() {
    if (notifying) {
      notifyAgain = true;
      return;
    }
    notifying = true;
    setImmediate(sendNotify);
  }
  function sendNotify() {
    db.query(`SELECT pg_notify($1, '')`, [eventsChannel], { prepared: true })
      .catch(() => undefined)
      .finally(() => {
        if (!notifyAgain) {
          notifying = false;
          return;
        }
        // Appends meanwhile: one more NOTIFY, after a pause that lets more of them share it.
        notifyAgain = false;
        setTimeout(sendNotify, notifyIntervalMs);
      });
  }

  /** The same ids already stored in this stream: the append happened before (a retry). */
  async function findEarlierAppend(
    streamId: string,
    events: readonly AnyNewEvent[],
  ): Promise<AppendResult | null> {
    const { rows } = await db.query<{ stream_id: string; version: number; position: number }>(
      `SELECT stream_id, version, position FROM tf_events WHERE event_id = ANY($1::uuid[])`,
      [events.map((e) => e.id)],
    );
    if (rows.length !== events.length || rows.some((r) => r.stream_id !== streamId)) return null;
    return {
      nextExpectedVersion: Math.max(...rows.map((r) => Number(r.version))),
      lastPosition: Math.max(...rows.map((r) => Number(r.position))),
    };
  }

  async function streamVersion(streamId: string): Promise<number | null> {
    const { rows } = await db.query<{ version: number }>(
      `SELECT version FROM tf_streams WHERE stream_id = $1`,
      [streamId],
    );
    return rows[0] ? Number(rows[0].version) : null;
  }

  return {
    async appendToStream(streamId, events, expected) {
      if (events.length === 0) {
        const version = (await streamVersion(streamId)) ?? 0;
        return { nextExpectedVersion: version, lastPosition: 0 };
      }
      try {
        const result = await append({ streamId, events, expected });
        announce();
        for (const listener of listeners) listener(streamId, result.lastPosition);
        return result;
      } catch (error) {
        const isConflict =
          error instanceof ConcurrencyError || sqlErrorCode(error) === sqlState.uniqueViolation;
        if (!isConflict) throw error;
        const earlier = await findEarlierAppend(streamId, events);
        if (earlier) return earlier;
        throw new ConcurrencyError(streamId, expected, await streamVersion(streamId));
      }
    },

    async readStream(streamId, options = {}) {
      const { rows } = await db.query<EventRow>(
        `SELECT ${selectColumns} FROM tf_events
         WHERE stream_id = $1 AND version <= $2 ORDER BY version`,
        [streamId, options.toVersion ?? Number.MAX_SAFE_INTEGER],
        { prepared: true },
      );
      return rows.map(toStoredEvent);
    },

    async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
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
    },

    subscribe(subscribeOptions) {
      return subscribePostgres(
        {
          db,
          wakeups,
          toStoredEvent: (row) => toStoredEvent(row as unknown as EventRow),
          pollMs: options.pollMs ?? 250,
        },
        subscribeOptions,
      );
    },

    async pendingAfter(after, pendingOptions = {}) {
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
        [
          cursor.xid,
          cursor.position,
          pendingOptions.types ?? null,
          pendingOptions.cap ?? 1_000_000,
        ],
      );
      const oldest = rows[0]?.oldest;
      return {
        count: Number(rows[0]?.n ?? 0),
        oldest: oldest ? new Date(oldest).toISOString() : null,
      };
    },

    async awaitVisible(timeoutMs = 10_000) {
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
    },

    async positionExists(position) {
      if (position === 0) return true;
      const { rows } = await db.query(`SELECT 1 FROM tf_events WHERE position = $1`, [position]);
      return rows.length > 0;
    },

    async headPosition() {
      const { rows } = await db.query<{ head: number | null }>(
        `SELECT max(position) AS head FROM tf_events`,
      );
      return Number(rows[0]?.head ?? 0);
    },

    onAppended,

    onCommitted: (listener) => wakeups.listen(listener),

    async close() {
      await wakeups.close();
      listeners.clear();
    },
  };
}
