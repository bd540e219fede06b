import { Counter, Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/index.ts';
import type { DeliveryResult } from './deliveries.ts';

/**
 * Webhook metrics: tries by endpoint and outcome (counted in this process), and per endpoint the
 * pending deliveries and the age of the oldest (the lag), read from the delivery table at scrape.
 */
export function createWebhookMetrics(db: Database, now: () => Date) {
  const counted: Array<(registry: Registry) => void> = [];
  let deliveries: Counter<'endpoint' | 'outcome'> | null = null;
  let failures: Counter<'endpoint'> | null = null;
  counted.push((registry) => {
    deliveries = new Counter({
      name: 'ticketflow_webhook_deliveries_total',
      help: 'Webhook tries by endpoint and outcome (delivered, retry, dead), in this process',
      labelNames: ['endpoint', 'outcome'],
      registers: [registry],
    });
    failures = new Counter({
      name: 'ticketflow_webhook_failures_total',
      help: 'Webhook tries that failed (no 2xx), in this process',
      labelNames: ['endpoint'],
      registers: [registry],
    });
    new Gauge({
      name: 'ticketflow_webhook_pending',
      help: 'Deliveries not yet made, per endpoint',
      labelNames: ['endpoint'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await pendingByEndpoint()) this.set({ endpoint: r.endpoint }, r.pending);
      },
    });
    new Gauge({
      name: 'ticketflow_webhook_lag_seconds',
      help: 'Age of the oldest event not yet delivered, per endpoint (0 when none)',
      labelNames: ['endpoint'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await pendingByEndpoint()) this.set({ endpoint: r.endpoint }, r.lag);
      },
    });
  });

  async function pendingByEndpoint() {
    const { rows } = await db.query<{ endpoint: string; n: number; oldest: string | null }>(
      `SELECT endpoint_id::text AS endpoint, count(*)::int AS n, min(event_time) AS oldest
       FROM tf_webhook_deliveries WHERE state = 'pending' GROUP BY endpoint_id`,
    );
    return rows.map((r) => ({
      endpoint: r.endpoint,
      pending: Number(r.n),
      lag: r.oldest ? Math.max(0, (now().getTime() - new Date(r.oldest).getTime()) / 1000) : 0,
    }));
  }

  return {
    register(registry: Registry): void {
      for (const add of counted) add(registry);
    },
    count(result: DeliveryResult): void {
      const outcome = result.state === 'pending' ? 'retry' : result.state;
      deliveries?.inc({ endpoint: result.endpointId, outcome });
      if (result.state !== 'delivered') failures?.inc({ endpoint: result.endpointId });
    },
  };
}
