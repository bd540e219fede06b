import type { Database, SqlExecutor } from '../db/index.ts';

/**
 * The delivery worker's own transactions commit without waiting for the disk flush (a flush per
 * batch was most of a delivery's cost). What a database crash can lose: a claim (the delivery is
 * sent again, same webhook-id), a recorded result (sent again), a scanned stretch together with
 * its cursor move (scanned again). At least once holds; nothing of the log itself is at stake.
 */
const relaxedCommit = `SET LOCAL synchronous_commit = off`;

/** Another process moved an endpoint's cursor first: what this one read is theirs to enqueue. */
export class CursorMovedError extends Error {}

/** A delivery to make: one event for one endpoint. */
export interface NewDelivery {
  eventId: string;
  position: number;
  streamId: string;
  streamVersion: number;
  /** The stream for per-ticket order; null when the endpoint does not keep order. */
  orderKey: string | null;
  body: string;
  eventTime: string;
}

/** A delivery this process took (its lease) to send now. */
export interface ClaimedDelivery {
  id: number;
  endpointId: string;
  eventId: string;
  position: number;
  /** This try's number (1 for the first). */
  attempt: number;
  body: string;
  eventTime: string;
  url: string;
  secrets: unknown;
}

/** What a try came to, as the worker records it. */
export interface DeliveryResult {
  id: number;
  endpointId: string;
  eventId: string;
  attempt: number;
  at: Date;
  state: 'pending' | 'delivered' | 'dead';
  nextAttemptAt: Date;
  status: number | null;
  latencyMs: number;
  error: string | null;
  excerpt: string;
}

/** The endpoint's cursor, made at `start` (its creation's position) the first time. */
export async function cursorOf(
  db: SqlExecutor,
  endpointId: string,
  start: number,
): Promise<number> {
  await db.query(
    `INSERT INTO tf_webhook_cursors (endpoint_id, position) VALUES ($1, $2)
     ON CONFLICT (endpoint_id) DO NOTHING`,
    [endpointId, start],
  );
  const { rows } = await db.query<{ position: string | number }>(
    `SELECT position FROM tf_webhook_cursors WHERE endpoint_id = $1`,
    [endpointId],
  );
  return Number(rows[0]?.position ?? start);
}

/** Inserts deliveries as plain rows of one statement (one round trip for the whole batch). */
export async function insertDeliveries(
  tx: SqlExecutor,
  endpointId: string,
  deliveries: readonly NewDelivery[],
  options: { now: Date; cause: 'log' | 'recover' | 'retry' },
): Promise<void> {
  if (deliveries.length === 0) return;
  const col = <K extends keyof NewDelivery>(k: K) => deliveries.map((d) => d[k]);
  await tx.query(
    `INSERT INTO tf_webhook_deliveries
       (endpoint_id, event_id, position, stream_id, stream_version, order_key, body, event_time,
        next_attempt_at, cause)
     SELECT $1, e, p, s, v, o, b, t, $9, $10
     FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::int[], $6::text[], $7::text[],
                 $8::timestamptz[]) AS u(e, p, s, v, o, b, t)`,
    [
      endpointId,
      col('eventId'),
      col('position'),
      col('streamId'),
      col('streamVersion'),
      col('orderKey'),
      col('body'),
      col('eventTime'),
      options.now.toISOString(),
      options.cause,
    ],
  );
}

/**
 * Turns what the scanner read into deliveries and moves the endpoint's cursor from `from` to `to`,
 * in one transaction. The compare-and-set on the cursor makes this exactly once per event and
 * endpoint even if two processes scanned the same stretch.
 */
export async function enqueue(
  db: Database,
  endpointId: string,
  from: number,
  to: number,
  deliveries: readonly NewDelivery[],
  now: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(relaxedCommit);
    const { rows } = await tx.query(
      `UPDATE tf_webhook_cursors SET position = $3, updated_at = now()
       WHERE endpoint_id = $1 AND position = $2 RETURNING 1`,
      [endpointId, from, to],
    );
    if (rows.length === 0) throw new CursorMovedError(`webhook ${endpointId}: cursor moved`);
    await insertDeliveries(tx, endpointId, deliveries, { now, cause: 'log' });
  });
}

/**
 * Takes up to `limit` due deliveries of enabled endpoints for `owner` until `leaseUntil`.
 * `FOR UPDATE SKIP LOCKED`: processes claiming at once never take the same row, and a row is
 * taken only while no earlier row of its ticket (same `order_key`) is unfinished — only each
 * ticket's oldest pending row (`heads`, one pass over the pending index) is a candidate — so a
 * failing event holds back its own ticket's later events and nobody else's. A head finished by
 * another process after this statement's snapshot fails the re-check under the row lock.
 */
export async function claim(
  db: Database,
  options: { now: Date; wallNow: Date; owner: string; leaseUntil: Date; limit: number },
): Promise<ClaimedDelivery[]> {
  const { rows } = await db.transaction(async (tx) => {
    await tx.query(relaxedCommit);
    return tx.query<Record<string, unknown>>(
      `WITH heads AS MATERIALIZED (
         SELECT DISTINCT ON (endpoint_id, order_key) id FROM tf_webhook_deliveries
         WHERE state = 'pending' AND order_key IS NOT NULL
         ORDER BY endpoint_id, order_key, id
       ),
       candidates AS (
         SELECT id FROM heads
         UNION ALL
         SELECT id FROM tf_webhook_deliveries
         WHERE state = 'pending' AND order_key IS NULL AND next_attempt_at <= $1
       ),
       due AS (
         SELECT d.id FROM tf_webhook_deliveries d
         JOIN candidates c ON c.id = d.id
         JOIN tf_webhook_endpoints e ON e.endpoint_id = d.endpoint_id AND e.enabled AND NOT e.deleted
         WHERE d.state = 'pending' AND d.next_attempt_at <= $1
           AND (d.lease_until IS NULL OR d.lease_until < $2)
         ORDER BY d.next_attempt_at, d.id
         LIMIT $5
         FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE tf_webhook_deliveries d
       SET lease_owner = $3, lease_until = $4, attempts = d.attempts + 1
       FROM due, tf_webhook_endpoints e
       WHERE d.id = due.id AND e.endpoint_id = d.endpoint_id
       RETURNING d.id, d.endpoint_id, d.event_id, d.position, d.attempts, d.body, d.event_time,
               e.url, e.secrets`,
      [
        options.now.toISOString(),
        options.wallNow.toISOString(),
        options.owner,
        options.leaseUntil.toISOString(),
        options.limit,
      ],
    );
  });
  return rows.map((r) => ({
    id: Number(r.id),
    endpointId: String(r.endpoint_id),
    eventId: String(r.event_id),
    position: Number(r.position),
    attempt: Number(r.attempts),
    body: String(r.body),
    eventTime: new Date(r.event_time as string).toISOString(),
    url: String(r.url),
    secrets: r.secrets,
  }));
}

/**
 * Records tries: each delivery's new state (only while this process still holds it: a lease
 * that ran out and was taken over is the new holder's to record) and an attempt row each.
 * Returns the endpoints' `failing_since` after the update, for the disable-after-days rule.
 */
export async function record(
  db: Database,
  owner: string,
  results: readonly DeliveryResult[],
): Promise<Map<string, Date | null>> {
  if (results.length === 0) return new Map();
  const col = <T>(f: (r: DeliveryResult) => T) => results.map(f);
  return db.transaction(async (tx) => {
    await tx.query(relaxedCommit);
    const { rows: kept } = await tx.query<{ id: string | number }>(
      `UPDATE tf_webhook_deliveries d
       SET state = r.state, next_attempt_at = r.next, lease_owner = NULL, lease_until = NULL,
           body = CASE WHEN r.state = 'delivered' THEN NULL ELSE d.body END,
           finished_at = CASE WHEN r.state = 'pending' THEN NULL ELSE r.at END
       FROM unnest($2::bigint[], $3::int[], $4::text[], $5::timestamptz[], $6::timestamptz[])
            AS r(id, attempt, state, next, at)
       WHERE d.id = r.id AND d.lease_owner = $1 AND d.attempts = r.attempt
       RETURNING d.id`,
      [
        owner,
        col((r) => r.id),
        col((r) => r.attempt),
        col((r) => r.state),
        col((r) => r.nextAttemptAt.toISOString()),
        col((r) => r.at.toISOString()),
      ],
    );
    const keptIds = new Set(kept.map((k) => Number(k.id)));
    const mine = results.filter((r) => keptIds.has(r.id));
    await tx.query(
      `INSERT INTO tf_webhook_attempts
         (delivery_id, endpoint_id, event_id, attempt, at, status_code, latency_ms, error,
          response_excerpt)
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::int[], $5::timestamptz[],
                            $6::int[], $7::int[], $8::text[], $9::text[])`,
      [
        mine.map((r) => r.id),
        mine.map((r) => r.endpointId),
        mine.map((r) => r.eventId),
        mine.map((r) => r.attempt),
        mine.map((r) => r.at.toISOString()),
        mine.map((r) => r.status),
        mine.map((r) => r.latencyMs),
        mine.map((r) => r.error),
        // NUL cannot be stored in text; a receiver may send anything.
        mine.map((r) => r.excerpt.replaceAll('\u0000', '')),
      ],
    );
    return updateHealth(tx, mine);
  });
}

/** Per endpoint: the last success, or since when it has failed without one. */
async function updateHealth(
  tx: SqlExecutor,
  results: readonly DeliveryResult[],
): Promise<Map<string, Date | null>> {
  const byEndpoint = new Map<string, { ok: Date | null; failed: Date | null }>();
  for (const r of results) {
    const e = byEndpoint.get(r.endpointId) ?? { ok: null, failed: null };
    if (r.state === 'delivered') e.ok = r.at;
    else e.failed ??= r.at;
    byEndpoint.set(r.endpointId, e);
  }
  const health = new Map<string, Date | null>();
  for (const [endpointId, e] of byEndpoint) {
    const { rows } = await tx.query<{ failing_since: string | null }>(
      `UPDATE tf_webhook_cursors SET
         last_success_at = COALESCE($2, last_success_at),
         failing_since = CASE WHEN $2::timestamptz IS NOT NULL AND $3::timestamptz IS NULL THEN NULL
                              WHEN $3::timestamptz IS NULL THEN failing_since
                              ELSE COALESCE(failing_since, $3) END
       WHERE endpoint_id = $1 RETURNING failing_since`,
      [endpointId, e.ok?.toISOString() ?? null, e.failed?.toISOString() ?? null],
    );
    const since = rows[0]?.failing_since;
    health.set(endpointId, since ? new Date(since) : null);
  }
  return health;
}

/** One try of a delivery, as `GET /api/webhooks/:id/deliveries` lists them. */
export interface AttemptRow {
  id: number;
  deliveryId: number;
  eventId: string;
  attempt: number;
  at: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  response: string | null;
  state: 'pending' | 'delivered' | 'dead';
}

/** An endpoint's tries, newest first, after the cursor `before` (an attempt id). */
export async function listAttempts(
  db: SqlExecutor,
  endpointId: string,
  options: { before?: number | undefined; limit: number },
): Promise<AttemptRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT a.id, a.delivery_id, a.event_id, a.attempt, a.at, a.status_code, a.latency_ms, a.error,
            a.response_excerpt, d.state
     FROM tf_webhook_attempts a JOIN tf_webhook_deliveries d ON d.id = a.delivery_id
     WHERE a.endpoint_id = $1 AND ($2::bigint IS NULL OR a.id < $2)
     ORDER BY a.id DESC LIMIT $3`,
    [endpointId, options.before ?? null, options.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    deliveryId: Number(r.delivery_id),
    eventId: String(r.event_id),
    attempt: Number(r.attempt),
    at: new Date(r.at as string).toISOString(),
    statusCode: r.status_code === null ? null : Number(r.status_code),
    latencyMs: Number(r.latency_ms),
    error: (r.error as string | null) ?? null,
    response: (r.response_excerpt as string | null) ?? null,
    state: String(r.state) as AttemptRow['state'],
  }));
}

/** A delivery of an endpoint, for a manual retry. */
export async function deliveryOf(
  db: SqlExecutor,
  endpointId: string,
  deliveryId: number,
): Promise<{
  eventId: string;
  position: number;
  streamId: string;
  version: number;
  state: string;
} | null> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT event_id, position, stream_id, stream_version, state FROM tf_webhook_deliveries
     WHERE endpoint_id = $1 AND id = $2`,
    [endpointId, deliveryId],
  );
  const r = rows[0];
  return r
    ? {
        eventId: String(r.event_id),
        position: Number(r.position),
        streamId: String(r.stream_id),
        version: Number(r.stream_version),
        state: String(r.state),
      }
    : null;
}

/**
 * Undelivered bodies are CloudEvents rendered when the event was read; after an erasure
 * (docs/privacy.md) their `data` is replaced with the events as they read now (erased fields as
 * markers), so no plaintext waits in the queue for a receiver.
 */
export async function rerenderPendingData(
  sql: SqlExecutor,
  events: ReadonlyArray<{ id: string; streamId: string; data: unknown }>,
): Promise<number> {
  if (events.length === 0) return 0;
  const byId = new Map(events.map((e) => [e.id, e]));
  const { rows } = await sql.query<{ id: string | number; event_id: string; body: string }>(
    `SELECT id, event_id, body FROM tf_webhook_deliveries
     WHERE state <> 'delivered' AND body IS NOT NULL AND stream_id = ANY($1::text[])`,
    [[...new Set(events.map((e) => e.streamId))]],
  );
  for (const row of rows) {
    const event = byId.get(row.event_id);
    if (!event) continue;
    const body = { ...(JSON.parse(row.body) as Record<string, unknown>), data: event.data };
    await sql.query(`UPDATE tf_webhook_deliveries SET body = $2 WHERE id = $1`, [
      row.id,
      JSON.stringify(body),
    ]);
  }
  return rows.length;
}
