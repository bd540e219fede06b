import { ticketIdOfStream, type StoredEvent } from '../src/events/index.ts';
import type { Migration } from '../src/db/index.ts';
import { liveTable, type Projection } from '../src/projector/index.ts';
import {
  evolveSla,
  initialSlaState,
  timersOf,
  type SlaSettings,
  type SlaState,
} from '../src/sla/index.ts';
import { replaceTimers } from '../src/sla/index.ts';
import { writeRows } from '../src/projector/index.ts';
import { ticketEventTypes } from '../machines/index.ts';

const ticketIdOf = (event: StoredEvent) => ticketIdOfStream(event.streamId);

/** The tables do not depend on the SLA policy: the migrations are the same for every setting. */
export const slaTimersMigrations: Migration[] = [
  {
    id: '160_sla',
    statements: [
      `CREATE TABLE tf_sla_clocks (
        ticket_id uuid PRIMARY KEY,
        version integer NOT NULL,
        state jsonb NOT NULL
      )`,
      `CREATE TABLE tf_sla_timers (
        ticket_id uuid NOT NULL,
        kind text NOT NULL,
        due_at timestamptz NOT NULL,
        version integer NOT NULL,
        leased_until timestamptz,
        PRIMARY KEY (ticket_id, kind)
      )`,
      `CREATE INDEX tf_sla_timers_due ON tf_sla_timers (due_at)`,
    ],
  },
  {
    // The queues' breach timers (projections/queues.ts) without reading every other timer: a
    // resolved ticket keeps its auto-close timer until it closes.
    id: '161_sla_breach_timers',
    statements: [
      `CREATE INDEX tf_sla_timers_breach ON tf_sla_timers (ticket_id, due_at) WHERE kind LIKE '%:breach'`,
    ],
  },
];

/**
 * SLA clocks and their due timers, derived from ticket events: `tf_sla_clocks` keeps each ticket's
 * folded clock state, `tf_sla_timers` the instants at which a warning, a breach or an auto-close
 * falls due. The scheduler (src/sla/scheduler.ts) claims due rows; the events stay the truth.
 * The due instants depend on the configured policy, hence a factory.
 */
export function slaTimersProjection(settings: SlaSettings): Projection {
  return {
    name: 'sla_timers',
    tables: ['tf_sla_clocks', 'tf_sla_timers'],
    migrations: slaTimersMigrations,
    handles: ticketEventTypes,

    async apply(tx, events, table = liveTable) {
      const ids = [...new Set(events.map(ticketIdOf))];
      const { rows } = await tx.query<{ ticket_id: string; state: SlaState }>(
        `SELECT ticket_id, state FROM ${table('tf_sla_clocks')} WHERE ticket_id = ANY($1::uuid[])`,
        [ids],
      );
      const states = new Map(rows.map((r) => [r.ticket_id, r.state]));
      const changed = new Set<string>();
      const hadTimers = new Set<string>();
      for (const event of events) {
        // Imported history (docs/import.md) runs no clock: no timer, so no breach written today.
        if (event.metadata.import) continue;
        const id = ticketIdOf(event);
        const before = states.get(id) ?? initialSlaState();
        if (before.version >= event.version) continue; // a re-delivered event
        if (!changed.has(id) && timersOf(before, settings).length > 0) hadTimers.add(id);
        states.set(id, evolveSla(before, event));
        changed.add(id);
      }
      if (changed.size === 0) return;
      const docs = [...changed].map((id) => ({
        ticket_id: id,
        version: states.get(id)!.version,
        state: states.get(id),
      }));
      await writeRows(tx, 'upsert', table('tf_sla_clocks'), ['ticket_id'], docs);
      const replaced = [...changed].flatMap((id) => {
        const state = states.get(id)!;
        const timers = timersOf(state, settings);
        // Most tickets never reach an agent: no timers before or after, nothing to write.
        if (timers.length === 0 && !hadTimers.has(id)) return [];
        return [{ ticketId: id, version: state.version, timers }];
      });
      await replaceTimers(tx, replaced, { table: table('tf_sla_timers') });
    },
  };
}
