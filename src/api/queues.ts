import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { canReadQueue } from '../auth/index.ts';
import { enforce, principalOf } from './auth.ts';
import { parse } from './validate.ts';
import { agentStates } from '../../machines/index.ts';

/** A queue lists the tickets agents work (by default) and, on request, the resolved ones. */
const queueStates = [...agentStates, 'resolved'] as const;

const queueParams = z.object({ level: z.coerce.number().int().min(1).max(3) });
const queueQuery = z
  .object({
    /** An agent's email, `me`, or `none` (unassigned). */
    assignee: z.union([z.literal('me'), z.literal('none'), z.email()]).optional(),
    /** Comma-separated states; default: every open state (not resolved). */
    state: z
      .string()
      .refine((s) => s.split(',').every((x) => (queueStates as readonly string[]).includes(x)), {
        message: `states: ${queueStates.join(', ')}`,
      })
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/**
 * GET /api/queues/:level: the level's open tickets, most urgent first: breached tickets, then by
 * the next SLA breach due (paused clocks have none and come last).
 */
export function queueRoutes(deps: { db: Database }): Router {
  const router = Router();
  router.get('/queues/:level', async (req, res) => {
    const { level } = parse(queueParams, req.params, 'path');
    const principal = principalOf(res);
    enforce(canReadQueue(principal, level), `the level-${level} queue`);
    const q = parse(queueQuery, req.query, 'query');
    const params: unknown[] = [level, q.state ? q.state.split(',') : [...agentStates]];
    let assigneeFilter = '';
    if (q.assignee === 'none') assigneeFilter = 'AND t.assignee IS NULL';
    else if (q.assignee) {
      params.push(
        q.assignee === 'me' && principal.kind === 'user'
          ? principal.email
          : q.assignee.toLowerCase(),
      );
      assigneeFilter = `AND t.assignee = $${params.length}`;
    }
    params.push(q.limit);
    const { rows } = await deps.db.query<{
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
    }>(
      `SELECT t.id, t.version, t.status, t.level, t.subject, t.requester_email, t.assignee, t.sla_breached,
              to_json(d.due_at) #>> '{}' AS sla_due_at, d.kind AS sla_due_clock,
              to_json(t.created_at) #>> '{}' AS created_at, to_json(t.updated_at) #>> '{}' AS updated_at
       FROM tf_tickets t
       LEFT JOIN LATERAL (
         SELECT due_at, split_part(kind, ':', 1) AS kind FROM tf_sla_timers s
         WHERE s.ticket_id = t.id AND s.kind LIKE '%:breach' ORDER BY due_at LIMIT 1
       ) d ON true
       WHERE t.level = $1 AND t.status = ANY($2::text[]) ${assigneeFilter}
       ORDER BY cardinality(t.sla_breached) = 0, d.due_at ASC NULLS LAST, t.created_at ASC, t.id
       LIMIT $${params.length}`,
      params,
    );
    res.json({
      level,
      items: rows.map((r) => ({
        id: r.id,
        version: r.version,
        state: r.status,
        level: r.level,
        subject: r.subject,
        requester: { email: r.requester_email },
        assignee: r.assignee,
        sla: {
          breached: r.sla_breached,
          nextDueAt: r.sla_due_at ? new Date(r.sla_due_at).toISOString() : null,
          nextDueClock: r.sla_due_clock,
        },
        createdAt: new Date(r.created_at).toISOString(),
        updatedAt: new Date(r.updated_at).toISOString(),
      })),
    });
  });
  return router;
}
