import { z } from 'zod';
import { supportLevelSchema } from '../../machines/index.ts';

/**
 * The events of a webhook endpoint's stream `webhook-<endpoint id>` (docs/events.md, "Webhooks";
 * docs/webhooks.md). Secrets appear only as AES-256-GCM ciphertext under WEBHOOK_SECRET_KEY.
 */
export const webhookStreamPrefix = 'webhook-';
export const webhookStreamId = (endpointId: string) => `${webhookStreamPrefix}${endpointId}`;

export const webhookOrderingSchema = z.enum(['per_ticket', 'none']);
export type WebhookOrdering = z.infer<typeof webhookOrderingSchema>;

export const encryptedSecretSchema = z.object({
  secretId: z.uuid(),
  /** `v1.<iv>.<ciphertext+tag>` (base64url), bound to the endpoint and secret ids. */
  ciphertext: z.string().regex(/^v1\.[\w-]+\.[\w-]+$/),
  createdAt: z.iso.datetime(),
});
export type EncryptedSecret = z.infer<typeof encryptedSecretSchema>;

const endpointSettings = {
  url: z.string().url(),
  /** Event types delivered; null: every ticket event. */
  types: z.array(z.string()).nullable(),
  /** Only tickets at these levels (the level as of each event); null: any. */
  levels: z.array(supportLevelSchema).nullable(),
  ordering: webhookOrderingSchema,
  enabled: z.boolean(),
  description: z.string().optional(),
};

export const webhookEventSchemas = {
  WebhookEndpointCreated: z.object({
    endpointId: z.uuid(),
    /** The user who registered it: an integrator sees only their own endpoints. */
    ownerId: z.uuid(),
    ...endpointSettings,
    secrets: z.array(encryptedSecretSchema).min(1).max(2),
  }),
  WebhookEndpointUpdated: z.object({
    endpointId: z.uuid(),
    url: endpointSettings.url.optional(),
    types: endpointSettings.types.optional(),
    levels: endpointSettings.levels.optional(),
    ordering: endpointSettings.ordering.optional(),
    enabled: endpointSettings.enabled.optional(),
    description: endpointSettings.description,
  }),
  /** The active secrets after a rotation (one or two: during a rotation both sign). */
  WebhookSecretsRotated: z.object({
    endpointId: z.uuid(),
    secrets: z.array(encryptedSecretSchema).min(1).max(2),
  }),
  /** The sender stopped delivering: the receiver answered 410, or failed for too long. */
  WebhookEndpointDisabled: z.object({
    endpointId: z.uuid(),
    reason: z.enum(['gone', 'failing']),
    detail: z.string().optional(),
  }),
  WebhookEndpointDeleted: z.object({ endpointId: z.uuid() }),
  /** Deliveries re-sent from a position (`recover`) or one delivery retried by hand. */
  WebhookRecoveryRequested: z.object({
    endpointId: z.uuid(),
    afterPosition: z.number().int().nonnegative(),
    /** The time asked for, when `since` was a time. */
    since: z.iso.datetime().optional(),
    /** A single event retried by hand instead of a range. */
    eventId: z.uuid().optional(),
  }),
  /** Every try of a delivery failed: it stops, and the endpoint's later events go on. */
  WebhookDeliveryDeadLettered: z.object({
    endpointId: z.uuid(),
    eventId: z.uuid(),
    position: z.number().int().positive(),
    attempts: z.number().int().positive(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
  }),
} as const;

export const webhookEventSchemaVersions = {
  WebhookEndpointCreated: 1,
  WebhookEndpointUpdated: 1,
  WebhookSecretsRotated: 1,
  WebhookEndpointDisabled: 1,
  WebhookEndpointDeleted: 1,
  WebhookRecoveryRequested: 1,
  WebhookDeliveryDeadLettered: 1,
} as const satisfies Record<keyof typeof webhookEventSchemas, number>;

export const webhookEventTypes = Object.keys(webhookEventSchemas) as Array<
  keyof typeof webhookEventSchemas
>;
export type WebhookEventType = keyof typeof webhookEventSchemas;
