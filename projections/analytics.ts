import type { SqlExecutor } from '../src/db/index.ts';
import { ticketIdOfStream } from '../src/events/index.ts';
import { liveTable, writeRows, type Projection } from '../src/projector/index.ts';
import type { SlaSettings } from '../src/sla/index.ts';
import { ticketEventTypes } from '../machines/index.ts';
import { evolveAnalytics, type AnalyticsTicket } from './analyticsTicket.ts';

const columns = [
  'ticket_id',
  'source',
  'received_at',
  'level',
  'final_level',
  'auto_answered',
  'answer_accepted',
  'answer_rejected',
  'escalated',
  'reopened',
  'level_ups',
  'level_downs',
  'level_returns',
  'rework',
  'first_response_at',
  'resolved_at',
  'closed_at',
  'last_at',
  'first_response_ms',
  'resolution_ms',
  'sla_first_response_met',
  'sla_resolution_met',
  'variant',
  'model_calls',
  'model_latency_ms',
  'model_tokens',
  'state',
] as const;

/** Timestamps read back as ISO text, as the fold writes them. */
const selectColumns = columns
  .map((c) => (c.endsWith('_at') ? `to_json(${c}) #>> '{}' AS ${c}` : c))
  .join(', ');

/**
 * The reports' read model (docs/analytics.md): one row per ticket with what the reports count and
 * time, folded from the log by the projector like every read model; reports aggregate these rows
 * (projections/analyticsQueries.ts) and never scan the log. SLA compliance reads the configured
 * targets, hence a factory (a changed policy needs `projections rebuild analytics`).
 */
export function analyticsProjection(sla: SlaSettings): Projection {
  return {
    name: 'analytics',
    tables: ['tf_analytics_tickets'],
    migrations: analyticsMigrations,
    handles: ticketEventTypes,
    async apply(tx: SqlExecutor, events, table = liveTable) {
      const ids = [...new Set(events.map((e) => ticketIdOfStream(e.streamId)))];
      const { rows } = await tx.query<AnalyticsTicket & { version: number }>(
        `SELECT ${selectColumns}, version FROM ${table('tf_analytics_tickets')} WHERE ticket_id = ANY($1::uuid[])`,
        [ids],
      );
      const current = new Map(rows.map((r) => [r.ticket_id, r]));
      const changed = new Map<string, AnalyticsTicket & { version: number }>();
      for (const event of events) {
        const id = ticketIdOfStream(event.streamId);
        const before = current.get(id);
        if (before && before.version >= event.version) continue; // a re-delivered event
        const after = evolveAnalytics(before, event, sla);
        if (!after) continue;
        const row = { ...after, version: event.version };
        current.set(id, row);
        changed.set(id, row);
      }
      await writeRows(tx, 'upsert', table('tf_analytics_tickets'), ['ticket_id'], [
        ...changed.values(),
      ] as unknown as Record<string, unknown>[]);
    },
  };
}

export const analyticsMigrations = [
  {
    id: '170_analytics',
    statements: [
      `CREATE TABLE tf_analytics_tickets (
        ticket_id uuid PRIMARY KEY,
        version integer NOT NULL,
        source text NOT NULL,
        received_at timestamptz NOT NULL,
        level smallint,
        final_level smallint,
        auto_answered boolean NOT NULL,
        answer_accepted boolean NOT NULL,
        answer_rejected boolean NOT NULL,
        escalated boolean NOT NULL,
        reopened integer NOT NULL,
        level_ups integer NOT NULL,
        level_downs integer NOT NULL,
        level_returns integer NOT NULL,
        rework integer NOT NULL,
        first_response_at timestamptz,
        resolved_at timestamptz,
        closed_at timestamptz,
        last_at timestamptz NOT NULL,
        first_response_ms bigint,
        resolution_ms bigint,
        sla_first_response_met boolean,
        sla_resolution_met boolean,
        variant text NOT NULL,
        model_calls integer NOT NULL,
        model_latency_ms double precision NOT NULL,
        model_tokens integer NOT NULL,
        state jsonb NOT NULL
      )`,
      `CREATE INDEX tf_analytics_received ON tf_analytics_tickets (source, received_at)`,
    ],
  },
];
