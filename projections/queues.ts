import type { SqlExecutor } from '../src/db/index.ts';
import type { SupportLevel } from '../machines/index.ts';

/**
 * A level's queue, read from the tickets read model (tf_tickets) and the SLA timers
 * (tf_sla_timers): breached tickets first, then by the next breach due; paused clocks last.
 * Imported tickets (history, docs/import.md) are in no queue.
 */
export interface QueueFilter {
  level: SupportLevel;
  states: readonly string[];
  /** An agent's email, or null for unassigned tickets; undefined: anyone's. */
  assignee?: string | null | undefined;
  limit: number;
}

export interface QueueItem {
  id: string;
  version: number;
  status: string;
  level: number;
  subject: string | null;
  requester_email: string;
  assignee: string | null;
  sla_breached: string[];
  sla_due_at: string | null;
  sla_due_clock: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Two ordered parts, each cut at `limit`, merged: tickets with a pending breach timer (driven by
 * the breach timers, index tf_sla_timers_breach: only open tickets have them, so their number
 * follows the backlog, not the history),
 * and tickets without one, read in queue order from `tf_tickets_queue_order`. The top `limit` of the
 * whole order is among the top `limit` of each part, so the answer is the single query's, without
 * sorting every ticket of the level: with `state=resolved` that was every resolved ticket ever
 * (docs/benchmarks.md, "How reads grow with history").
 */
export async function queueOf(db: SqlExecutor, filter: QueueFilter): Promise<QueueItem[]> {
  const params: unknown[] = [filter.level];
  const param = (value: unknown) => `$${params.push(value)}`;
  // One state as `=`: an index returns rows in order for `=`, not for `= ANY(array)` (PostgreSQL 15).
  const stateFilter =
    filter.states.length === 1
      ? `t.status = ${param(filter.states[0])}`
      : `t.status = ANY(${param(filter.states)}::text[])`;
  let assigneeFilter = '';
  if (filter.assignee === null) assigneeFilter = 'AND t.assignee IS NULL';
  else if (filter.assignee !== undefined)
    assigneeFilter = `AND t.assignee = ${param(filter.assignee)}`;
  const limit = param(filter.limit);
  // Imported histories (docs/import.md) are never worked: they join no queue.
  const where = `t.level = $1 AND ${stateFilter} AND NOT t.imported ${assigneeFilter}`;
  const breachTimer = `s.kind LIKE '%:breach'`;
  const { rows } = await db.query<QueueItem>(
    `WITH timed AS (
       SELECT DISTINCT ON (s.ticket_id) s.ticket_id, s.due_at, split_part(s.kind, ':', 1) AS kind
       FROM tf_sla_timers s WHERE ${breachTimer} ORDER BY s.ticket_id, s.due_at
     ), candidates AS (
       (SELECT t.*, d.due_at AS due_at, d.kind AS due_kind
        -- OFFSET 0 keeps this a lookup by id per timer: joined, the planner scanned every
        -- ticket of the level and state instead (every resolved ticket, for state=resolved).
        FROM timed d CROSS JOIN LATERAL (SELECT * FROM tf_tickets WHERE id = d.ticket_id OFFSET 0) t
        WHERE ${where}
        ORDER BY cardinality(t.sla_breached) = 0, d.due_at, t.created_at, t.id LIMIT ${limit})
       UNION ALL
       (SELECT t.*, NULL::timestamptz AS due_at, NULL::text AS due_kind
        FROM tf_tickets t
        WHERE ${where}
          AND NOT EXISTS (SELECT 1 FROM tf_sla_timers s WHERE s.ticket_id = t.id AND ${breachTimer})
        ORDER BY cardinality(t.sla_breached) = 0, t.created_at, t.id LIMIT ${limit})
     )
     SELECT c.id, c.version, c.status, c.level, c.subject, c.requester_email, c.assignee, c.sla_breached,
            to_json(c.due_at) #>> '{}' AS sla_due_at, c.due_kind AS sla_due_clock,
            to_json(c.created_at) #>> '{}' AS created_at, to_json(c.updated_at) #>> '{}' AS updated_at
     FROM candidates c
     ORDER BY cardinality(c.sla_breached) = 0, c.due_at ASC NULLS LAST, c.created_at ASC, c.id
     LIMIT ${limit}`,
    params,
  );
  return rows;
}
