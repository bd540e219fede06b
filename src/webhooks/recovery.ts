import type { Database } from '../db/index.ts';
import type { EventData, EventType } from '../events/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import { cursorOf, deliveryOf as storedDelivery, insertDeliveries } from './deliveries.ts';
import { WebhookError, type EndpointState } from './endpoint.ts';
import { deliveryOf, isTicketEvent, withinLevels } from './payload.ts';

export interface RecoveryContext {
  db: Database;
  store: EventStore;
  source: string;
  now: () => Date;
}

type Requested = EventData<'WebhookRecoveryRequested'>;

/** The position just before the first event at or after `time` (0: the log's start). */
async function positionBefore(db: Database, time: string): Promise<number> {
  const { rows } = await db.query<{ position: string | number }>(
    `SELECT position FROM tf_events WHERE created_at < $1
     ORDER BY transaction_id DESC, position DESC LIMIT 1`,
    [time],
  );
  return Number(rows[0]?.position ?? 0);
}

/**
 * Re-sends the endpoint's events after a position (or from a time on) up to where its delivery
 * stands: each becomes a new delivery (the same `webhook-id`, so a receiver that has it already
 * can tell). What follows that point the scanner delivers anyway. Returns the range and count.
 */
export async function recoverFrom(
  ctx: RecoveryContext,
  endpoint: EndpointState,
  since: { position: number } | { time: string },
  recordRequest: (data: Requested) => Promise<void>,
): Promise<{ afterPosition: number; untilPosition: number; queued: number }> {
  let after: number;
  if ('position' in since) {
    if (!(await ctx.store.positionExists(since.position)))
      throw new WebhookError('invalid_position', `no event at position ${since.position}`);
    after = since.position;
  } else {
    after = await positionBefore(ctx.db, since.time);
  }
  const { rows } = await ctx.db.query<{ created_position: string | number }>(
    `SELECT created_position FROM tf_webhook_endpoints WHERE endpoint_id = $1`,
    [endpoint.endpointId],
  );
  const until = await cursorOf(ctx.db, endpoint.endpointId, Number(rows[0]?.created_position ?? 0));
  await recordRequest({
    endpointId: endpoint.endpointId,
    afterPosition: after,
    ...('time' in since ? { since: new Date(since.time).toISOString() } : {}),
  });
  let queued = 0;
  let cursor = after;
  for (let reached = after === until; !reached;) {
    const page = await ctx.store.readAll({ after: cursor, limit: 1000 });
    if (page.events.length === 0) break;
    const upTo = page.events.findIndex((e) => e.position === until);
    const events = upTo >= 0 ? page.events.slice(0, upTo + 1) : page.events;
    reached = upTo >= 0;
    cursor = page.lastPosition;
    const wanted = events.filter(
      (e) => isTicketEvent(e) && (!endpoint.types || endpoint.types.includes(e.type as EventType)),
    );
    const matching = await withinLevels(ctx.store, wanted, endpoint.levels);
    const deliveries = matching.map((e) => deliveryOf(e, endpoint.ordering, ctx.source));
    await insertDeliveries(ctx.db, endpoint.endpointId, deliveries, {
      now: ctx.now(),
      cause: 'recover',
    });
    queued += deliveries.length;
  }
  return { afterPosition: after, untilPosition: until, queued };
}

/**
 * Retries one delivery by hand: a pending one is due now; a finished one (delivered or
 * dead-lettered) is sent again as a new delivery of the same event, read from the log.
 */
export async function retryDelivery(
  ctx: RecoveryContext,
  endpoint: EndpointState,
  deliveryId: number,
  recordRequest: (data: Requested) => Promise<void>,
): Promise<{ eventId: string; deliveryState: string }> {
  const delivery = await storedDelivery(ctx.db, endpoint.endpointId, deliveryId);
  if (!delivery) throw new WebhookError('not_found', `no delivery ${deliveryId}`);
  await recordRequest({
    endpointId: endpoint.endpointId,
    afterPosition: delivery.position,
    eventId: delivery.eventId,
  });
  if (delivery.state === 'pending') {
    await ctx.db.query(
      `UPDATE tf_webhook_deliveries SET next_attempt_at = $2 WHERE id = $1 AND state = 'pending'`,
      [deliveryId, ctx.now().toISOString()],
    );
    return { eventId: delivery.eventId, deliveryState: 'pending' };
  }
  const stream = await ctx.store.readStream(delivery.streamId, { toVersion: delivery.version });
  const event = stream.at(-1);
  if (!event || event.id !== delivery.eventId)
    throw new WebhookError('not_found', `event ${delivery.eventId} is no longer in the log`);
  await insertDeliveries(
    ctx.db,
    endpoint.endpointId,
    [deliveryOf(event, endpoint.ordering, ctx.source)],
    { now: ctx.now(), cause: 'retry' },
  );
  return { eventId: delivery.eventId, deliveryState: 'pending' };
}
