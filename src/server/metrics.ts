import { Gauge, Registry } from 'prom-client';
import type { Database } from '../db/index.ts';
import type { Projector } from '../projector/index.ts';
import type { Workflow } from '../workflow/index.ts';
import type { WebhookService } from '../webhooks/index.ts';

/** Metrics read at scrape time from the read models and the running components. */
export function createMetrics(deps: {
  db: Database;
  projector: Projector;
  workflow: Workflow;
  webhooks?: WebhookService;
}) {
  const registry = new Registry();
  deps.webhooks?.registerMetrics(registry);
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
  // Projection lag (docs/eventstore.md): read once per scrape for the four gauges below.
  let lagRead: { at: number; lags: ReturnType<Projector['lag']> } | null = null;
  const lags = () => {
    if (!lagRead || Date.now() - lagRead.at > 250)
      lagRead = { at: Date.now(), lags: deps.projector.lag() };
    return lagRead.lags;
  };
  const lagGauges: Array<
    [string, string, (lag: Awaited<ReturnType<Projector['lag']>>[number]) => number]
  > = [
    [
      'ticketflow_projection_lag_positions',
      'Log positions between the head of the log and each projection checkpoint',
      (l) => Math.max(0, l.head - l.position),
    ],
    [
      'ticketflow_projection_lag_events',
      'Events a projection handles committed after its checkpoint',
      (l) => l.events,
    ],
    [
      'ticketflow_projection_lag_seconds',
      'Age of the oldest event a projection has not applied yet (0 when caught up)',
      (l) => l.seconds,
    ],
    [
      'ticketflow_projection_leader',
      '1 when this process runs the projection (advisory-lock lease), else 0',
      (l) => (l.leader ? 1 : 0),
    ],
  ];
  for (const [name, help, value] of lagGauges) {
    new Gauge({
      name,
      help,
      labelNames: ['projection'],
      registers: [registry],
      async collect() {
        for (const lag of await lags()) this.set({ projection: lag.name }, value(lag));
      },
    });
  }
  new Gauge({
    name: 'ticketflow_sla_breached_tickets',
    help: 'Tickets whose SLA clock breached, by level and clock (from the tickets read model)',
    labelNames: ['level', 'clock', 'open'],
    registers: [registry],
    async collect() {
      const { rows } = await deps.db.query<{
        level: number | null;
        clock: string;
        open: boolean;
        n: number;
      }>(
        `SELECT level, clock, status NOT IN ('resolved', 'closed') AS open, count(*)::int AS n
         FROM tf_tickets, unnest(sla_breached) AS clock GROUP BY 1, 2, 3`,
      );
      this.reset();
      for (const r of rows)
        this.set(
          { level: String(r.level ?? ''), clock: r.clock, open: String(r.open) },
          Number(r.n),
        );
    },
  });
  new Gauge({
    name: 'ticketflow_sla_timers_overdue',
    help: 'SLA timers (warnings, breaches, auto-closes) due but not yet emitted',
    registers: [registry],
    async collect() {
      const { rows } = await deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM tf_sla_timers WHERE due_at <= now()`,
      );
      this.set(Number(rows[0]?.n ?? 0));
    },
  });
  return {
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
