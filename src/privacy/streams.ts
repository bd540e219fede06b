/**
 * Which streams hold a person's sealed data, found in the log itself: every sealed group names
 * its person (`metadata.pii[].s`). On PostgreSQL/PGlite through the GIN index `tf_events_pii`;
 * on other stores (in memory, EventStoreDB) by reading the whole log, which suits tests only.
 */
import type { SqlExecutor } from '../db/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import type { SealedFields } from './codec.ts';
import { streamSubjectField } from './fields.ts';

export interface PersonStream {
  streamId: string;
  /** The stream is about them (their ticket, their user), not one they only acted in. */
  owner: boolean;
}

export type StreamsOf = (subjectId: string) => Promise<PersonStream[]>;

const ownerPaths = [...new Set(Object.values(streamSubjectField).map((p) => p.join('.')))];

export function sqlStreamsOf(sql: SqlExecutor): StreamsOf {
  return async (subjectId) => {
    const { rows } = await sql.query<{ stream_id: string; owner: boolean }>(
      `SELECT stream_id, bool_or(${ownerPaths.map((_, i) => `metadata -> 'pii' @> $${i + 2}::jsonb`).join(' OR ')}) AS owner
       FROM tf_events WHERE metadata -> 'pii' @> $1::jsonb
       GROUP BY stream_id ORDER BY stream_id`,
      [
        JSON.stringify([{ s: subjectId }]),
        ...ownerPaths.map((p) => JSON.stringify([{ s: subjectId, p: [p] }])),
      ],
    );
    return rows.map((r) => ({ streamId: r.stream_id, owner: r.owner }));
  };
}

export function scanStreamsOf(store: EventStore): StreamsOf {
  return async (subjectId) => {
    const found = new Map<string, boolean>();
    for (let after = 0; ;) {
      const { events, lastPosition } = await store.readAll({ after, limit: 1000 });
      for (const event of events) {
        const groups = (event.metadata as { pii?: SealedFields[] }).pii ?? [];
        for (const g of groups.filter((group) => group.s === subjectId)) {
          const owner = g.p.some((p) => ownerPaths.includes(p));
          found.set(event.streamId, (found.get(event.streamId) ?? false) || owner);
        }
      }
      if (events.length === 0 || lastPosition === after) break;
      after = lastPosition;
    }
    return [...found].sort().map(([streamId, owner]) => ({ streamId, owner }));
  };
}
