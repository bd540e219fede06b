/** Events exactly as stored, for hashing: the rows' JSON and their timestamps to the microsecond. */
import type { SqlExecutor } from '../db/index.ts';
import type { ChainedEvent } from './chain.ts';
import type { EventRow } from './postgresRead.ts';

/** A stored event with its stored hash (null: a row written outside the append). */
export interface ChainRow extends ChainedEvent {
  position: number;
  hash: string | null;
}

/** A row as `columns` selects it: the store's row, with the timestamp as text to the microsecond. */
type Row = EventRow & { created_at: string; hash: string | null };

const columns = `position, event_id, stream_id, version, type, schema_version, data, metadata,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
  encode(hash, 'hex') AS hash`;

function toChainRow(row: Row): ChainRow {
  return {
    position: Number(row.position),
    id: row.event_id,
    streamId: row.stream_id,
    version: Number(row.version),
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    timestamp: row.created_at,
    hash: row.hash,
  };
}

/** Every event, by stream and version, a page at a time (keyset: constant cost per page). */
export async function* chainRowsByStream(
  sql: SqlExecutor,
  pageSize = 5000,
): AsyncGenerator<ChainRow[]> {
  let after: { streamId: string; version: number } = { streamId: '', version: 0 };
  for (;;) {
    const { rows } = await sql.query<Row>(
      `SELECT ${columns} FROM tf_events WHERE (stream_id, version) > ($1, $2)
       ORDER BY stream_id, version LIMIT $3`,
      [after.streamId, after.version, pageSize],
    );
    if (rows.length === 0) return;
    const page = rows.map(toChainRow);
    yield page;
    const last = page.at(-1)!;
    after = { streamId: last.streamId, version: last.version };
    if (rows.length < pageSize) return;
  }
}

/** One stream's events as stored, in version order. */
export async function chainRowsOfStream(sql: SqlExecutor, streamId: string): Promise<ChainRow[]> {
  const { rows } = await sql.query<Row>(
    `SELECT ${columns} FROM tf_events WHERE stream_id = $1 ORDER BY version`,
    [streamId],
  );
  return rows.map(toChainRow);
}

/** Events in the log's commit order (the order readAll delivers), after `position`. */
export async function chainRowsInCommitOrder(
  sql: SqlExecutor,
  after: number,
  limit: number,
): Promise<ChainRow[]> {
  const { rows } = await sql.query<Row>(
    `SELECT ${columns} FROM tf_events
     WHERE (transaction_id, position) > (
             CASE WHEN $1 = 0 THEN '0'::xid8
                  ELSE (SELECT transaction_id FROM tf_events WHERE position = $1) END, $1)
       AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY transaction_id, position LIMIT $2`,
    [after, limit],
  );
  return rows.map(toChainRow);
}
