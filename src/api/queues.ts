import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { canReadQueue } from '../auth/index.ts';
import { enforce, principalOf } from './auth.ts';
import { parse } from './validate.ts';
import { statusesTagged, type SupportLevel } from '../../machines/index.ts';
import { queueOf } from '../../projections/index.ts';

/** The states in which agents work a ticket: the machine's `agent` tag. */
const agentStates = statusesTagged('agent');
/** A queue lists the tickets agents work (by default) and, on request, the resolved ones. */
const queueStates: readonly string[] = [...agentStates, 'resolved'];

export const queueParams = z.object({ level: z.coerce.number().int().min(1).max(3) });
export const queueQuery = z
  .object({
    /** An agent's email, `me`, or `none` (unassigned). */
    assignee: z.union([z.literal('me'), z.literal('none'), z.email()]).optional(),
    /** Comma-separated states; default: every open state (not resolved). */
    state: z
      .string()
      .refine((s) => s.split(',').every((x) => queueStates.includes(x)), {
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
    const rows = await queueOf(deps.db, {
      level: level as SupportLevel,
      states: q.state ? q.state.split(',') : agentStates,
      assignee:
        q.assignee === 'none'
          ? null
          : q.assignee === 'me' && principal.kind === 'user'
            ? principal.email
            : q.assignee?.toLowerCase(),
      limit: q.limit,
    });
    // Described by `queueSchema` (src/api/responses.ts): the read model's rows type their states
    // and clocks as plain strings, so the API tests check this answer rather than the compiler.
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
