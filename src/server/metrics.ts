import { Gauge, Registry } from 'prom-client';
import type { Database } from '../db/index.ts';
import type { Projector } from '../projector/index.ts';
import type { Workflow } from '../workflow/index.ts';

/** Metrics read at scrape time from the read models and the running components. */
export function createMetrics(deps: { db: Database; projector: Projector; workflow: Workflow }) {
  const registry = new Registry();
  new Gauge({
    name: 'ticketflow_tickets',
    help: 'Tickets by status (from the tickets read model)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { rows } = await deps.db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM tf_tickets GROUP BY status`,
      );
      this.reset();
      for (const row of rows) this.set({ status: row.status }, Number(row.n));
    },
  });
  new Gauge({
    name: 'ticketflow_tickets_in_flight',
    help: 'Tickets whose automatic steps are running in this process',
    registers: [registry],
    collect() {
      this.set(deps.workflow.inFlightCount());
    },
  });
  new Gauge({
    name: 'ticketflow_projection_lag_positions',
    help: 'Log positions between the head of the log and each projection checkpoint',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      for (const lag of await deps.projector.lag()) {
        this.set({ projection: lag.name }, Math.max(0, lag.head - lag.position));
      }
    },
  });
  return {
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
