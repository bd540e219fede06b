import { liveTable, type Projection } from '../src/projector/index.ts';
import type { SqlExecutor } from '../src/db/index.ts';
import type { EncryptedSecret, StoredEvent, WebhookOrdering } from '../src/events/index.ts';

/**
 * Webhook endpoints as they stand (docs/webhooks.md): what the API lists and what the delivery
 * worker reads. `created_position` is where the endpoint's delivery starts in the global log.
 */
export const webhookEndpointsProjection: Projection = {
  name: 'webhook_endpoints',
  tables: ['tf_webhook_endpoints'],
  migrations: [
    {
      id: '200_webhook_endpoints',
      statements: [
        `CREATE TABLE tf_webhook_endpoints (
          endpoint_id uuid PRIMARY KEY,
          owner_id uuid NOT NULL,
          url text NOT NULL,
          types text[],
          levels int[],
          ordering text NOT NULL,
          enabled boolean NOT NULL,
          disabled_reason text,
          description text,
          secrets jsonb NOT NULL,
          deleted boolean NOT NULL DEFAULT false,
          created_position bigint NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          version int NOT NULL
        )`,
        `CREATE INDEX tf_webhook_endpoints_owner ON tf_webhook_endpoints (owner_id)`,
      ],
    },
  ],
  handles: [
    'WebhookEndpointCreated',
    'WebhookEndpointUpdated',
    'WebhookSecretsRotated',
    'WebhookEndpointDisabled',
    'WebhookEndpointDeleted',
  ],

  async apply(tx, events, table = liveTable) {
    for (const event of events) await applyOne(tx, event, table('tf_webhook_endpoints'));
  },
};

async function applyOne(tx: SqlExecutor, event: StoredEvent, t: string): Promise<void> {
  const touch = [event.timestamp, event.version];
  switch (event.type) {
    case 'WebhookEndpointCreated': {
      const d = event.data;
      await tx.query(
        `INSERT INTO ${t} (endpoint_id, owner_id, url, types, levels, ordering, enabled, description,
           secrets, created_position, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
         ON CONFLICT (endpoint_id) DO NOTHING`,
        [
          d.endpointId,
          d.ownerId,
          d.url,
          d.types,
          d.levels,
          d.ordering,
          d.enabled,
          d.description ?? null,
          JSON.stringify(d.secrets),
          event.position,
          ...touch,
        ],
      );
      return;
    }
    case 'WebhookEndpointUpdated': {
      const d = event.data;
      await tx.query(
        `UPDATE ${t} SET
           url = COALESCE($2, url),
           types = CASE WHEN $3::boolean THEN $4::text[] ELSE types END,
           levels = CASE WHEN $5::boolean THEN $6::int[] ELSE levels END,
           ordering = COALESCE($7, ordering),
           enabled = COALESCE($8, enabled),
           disabled_reason = CASE WHEN $8 THEN NULL ELSE disabled_reason END,
           description = COALESCE($9, description),
           updated_at = $10, version = $11
         WHERE endpoint_id = $1`,
        [
          d.endpointId,
          d.url ?? null,
          d.types !== undefined,
          d.types ?? null,
          d.levels !== undefined,
          d.levels ?? null,
          d.ordering ?? null,
          d.enabled ?? null,
          d.description ?? null,
          ...touch,
        ],
      );
      return;
    }
    case 'WebhookSecretsRotated':
      await tx.query(
        `UPDATE ${t} SET secrets = $2, updated_at = $3, version = $4 WHERE endpoint_id = $1`,
        [event.data.endpointId, JSON.stringify(event.data.secrets), ...touch],
      );
      return;
    case 'WebhookEndpointDisabled':
      await tx.query(
        `UPDATE ${t} SET enabled = false, disabled_reason = $2, updated_at = $3, version = $4
         WHERE endpoint_id = $1`,
        [event.data.endpointId, event.data.reason, ...touch],
      );
      return;
    case 'WebhookEndpointDeleted':
      await tx.query(
        `UPDATE ${t} SET deleted = true, enabled = false, updated_at = $2, version = $3
         WHERE endpoint_id = $1`,
        [event.data.endpointId, ...touch],
      );
      return;
    default:
      return;
  }
}

/** An endpoint row as the API and the delivery worker read it. */
export interface WebhookEndpointRow {
  id: string;
  ownerId: string;
  url: string;
  types: string[] | null;
  levels: number[] | null;
  ordering: WebhookOrdering;
  enabled: boolean;
  disabledReason: string | null;
  description: string | null;
  secrets: EncryptedSecret[];
  createdPosition: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

const columns = `endpoint_id AS id, owner_id AS "ownerId", url, types, levels, ordering, enabled,
  disabled_reason AS "disabledReason", description, secrets, created_position AS "createdPosition",
  created_at AS "createdAt", updated_at AS "updatedAt", version`;

function toRow(row: Record<string, unknown>): WebhookEndpointRow {
  return {
    ...(row as unknown as WebhookEndpointRow),
    levels: (row.levels as number[] | null)?.map(Number) ?? null,
    createdPosition: Number(row.createdPosition),
    createdAt: new Date(row.createdAt as string).toISOString(),
    updatedAt: new Date(row.updatedAt as string).toISOString(),
    version: Number(row.version),
  };
}

/** Live (not deleted) endpoints, all or one owner's, oldest first. */
export async function listWebhookEndpoints(
  db: SqlExecutor,
  filter: { ownerId?: string; enabledOnly?: boolean } = {},
): Promise<WebhookEndpointRow[]> {
  const { rows } = await db.query(
    `SELECT ${columns} FROM tf_webhook_endpoints
     WHERE NOT deleted AND ($1::uuid IS NULL OR owner_id = $1) AND (NOT $2 OR enabled)
     ORDER BY created_position LIMIT 1000`,
    [filter.ownerId ?? null, filter.enabledOnly ?? false],
  );
  return rows.map(toRow);
}

export async function getWebhookEndpoint(
  db: SqlExecutor,
  id: string,
): Promise<WebhookEndpointRow | null> {
  const { rows } = await db.query(
    `SELECT ${columns} FROM tf_webhook_endpoints WHERE endpoint_id = $1 AND NOT deleted`,
    [id],
  );
  return rows[0] ? toRow(rows[0]) : null;
}
