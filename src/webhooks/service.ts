import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import { leaseFor, type Lease } from '../projector/index.ts';
import type { DomainEvent, EventMetadata, EventType, WebhookOrdering } from '../events/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import type { SupportLevel } from '../../machines/index.ts';
import { createEndpointCommands, WebhookError, type EndpointState } from './endpoint.ts';
import { createDispatcher } from './dispatcher.ts';
import { createScanner } from './scanner.ts';
import { createSender } from './sender.ts';
import { createTargetPolicy } from './targets.ts';
import { encryptSecret, generateSecret } from './secrets.ts';
import { createWebhookMetrics } from './metrics.ts';
import { recoverFrom, retryDelivery } from './recovery.ts';
import { randomUUID } from 'node:crypto';

export interface WebhookSettings {
  key: Buffer;
  schedule: readonly number[];
  jitter: number;
  timeoutMs: number;
  allowHttp: boolean;
  allowedAddresses: readonly string[];
  disableAfterMs: number;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  source: string;
  deliver: boolean;
}

export interface WebhookServiceOptions {
  db: Database;
  store: EventStore;
  logger: Logger;
  settings: WebhookSettings;
  now: () => Date;
  /** Brings the endpoints read model up to date (after a change, before the worker looks). */
  catchUp: () => Promise<void>;
  lease?: Lease;
  random?: () => number;
}

export interface EndpointInput {
  url: string;
  types?: EventType[] | null | undefined;
  levels?: SupportLevel[] | null | undefined;
  ordering?: WebhookOrdering | undefined;
  enabled?: boolean | undefined;
  description?: string | undefined;
}

const system: EventMetadata['actor'] = { id: 'webhooks', role: 'system' };

/** Webhook endpoints (their commands) and their delivery (scanner and dispatcher). */
export function createWebhookService(options: WebhookServiceOptions) {
  const { db, store, logger, settings, now } = options;
  const commands = createEndpointCommands(store, now);
  const guard = createTargetPolicy({
    allowHttp: settings.allowHttp,
    allowed: settings.allowedAddresses,
  });
  const sender = createSender({ guard, timeoutMs: settings.timeoutMs });
  const metrics = createWebhookMetrics(db, now);
  const dispatcher = createDispatcher({
    db,
    logger,
    sender,
    key: settings.key,
    retry: {
      schedule: settings.schedule,
      jitter: settings.jitter,
      random: options.random ?? Math.random,
    },
    now,
    concurrency: settings.concurrency,
    pollMs: settings.pollMs,
    leaseMs: settings.leaseMs,
    onResult: (_d, r) => metrics.count(r),
    onGone: async (d) => {
      await commands.write(d.endpointId, system, (s) =>
        s && s.enabled && !s.deleted
          ? [
              {
                type: 'WebhookEndpointDisabled',
                data: { endpointId: d.endpointId, reason: 'gone' },
              },
            ]
          : [],
      );
      await options.catchUp();
    },
    onDead: async (d, r, failingSince) => {
      const failingTooLong =
        failingSince !== null && r.at.getTime() - failingSince.getTime() >= settings.disableAfterMs;
      await commands.write(d.endpointId, system, (s) => [
        {
          type: 'WebhookDeliveryDeadLettered',
          data: {
            endpointId: d.endpointId,
            eventId: d.eventId,
            position: d.position,
            attempts: d.attempt,
            lastStatus: r.status,
            lastError: r.error,
          },
        },
        ...(failingTooLong && s?.enabled
          ? [
              {
                type: 'WebhookEndpointDisabled' as const,
                data: {
                  endpointId: d.endpointId,
                  reason: 'failing' as const,
                  detail: `no success since ${failingSince.toISOString()}`,
                },
              },
            ]
          : []),
      ]);
      if (failingTooLong) await options.catchUp();
    },
  });
  const lease = options.lease ?? leaseFor(db);
  const scanner = createScanner({
    db,
    store,
    lease,
    logger,
    now,
    source: settings.source,
    onEnqueued: () => dispatcher.wake(),
  });
  let refreshTimer: NodeJS.Timeout | null = null;
  let running = false;

  /** After a change: the read model, then (where this process delivers) scanners and dispatcher. */
  async function changed(): Promise<void> {
    await options.catchUp();
    if (!running) return;
    await scanner
      .refresh()
      .catch((error: unknown) => logger.warn({ err: error }, 'webhook refresh failed'));
    dispatcher.wake();
  }

  async function checkTarget(url: string): Promise<void> {
    const refusal = await guard.check(url);
    if (refusal) throw new WebhookError('invalid_target', `refused target ${url}: ${refusal}`);
  }

  return {
    async create(input: EndpointInput, ownerId: string, actor: EventMetadata['actor']) {
      await checkTarget(input.url);
      const endpointId = randomUUID();
      const secret = generateSecret();
      const state = await commands.write(endpointId, actor, () => [
        {
          type: 'WebhookEndpointCreated',
          data: {
            endpointId,
            ownerId,
            url: input.url,
            types: input.types ?? null,
            levels: input.levels ?? null,
            ordering: input.ordering ?? 'per_ticket',
            enabled: input.enabled ?? true,
            ...(input.description ? { description: input.description } : {}),
            secrets: [encryptSecret(settings.key, endpointId, secret, now())],
          },
        },
      ]);
      await changed();
      return { state: commands.live(state, endpointId), secret };
    },

    load: (endpointId: string) => commands.load(endpointId),

    async update(
      endpointId: string,
      patch: Partial<EndpointInput> & { rotateSecret?: boolean; retireOldSecret?: boolean },
      actor: EventMetadata['actor'],
    ): Promise<{ state: EndpointState; secret: string | null }> {
      if (patch.url !== undefined) await checkTarget(patch.url);
      const { rotateSecret, retireOldSecret, ...settingsPatch } = patch;
      const secret = rotateSecret ? generateSecret() : null;
      const state = await commands.update(endpointId, actor, (s) => {
        const events: DomainEvent[] = [];
        const defined = Object.fromEntries(
          Object.entries(settingsPatch).filter(([, v]) => v !== undefined),
        );
        if (Object.keys(defined).length > 0)
          events.push({ type: 'WebhookEndpointUpdated', data: { endpointId, ...defined } });
        // Rotation keeps the newest old secret beside the new one: both sign until it is retired.
        let secrets = s.secrets;
        if (secret)
          secrets = [...secrets.slice(-1), encryptSecret(settings.key, endpointId, secret, now())];
        if (retireOldSecret) secrets = secrets.slice(-1);
        if (secrets !== s.secrets)
          events.push({ type: 'WebhookSecretsRotated', data: { endpointId, secrets } });
        return events;
      });
      await changed();
      return { state, secret };
    },

    async remove(endpointId: string, actor: EventMetadata['actor']): Promise<void> {
      await commands.write(endpointId, actor, (s) => {
        commands.live(s, endpointId);
        return [{ type: 'WebhookEndpointDeleted', data: { endpointId } }];
      });
      await changed();
    },

    /** Re-sends the endpoint's events after a position, or from a time on. */
    async recover(
      endpointId: string,
      since: { position: number } | { time: string },
      actor: EventMetadata['actor'],
    ) {
      const state = commands.live(await commands.load(endpointId), endpointId);
      const queued = await recoverFrom(
        { db, store, source: settings.source, now },
        state,
        since,
        (data) =>
          commands
            .update(endpointId, actor, () => [{ type: 'WebhookRecoveryRequested', data }])
            .then(() => undefined),
      );
      dispatcher.wake();
      return queued;
    },

    async retry(endpointId: string, deliveryId: number, actor: EventMetadata['actor']) {
      const state = commands.live(await commands.load(endpointId), endpointId);
      const result = await retryDelivery(
        { db, store, source: settings.source, now },
        state,
        deliveryId,
        (data) =>
          commands
            .update(endpointId, actor, () => [{ type: 'WebhookRecoveryRequested', data }])
            .then(() => undefined),
      );
      dispatcher.wake();
      return result;
    },

    registerMetrics: metrics.register,

    async start(): Promise<void> {
      if (!settings.deliver) return;
      running = true;
      dispatcher.start();
      await scanner
        .refresh()
        .catch((error: unknown) => logger.warn({ err: error }, 'webhook refresh failed'));
      refreshTimer = setInterval(() => {
        scanner
          .refresh()
          .catch((error: unknown) => logger.warn({ err: error }, 'webhook refresh failed'));
        dispatcher.wake();
      }, 1000);
      refreshTimer.unref();
    },

    /** Wakes the dispatcher (tests that move the clock). */
    wake: () => dispatcher.wake(),

    async stop(): Promise<void> {
      running = false;
      if (refreshTimer) clearInterval(refreshTimer);
      await scanner.stop();
      await dispatcher.stop();
      await lease.close();
      sender.close();
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
