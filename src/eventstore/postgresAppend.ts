/**
 * The PostgreSQL event store's append: the expected-version check and the insert of the whole
 * batch in one statement; on PGlite, appends that arrive together share one commit.
 */
import type { AnyNewEvent } from '../events/index.ts';
import { sqlErrorCode, sqlState, type Database, type SqlExecutor } from '../db/index.ts';
import { canonicalTimestamp, chainHashes } from './chain.ts';
import { groupCommits } from './groupCommit.ts';
import { ConcurrencyError, type AppendResult, type ExpectedVersion } from './types.ts';

/** One event as the append statement receives it (an element of its JSON array parameter). */
export function appendDocument(e: AnyNewEvent) {
  return {
    id: e.id,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: e.metadata,
    // Stored and hashed in the same form, so the stored row recomputes to its hash.
    timestamp: canonicalTimestamp(e.timestamp),
  };
}

export interface AppendRequest {
  streamId: string;
  events: readonly AnyNewEvent[];
  expected: ExpectedVersion;
}

/** A stream's row: its version and the hash of its last event (null before the chain existed). */
export interface StreamHead {
  version: number;
  lastHash: string | null;
}

/**
 * The heads this process last saw (its own appends, full stream reads), so that most appends skip
 * reading the stream row: the append is conditional on the row being at exactly that version and
 * hash, and reads the row afresh when it is not. Bounded: the oldest entries go first.
 */
export function createStreamHeads(max = 10_000) {
  const heads = new Map<string, StreamHead>();
  return {
    recall: (streamId: string) => heads.get(streamId),
    remember(streamId: string, head: StreamHead) {
      heads.delete(streamId);
      heads.set(streamId, head);
      if (heads.size > max) heads.delete(heads.keys().next().value!);
    },
    forget: (streamId: string) => void heads.delete(streamId),
  };
}
export type StreamHeads = ReturnType<typeof createStreamHeads>;

async function readHead(sql: SqlExecutor, streamId: string): Promise<StreamHead | null> {
  const { rows } = await sql.query<{ version: number; last_hash: string | null }>(
    `SELECT version, encode(last_hash, 'hex') AS last_hash FROM tf_streams WHERE stream_id = $1`,
    [streamId],
    { prepared: true },
  );
  const row = rows[0];
  return row ? { version: Number(row.version), lastHash: row.last_hash } : null;
}

/**
 * The statement that moves the stream from `head` to `version` and records its new last hash,
 * only if the stream is still where it was read (a new stream: if it still does not exist); it
 * returns no row otherwise and the append then inserts nothing. The version and the previous
 * hash come from the same row, so no append can chain onto a hash another one replaced.
 */
function advanceStreamSql(head: StreamHead | null): string {
  if (head === null) {
    return `INSERT INTO tf_streams (stream_id, version, last_hash) VALUES ($1, $2, decode($4, 'hex'))
            ON CONFLICT (stream_id) DO NOTHING RETURNING version`;
  }
  return `UPDATE tf_streams SET version = $2, last_hash = decode($4, 'hex')
          WHERE stream_id = $1 AND version = $5 AND last_hash IS NOT DISTINCT FROM decode($6, 'hex')
          RETURNING version`;
}

/** The stream as the append must find it, or a {@link ConcurrencyError} when it is elsewhere. */
async function expectedHead(
  sql: SqlExecutor,
  streamId: string,
  expected: ExpectedVersion,
  known: StreamHead | undefined,
): Promise<StreamHead | null> {
  if (expected === 'no_stream' || expected === 0) return null; // the insert checks it
  if (known && (expected === 'any' || expected === known.version)) return known;
  const head = await readHead(sql, streamId);
  if (expected !== 'any' && head?.version !== expected)
    throw new ConcurrencyError(streamId, expected, head?.version ?? null);
  return head;
}

/** An append's result and the stream's head after it (remembered once it has committed). */
interface Appended {
  result: AppendResult;
  head: StreamHead;
}

/**
 * Two statements at most and no explicit transaction: the stream's row is read (its version and
 * last hash) unless this process knows it, the batch is hashed here, and one statement advances
 * the row if it is exactly where it was read and inserts the batch, so both commit together or not
 * at all. An append whose known head was stale, and an `any` append that lost a race, read again.
 */
async function appendOnce(
  sql: SqlExecutor,
  request: AppendRequest,
  heads: StreamHeads,
): Promise<Appended> {
  const { streamId, events, expected } = request;
  let known = heads.recall(streamId);
  for (let attempt = 0; ; attempt++) {
    const head = await expectedHead(sql, streamId, expected, known);
    const { rows, lastHash } = await insertChained(sql, streamId, events, head);
    if (rows.length > 0) {
      const version = Math.max(...rows.map((r) => Number(r.version)));
      return {
        result: {
          nextExpectedVersion: version,
          lastPosition: Math.max(...rows.map((r) => Number(r.position))),
        },
        head: { version, lastHash },
      };
    }
    const usedKnown = known !== undefined && head === known;
    known = undefined;
    heads.forget(streamId);
    if (usedKnown) continue;
    if (expected !== 'any' || attempt >= 20) throw new ConcurrencyError(streamId, expected, null);
  }
}

async function insertChained(
  sql: SqlExecutor,
  streamId: string,
  events: readonly AnyNewEvent[],
  head: StreamHead | null,
) {
  const base = head?.version ?? 0;
  // JCS serialises as JSON.stringify does (undefined fields dropped, toJSON applied), so these
  // hash to what the database will store.
  const documents = events.map((e, i) => ({
    ...appendDocument(e),
    streamId,
    version: base + i + 1,
  }));
  const hashes = chainHashes(documents, head?.lastHash ?? null);
  const params: unknown[] = [
    streamId,
    base + events.length,
    JSON.stringify(documents.map((d, i) => ({ ...d, hash: hashes[i] }))),
    hashes.at(-1),
  ];
  if (head) params.push(head.version, head.lastHash);
  const { rows } = await sql.query<{ position: number; version: number }>(
    `WITH stream AS (${advanceStreamSql(head)})
     INSERT INTO tf_events (event_id, stream_id, version, type, schema_version, data, metadata, created_at, hash)
     SELECT (d.doc->>'id')::uuid, $1, (d.doc->>'version')::bigint, d.doc->>'type',
            (d.doc->>'schemaVersion')::int, d.doc->'data', d.doc->'metadata',
            (d.doc->>'timestamp')::timestamptz, decode(d.doc->>'hash', 'hex')
     FROM stream, jsonb_array_elements($3::jsonb) WITH ORDINALITY AS d(doc, n)
     ORDER BY d.n
     RETURNING position, version`,
    params,
    { prepared: true },
  );
  return { rows, lastHash: hashes.at(-1)! };
}

/**
 * The database's append. On PGlite, appends that arrive while one runs are committed together (one
 * commit for the group); a stream at another version than expected fails its own append only (its
 * statement inserts nothing, which does not abort the shared transaction).
 */
export function createAppend(
  db: Database,
  heads: StreamHeads,
): (request: AppendRequest) => Promise<AppendResult> {
  const committed = ({ streamId }: AppendRequest, { result, head }: Appended) => {
    heads.remember(streamId, head);
    return result;
  };
  if (db.kind !== 'pglite')
    return async (request) => committed(request, await appendOnce(db, request, heads));
  return groupCommits<AppendRequest, AppendResult>(
    async (request) => committed(request, await appendOnce(db, request, heads)),
    async (requests) => {
      const outcomes = await db.transaction(async (tx) => {
        const done: Array<{ ok: Appended } | { error: unknown }> = [];
        for (const request of requests) {
          try {
            done.push({ ok: await appendOnce(tx, request, heads) });
          } catch (error) {
            if (!(error instanceof ConcurrencyError)) throw error;
            done.push({ error });
          }
        }
        return done;
      });
      // Remembered only now that the group has committed (a rolled-back head must not be reused).
      return outcomes.map((o, i) => ('ok' in o ? { ok: committed(requests[i]!, o.ok) } : o));
    },
  );
}

/**
 * What a failed append means. The same ids already stored in this stream: it happened before
 * (a retry), and that append's result is the answer. Otherwise a version conflict, with the
 * stream's version now. Other errors are not the caller's to resolve.
 */
export async function resolveFailedAppend(
  db: Database,
  { streamId, events, expected }: AppendRequest,
  error: unknown,
): Promise<AppendResult> {
  const isConflict =
    error instanceof ConcurrencyError || sqlErrorCode(error) === sqlState.uniqueViolation;
  if (!isConflict) throw error;
  const earlier = await findEarlierAppend(db, streamId, events);
  if (earlier) return earlier;
  throw new ConcurrencyError(streamId, expected, await streamVersion(db, streamId));
}

/** The same ids already stored in this stream: the append happened before (a retry). */
async function findEarlierAppend(
  db: Database,
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

export async function streamVersion(db: Database, streamId: string): Promise<number | null> {
  const { rows } = await db.query<{ version: number }>(
    `SELECT version FROM tf_streams WHERE stream_id = $1`,
    [streamId],
  );
  return rows[0] ? Number(rows[0].version) : null;
}
