import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import { encryptedSecretSchema, type EncryptedSecret } from '../events/index.ts';
import { claim, record, type ClaimedDelivery, type DeliveryResult } from './deliveries.ts';
import { verdictFor, type RetryPolicy } from './retry.ts';
import { decryptSecret } from './secrets.ts';
import type { Sender } from './sender.ts';
import { signatureHeaders } from './signature.ts';
import { cloudEventContentType } from '../events/index.ts';

export interface DispatcherOptions {
  db: Database;
  logger: Logger;
  sender: Sender;
  key: Buffer;
  retry: RetryPolicy;
  /** The clock retries are scheduled on (tests move it); leases use the wall clock. */
  now: () => Date;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  /** After a delivery's last try; `failingSince` is when the endpoint last stopped succeeding. */
  onDead: (d: ClaimedDelivery, result: DeliveryResult, failingSince: Date | null) => Promise<void>;
  /** The receiver answered 410 Gone. */
  onGone: (d: ClaimedDelivery) => Promise<void>;
  onResult?: (d: ClaimedDelivery, result: DeliveryResult) => void;
}

/**
 * Sends due deliveries, up to `concurrency` at a time per process. Every process runs one: each
 * takes rows with a lease (`claim`, FOR UPDATE SKIP LOCKED), so processes share the work and a row
 * is sent by one of them at a time; a process that dies mid-delivery leaves a lease that runs out,
 * and another process sends the delivery again (at least once; receivers de-duplicate by
 * `webhook-id`). No transaction stays open while a receiver answers.
 */
export function createDispatcher(options: DispatcherOptions) {
  const { db, logger } = options;
  const owner = randomUUID();
  const secretsCache = new Map<string, string[]>();
  let inFlight = 0;
  let stopped = true;
  let wake: (() => void) | null = null;
  let woken = false;
  let loop: Promise<void> | null = null;
  const results: Array<[ClaimedDelivery, DeliveryResult]> = [];
  let flushing: Promise<void> | null = null;
  const idle = new Set<() => void>();

  function secretsOf(d: ClaimedDelivery): string[] {
    const stored = encryptedSecretSchema.array().parse(d.secrets) as EncryptedSecret[];
    const cacheKey = `${d.endpointId}:${stored.map((s) => s.secretId).join(',')}`;
    let secrets = secretsCache.get(cacheKey);
    if (!secrets) {
      secrets = stored.map((s) => decryptSecret(options.key, d.endpointId, s));
      secretsCache.set(cacheKey, secrets);
    }
    return secrets;
  }

  async function deliver(d: ClaimedDelivery): Promise<void> {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': cloudEventContentType,
      'user-agent': 'ticketflow-webhooks/1',
      ...signatureHeaders(d.eventId, timestamp, d.body, secretsOf(d)),
    };
    const outcome = await options.sender.send(d.url, headers, d.body);
    const at = options.now();
    const verdict = verdictFor(d.attempt, outcome, options.retry);
    const result: DeliveryResult = {
      id: d.id,
      endpointId: d.endpointId,
      eventId: d.eventId,
      attempt: d.attempt,
      at,
      state:
        verdict.kind === 'delivered' ? 'delivered' : verdict.kind === 'dead' ? 'dead' : 'pending',
      nextAttemptAt: verdict.kind === 'retry' ? new Date(at.getTime() + verdict.delayMs) : at,
      status: outcome.status,
      latencyMs: outcome.latencyMs,
      error: outcome.error,
      excerpt: outcome.excerpt,
    };
    if (verdict.kind === 'gone') await options.onGone(d);
    results.push([d, result]);
    // Settled only once recorded: the ticket's next event is claimable from then on.
    await flush();
  }

  /** Records finished tries in batches: one transaction for all that finished meanwhile. */
  function flush(): Promise<void> {
    flushing ??= (async () => {
      try {
        while (results.length > 0) {
          const batch = results.splice(0);
          const health = await record(
            db,
            owner,
            batch.map(([, r]) => r),
          );
          for (const [d, r] of batch) {
            options.onResult?.(d, r);
            if (r.state === 'dead')
              await options
                .onDead(d, r, health.get(d.endpointId) ?? null)
                .catch((error: unknown) =>
                  logger.error({ err: error }, 'webhook dead letter failed'),
                );
          }
        }
      } catch (error) {
        logger.error({ err: error }, 'recording webhook deliveries failed');
      } finally {
        flushing = null;
      }
    })();
    return flushing;
  }

  function settle(): void {
    inFlight -= 1;
    signal();
    if (inFlight === 0) for (const done of idle) done();
  }

  function signal(): void {
    woken = true;
    wake?.();
  }

  async function run(): Promise<void> {
    while (!stopped) {
      woken = false;
      const free = options.concurrency - inFlight;
      let taken: ClaimedDelivery[] = [];
      // Claims in batches: a claim per finished delivery would cost a query per delivery.
      if (free > 0 && (inFlight === 0 || free >= Math.ceil(options.concurrency / 4))) {
        try {
          const wallNow = new Date();
          taken = await claim(db, {
            now: options.now(),
            wallNow,
            owner,
            leaseUntil: new Date(wallNow.getTime() + options.leaseMs),
            limit: Math.min(free, 200),
          });
        } catch (error) {
          logger.warn({ err: error }, 'claiming webhook deliveries failed');
        }
      }
      for (const d of taken) {
        inFlight += 1;
        deliver(d)
          .catch((error: unknown) => logger.error({ err: error }, 'webhook delivery failed'))
          .finally(settle);
      }
      if (taken.length > 0 && taken.length === free) continue;
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  }

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      loop = run();
    },
    /** Something may be due now (enqueued here, an endpoint enabled, a retry requested). */
    wake: signal,
    inFlight: () => inFlight,
    async stop(): Promise<void> {
      stopped = true;
      wake?.();
      await loop;
      // A receiver may hang until the timeout: unrecorded tries are sent again once their lease
      // runs out (at least once), so stopping waits only a moment for them.
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          idle.add(resolve);
          setTimeout(resolve, 2000).unref();
        });
      }
      await flush();
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
