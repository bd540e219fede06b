import type { Migration } from '../db/index.ts';

/**
 * The delivery worker's own tables, beside it (docs/webhooks.md, "Delivery from the log"):
 * - `tf_webhook_cursors`: each endpoint's position in the global log (what has been turned into
 *   deliveries), moved by compare-and-set in the transaction that inserts them;
 * - `tf_webhook_deliveries`: one row per event and endpoint, the work queue and its state;
 *   `order_key` (the stream, for per-ticket order) holds a ticket's later rows back;
 * - `tf_webhook_attempts`: every try, for `GET /api/webhooks/:id/deliveries`.
 */
export const webhookMigrations: Migration[] = [
  {
    id: '210_webhook_delivery',
    statements: [
      `CREATE TABLE tf_webhook_cursors (
        endpoint_id uuid PRIMARY KEY,
        position bigint NOT NULL,
        failing_since timestamptz,
        last_success_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE tf_webhook_deliveries (
        id bigserial PRIMARY KEY,
        endpoint_id uuid NOT NULL,
        event_id uuid NOT NULL,
        position bigint NOT NULL,
        stream_id text NOT NULL,
        stream_version int NOT NULL,
        order_key text,
        state text NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        lease_owner text,
        lease_until timestamptz,
        body text,
        event_time timestamptz NOT NULL,
        cause text NOT NULL DEFAULT 'log',
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`,
      `CREATE INDEX tf_webhook_deliveries_due ON tf_webhook_deliveries (next_attempt_at, id)
        WHERE state = 'pending'`,
      `CREATE INDEX tf_webhook_deliveries_order ON tf_webhook_deliveries (endpoint_id, order_key, id)
        WHERE state = 'pending'`,
      `CREATE INDEX tf_webhook_deliveries_endpoint ON tf_webhook_deliveries (endpoint_id, id)`,
      `CREATE TABLE tf_webhook_attempts (
        id bigserial PRIMARY KEY,
        delivery_id bigint NOT NULL,
        endpoint_id uuid NOT NULL,
        event_id uuid NOT NULL,
        attempt int NOT NULL,
        at timestamptz NOT NULL,
        status_code int,
        latency_ms int NOT NULL,
        error text,
        response_excerpt text
      )`,
      `CREATE INDEX tf_webhook_attempts_endpoint ON tf_webhook_attempts (endpoint_id, id)`,
    ],
  },
];
