import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { canManageWebhooks, type Principal } from '../auth/index.ts';
import { ticketEventTypes } from '../../machines/index.ts';
import { webhookOrderingSchema, type EventMetadata, type EventType } from '../events/index.ts';
import {
  getWebhookEndpoint,
  listWebhookEndpoints,
  type WebhookEndpointRow,
} from '../../projections/index.ts';
import { listAttempts, WebhookError, type WebhookService } from '../webhooks/index.ts';
import { enforce, principalOf } from './auth.ts';
import { HttpProblem } from './problem.ts';
import { text, timestamp } from './schemas.ts';
import { parse } from './validate.ts';
import type { Sent } from './responses.ts';
import {
  createdWebhookSchema,
  recoveryResultSchema,
  retryResultSchema,
  webhookAttemptPageSchema,
  webhookListSchema,
  webhookSchema,
} from './webhookResponses.ts';

const url = z.string().max(2000).url();
const types = z.array(z.enum(ticketEventTypes)).min(1).max(100);
const levels = z
  .array(z.union([z.literal(1), z.literal(2), z.literal(3)]))
  .min(1)
  .max(3);

export const createWebhookBody = z
  .object({
    url,
    types: types.optional(),
    levels: levels.optional(),
    ordering: webhookOrderingSchema.optional(),
    enabled: z.boolean().optional(),
    description: text(200).optional(),
  })
  .strict();

export const updateWebhookBody = z
  .object({
    url: url.optional(),
    types: types.nullable().optional(),
    levels: levels.nullable().optional(),
    ordering: webhookOrderingSchema.optional(),
    enabled: z.boolean().optional(),
    description: text(200).optional(),
    /** A new secret beside the newest old one: both sign until `retireOldSecret`. */
    rotateSecret: z.boolean().optional(),
    retireOldSecret: z.boolean().optional(),
  })
  .strict();

export const recoverBody = z
  .object({
    since: z.union([
      z.number().int().min(0).describe('a position: re-send the events after it'),
      timestamp.describe('a time: re-send the events from then on'),
    ]),
  })
  .strict();

export const webhookParam = z.object({ id: z.uuid() });
export const deliveryParam = z.object({
  id: z.uuid(),
  deliveryId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});
export const deliveriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^[1-9]\d{0,15}$/)
      .optional(),
  })
  .strict();

const notFound = (id: string) =>
  new HttpProblem({ title: 'Webhook not found', status: 404, detail: `no webhook ${id}` });

/** Integrators see only their own endpoints; admins see every one. */
const mayUse = (p: Principal, ownerId: string) =>
  p.kind === 'user' && (p.role === 'admin' || p.userId === ownerId);

const actorOf = (p: Principal): EventMetadata['actor'] =>
  p.kind === 'user' ? { id: p.email, role: p.role } : { id: 'anonymous', role: 'system' };

function webhookJson(row: WebhookEndpointRow): Sent<typeof webhookSchema> {
  return {
    id: row.id,
    url: row.url,
    types: row.types as EventType[] | null,
    levels: row.levels as Array<1 | 2 | 3> | null,
    ordering: row.ordering,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    description: row.description,
    secrets: row.secrets.map((s) => ({ id: s.secretId, createdAt: s.createdAt })),
    createdPosition: row.createdPosition,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  };
}

/** Webhook endpoints (docs/webhooks.md): admins manage all, integrators their own. */
export function webhookRoutes(deps: { db: Database; webhooks: WebhookService }): Router {
  const router = Router();

  /** The caller's endpoint as the read model has it, or 404 (also for someone else's). */
  async function own(res: Response, id: string): Promise<WebhookEndpointRow> {
    const principal = principalOf(res);
    enforce(canManageWebhooks(principal), 'webhooks');
    const row = await getWebhookEndpoint(deps.db, id);
    if (!row || !mayUse(principal, row.ownerId)) throw notFound(id);
    return row;
  }

  async function current(id: string): Promise<WebhookEndpointRow> {
    const row = await getWebhookEndpoint(deps.db, id);
    if (!row) throw notFound(id);
    return row;
  }

  router.post('/webhooks', async (req, res) => {
    const principal = principalOf(res);
    enforce(canManageWebhooks(principal), 'webhooks');
    const body = parse(createWebhookBody, req.body, 'body');
    const ownerId = principal.kind === 'user' ? principal.userId : '';
    const { state, secret } = await deps.webhooks.create(body, ownerId, actorOf(principal));
    const row = await current(state.endpointId);
    res
      .status(201)
      .location(`/api/webhooks/${row.id}`)
      .set('Cache-Control', 'no-store')
      .json({ ...webhookJson(row), secret, note: 'shown once: store it now' } satisfies Sent<
        typeof createdWebhookSchema
      >);
  });

  router.get('/webhooks', async (_req, res) => {
    const principal = principalOf(res);
    enforce(canManageWebhooks(principal), 'webhooks');
    const owner =
      principal.kind === 'user' && principal.role !== 'admin' ? principal.userId : undefined;
    const rows = await listWebhookEndpoints(deps.db, owner ? { ownerId: owner } : {});
    res.json({ items: rows.map(webhookJson) } satisfies Sent<typeof webhookListSchema>);
  });

  router.get('/webhooks/:id', async (req, res) => {
    const { id } = parse(webhookParam, req.params, 'path');
    res.json(webhookJson(await own(res, id)));
  });

  router.patch('/webhooks/:id', async (req, res) => {
    const { id } = parse(webhookParam, req.params, 'path');
    const body = parse(updateWebhookBody, req.body, 'body');
    await own(res, id);
    const { secret } = await deps.webhooks.update(id, body, actorOf(principalOf(res)));
    const json = webhookJson(await current(id));
    if (secret) {
      res.set('Cache-Control', 'no-store');
      return void res.json({ ...json, secret, note: 'shown once: store it now' });
    }
    res.json(json);
  });

  router.delete('/webhooks/:id', async (req, res) => {
    const { id } = parse(webhookParam, req.params, 'path');
    await own(res, id);
    await deps.webhooks.remove(id, actorOf(principalOf(res)));
    res.status(204).end();
  });

  router.post('/webhooks/:id/recover', async (req, res) => {
    const { id } = parse(webhookParam, req.params, 'path');
    const body = parse(recoverBody, req.body, 'body');
    await own(res, id);
    const since = typeof body.since === 'number' ? { position: body.since } : { time: body.since };
    const result = await deps.webhooks.recover(id, since, actorOf(principalOf(res)));
    res.status(202).json(result satisfies Sent<typeof recoveryResultSchema>);
  });

  router.post('/webhooks/:id/deliveries/:deliveryId/retry', async (req, res) => {
    const { id, deliveryId } = parse(deliveryParam, req.params, 'path');
    await own(res, id);
    const result = await deps.webhooks.retry(id, deliveryId, actorOf(principalOf(res)));
    res.status(202).json(result satisfies Sent<typeof retryResultSchema>);
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const { id } = parse(webhookParam, req.params, 'path');
    const q = parse(deliveriesQuery, req.query, 'query');
    await own(res, id);
    const items = await listAttempts(deps.db, id, {
      before: q.cursor ? Number(q.cursor) : undefined,
      limit: q.limit,
    });
    const last = items.at(-1);
    res.json({
      items,
      nextCursor: items.length === q.limit && last ? String(last.id) : null,
    } satisfies Sent<typeof webhookAttemptPageSchema>);
  });

  return router;
}

/** The problem each webhook error is (src/api/problem.ts maps it). */
export function webhookProblem(error: WebhookError) {
  switch (error.code) {
    case 'not_found':
      return { title: 'Webhook not found', status: 404, detail: error.message };
    case 'invalid_target':
      return { title: 'Refused target', status: 422, detail: error.message };
    case 'invalid_position':
      return { title: 'Invalid position', status: 400, detail: error.message };
  }
}
