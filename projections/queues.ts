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

export async function queueOf(db: SqlExecutor, filter: QueueFilter): Promise<QueueItem[]> {
  const params: unknown[] = [filter.level, filter.states];
  let assigneeFilter = '';
  if (filter.assignee === null) assigneeFilter = 'AND t.assignee IS NULL';
  else if (filter.assignee !== undefined) {
    params.push(filter.assignee);
    assigneeFilter = `AND t.assignee = $${params.length}`;
  }
  params.push(filter.limit);
  const { rows } = await db.query<QueueItem>(
    `SELECT t.id, t.version, t.status, t.level, t.subject, t.requester_email, t.assignee, t.sla_breached,
            to_json(d.due_at) #>> '{}' AS sla_due_at, d.kind AS sla_due_clock,
            to_json(t.created_at) #>> '{}' AS created_at, to_json(t.updated_at) #>> '{}' AS updated_at
     FROM tf_tickets t
     LEFT JOIN LATERAL (
       SELECT due_at, split_part(kind, ':', 1) AS kind FROM tf_sla_timers s
       WHERE s.ticket_id = t.id AND s.kind LIKE '%:breach' ORDER BY due_at LIMIT 1
     ) d ON true
     WHERE t.level = $1 AND t.status = ANY($2::text[]) AND NOT t.imported ${assigneeFilter}
     ORDER BY cardinality(t.sla_breached) = 0, d.due_at ASC NULLS LAST, t.created_at ASC, t.id
     LIMIT $${params.length}`,
    params,
  );
  return rows;
}
