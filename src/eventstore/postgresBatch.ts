/**
 * Appends many new streams in one transaction (an import's cases): two statements whatever their
 * number. Each stream's expected version is "no stream": a stream that exists already is left as
 * it is and none of its events is inserted (the caller learns which were created).
 */
import type { AnyNewEvent } from '../events/index.ts';
import type { Database } from '../db/index.ts';
import { chainHashes } from './chain.ts';
import { appendDocument } from './postgresAppend.ts';

export interface NewStream {
  streamId: string;
  events: readonly AnyNewEvent[];
}

export interface NewStreamsResult {
  /** The streams this call created (the others existed). */
  created: string[];
  /** The global position of the last inserted event (0: none). */
  lastPosition: number;
}

export async function appendNewStreams(
  db: Database,
  streams: readonly NewStream[],
): Promise<NewStreamsResult> {
  const heads: { stream_id: string; version: number; last_hash: string }[] = [];
  const documents: Record<string, unknown>[] = [];
  for (const { streamId, events } of streams) {
    if (events.length === 0) continue;
    const docs = events.map((e, i) => ({ ...appendDocument(e), streamId, version: i + 1 }));
    // The same chain as a single append from no stream (postgresAppend.ts, insertChained).
    const hashes = chainHashes(docs, null);
    docs.forEach((d, i) => documents.push({ ...d, hash: hashes[i] }));
    heads.push({ stream_id: streamId, version: events.length, last_hash: hashes.at(-1)! });
  }
  if (heads.length === 0) return { created: [], lastPosition: 0 };
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ stream_id: string }>(
      `INSERT INTO tf_streams (stream_id, version, last_hash)
       SELECT h->>'stream_id', (h->>'version')::bigint, decode(h->>'last_hash', 'hex')
       FROM jsonb_array_elements($1::jsonb) AS h
       ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id`,
      [JSON.stringify(heads)],
    );
    const created = rows.map((r) => r.stream_id);
    if (created.length === 0) return { created, lastPosition: 0 };
    const inserted = await tx.query<{ position: string }>(
      `INSERT INTO tf_events (event_id, stream_id, version, type, schema_version, data, metadata, created_at, hash)
       SELECT (d.doc->>'id')::uuid, d.doc->>'streamId', (d.doc->>'version')::bigint, d.doc->>'type',
              (d.doc->>'schemaVersion')::int, d.doc->'data', d.doc->'metadata',
              (d.doc->>'timestamp')::timestamptz, decode(d.doc->>'hash', 'hex')
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS d(doc, n)
       WHERE d.doc->>'streamId' = ANY($2::text[])
       ORDER BY d.n
       RETURNING position`,
      [JSON.stringify(documents), created],
    );
    const lastPosition = Math.max(0, ...inserted.rows.map((r) => Number(r.position)));
    return { created, lastPosition };
  });
}
