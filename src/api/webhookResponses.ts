import { z } from 'zod';
import { supportLevelSchema } from '../../machines/index.ts';
import { eventTypes } from '../events/index.ts';
import { instant } from './responses.ts';

/**
 * The bodies of the webhook routes and of the log as CloudEvents (docs/webhooks.md), beside the
 * other bodies in src/api/responses.ts.
 */

export const webhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  types: z.array(z.enum(eventTypes)).nullable().describe('null: every ticket event'),
  levels: z.array(supportLevelSchema).nullable().describe('null: any level'),
  ordering: z.enum(['per_ticket', 'none']),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  description: z.string().nullable(),
  secrets: z
    .array(z.object({ id: z.uuid(), createdAt: instant }))
    .describe('The active secrets (never the secrets themselves)'),
  createdPosition: z.number().int().min(0).describe('Delivery starts after this position'),
  createdAt: instant,
  updatedAt: instant,
  version: z.number().int().min(1),
});
export const createdWebhookSchema = webhookSchema.extend({
  secret: z.string().describe('The whsec_ signing secret, shown this once and never again'),
  note: z.string(),
});
export const updatedWebhookSchema = webhookSchema.extend({
  secret: z.string().optional().describe('A rotated-in secret, shown this once'),
  note: z.string().optional(),
});
export const webhookListSchema = z.object({ items: z.array(webhookSchema) });
export const recoveryResultSchema = z.object({
  afterPosition: z.number().int().min(0),
  untilPosition: z.number().int().min(0),
  queued: z.number().int().min(0),
});
export const retryResultSchema = z.object({ eventId: z.uuid(), deliveryState: z.string() });
export const webhookAttemptPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      deliveryId: z.number().int(),
      eventId: z.uuid(),
      attempt: z.number().int().min(1),
      at: instant,
      statusCode: z.number().int().nullable(),
      latencyMs: z.number().int().min(0),
      error: z.string().nullable(),
      response: z.string().nullable().describe('The first bytes of the answer'),
      state: z.enum(['pending', 'delivered', 'dead']),
    }),
  ),
  nextCursor: z.string().nullable().describe('Pass as ?cursor= for older attempts'),
});
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.uuid(),
  source: z.string(),
  type: z.string().describe('io.ticketflow.<kind>.<event>.v<schema version>'),
  subject: z.string(),
  time: instant,
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
  tfstreamversion: z.number().int().min(1),
  tfposition: z.number().int().min(1),
});
export const cloudEventPageSchema = z.object({
  events: z.array(cloudEventSchema),
  lastPosition: z.number().int().min(0).describe('Pass as ?after= to read on'),
});
