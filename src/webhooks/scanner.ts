import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import { ticketStreamPrefix, type EventType, type StoredEvent } from '../events/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import type { Lease } from '../projector/index.ts';
import { listWebhookEndpoints, type WebhookEndpointRow } from '../../projections/index.ts';
import { CursorMovedError, cursorOf, enqueue } from './deliveries.ts';
import { deliveryOf, withinLevels } from './payload.ts';

export interface ScannerOptions {
  db: Database;
  store: EventStore;
  lease: Lease;
  logger: Logger;
  now: () => Date;
  source: string;
  batchSize?: number;
  /** Called after deliveries were enqueued (wakes this process's dispatcher). */
  onEnqueued: () => void;
}

const leaseName = 'webhook-scanner';

/**
 * Reads the log for every enabled endpoint, through the store's subscription from the endpoint's
 * stored position, and turns each matching event into a delivery (the log is the outbox: nothing
 * is written in the append's transaction). One process scans (an advisory-lock lease, as the
 * projector's); every process delivers. A scanner restarts when its endpoint's settings change.
 */
export function createScanner(options: ScannerOptions) {
  const { db, store, lease, logger } = options;
  const running = new Map<
    string,
    { version: number; stop: AbortController; done: Promise<void> }
  >();
  let stopped = false;

  async function scan(endpoint: WebhookEndpointRow, signal: AbortSignal): Promise<void> {
    let from = await cursorOf(db, endpoint.id, endpoint.createdPosition);
    const types = endpoint.types as EventType[] | null;
    const subscription = store.subscribe({
      from,
      signal,
      batchSize: options.batchSize ?? 500,
      filter: { streamPrefix: ticketStreamPrefix, ...(types ? { types } : {}) },
    });
    let read: StoredEvent[] = [];
    let at = from;
    try {
      for await (const item of subscription) {
        at = item.position;
        if (item.kind === 'event') {
          read.push(item.event);
          if (read.length < (options.batchSize ?? 500)) continue;
        }
        if (at === from) continue;
        const matching = await withinLevels(store, read, endpoint.levels);
        const deliveries = matching.map((e) => deliveryOf(e, endpoint.ordering, options.source));
        await enqueue(db, endpoint.id, from, at, deliveries, options.now());
        from = at;
        read = [];
        if (deliveries.length > 0) options.onEnqueued();
      }
    } finally {
      await subscription.close();
    }
  }

  /** Runs `scan` until stopped; after a failure (another scanner moved the cursor, the database) again. */
  function supervise(endpoint: WebhookEndpointRow) {
    const stop = new AbortController();
    const done = (async () => {
      while (!stop.signal.aborted) {
        try {
          await scan(endpoint, stop.signal);
        } catch (error) {
          if (!(error instanceof CursorMovedError))
            logger.warn({ err: error, endpoint: endpoint.id }, 'webhook scan failed');
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    })();
    running.set(endpoint.id, { version: endpoint.version, stop, done });
  }

  async function halt(endpointId: string): Promise<void> {
    const scanner = running.get(endpointId);
    if (!scanner) return;
    running.delete(endpointId);
    scanner.stop.abort();
    await scanner.done;
  }

  /** Takes or checks the lease and makes the running scanners match the enabled endpoints. */
  async function refresh(): Promise<void> {
    if (stopped) return;
    const leading = lease.holds(leaseName)
      ? await lease.check()
      : await lease.tryAcquire(leaseName).catch(() => false);
    if (!leading || stopped) {
      await Promise.all([...running.keys()].map(halt));
      return;
    }
    const endpoints = await listWebhookEndpoints(db, { enabledOnly: true });
    const wanted = new Map(endpoints.map((e) => [e.id, e]));
    for (const [id, scanner] of running) {
      if (wanted.get(id)?.version !== scanner.version) await halt(id);
    }
    for (const endpoint of endpoints) {
      if (!running.has(endpoint.id) && !stopped) supervise(endpoint);
    }
  }

  return {
    refresh,
    leads: () => lease.holds(leaseName),
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all([...running.keys()].map(halt));
    },
  };
}

export type Scanner = ReturnType<typeof createScanner>;
