import { Router } from 'express';
import { z } from 'zod';
import { canCommand, type UserDirectory } from '../auth/index.ts';
import { toTicketView, type Workflow } from '../workflow/index.ts';
import { enforce, principalOf } from './auth.ts';
import { HttpProblem } from './problem.ts';
import { ticketIdParam } from './schemas.ts';
import { parse } from './validate.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const level = z.union([z.literal(1), z.literal(2), z.literal(3)]);

/** Every command, validated at the edge; unknown fields are refused. */
export const commandBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('claim') }).strict(),
  z.object({ type: z.literal('assign'), agent: z.email().max(254) }).strict(),
  z.object({ type: z.literal('release'), reason: text(2000).optional() }).strict(),
  z.object({ type: z.literal('start') }).strict(),
  z.object({ type: z.literal('reply'), body: text(20_000) }).strict(),
  z.object({ type: z.literal('note'), body: text(20_000) }).strict(),
  z.object({ type: z.literal('hold'), message: text(20_000) }).strict(),
  z.object({ type: z.literal('resolve'), resolution: text(20_000) }).strict(),
  z.object({ type: z.literal('reopen'), reason: text(2000) }).strict(),
  z
    .object({
      type: z.literal('relevel'),
      level,
      reason: text(2000),
      answer: text(20_000).optional(),
    })
    .strict()
    .refine((c) => c.level !== 1 || c.answer !== undefined, {
      message: 'moving a ticket down to level 1 needs an answer for the requester',
      path: ['answer'],
    }),
  z.object({ type: z.literal('accept_answer') }).strict(),
  z.object({ type: z.literal('reject_answer'), comment: text(2000).optional() }).strict(),
  z
    .object({
      type: z.literal('close'),
      reason: z.enum(['resolved', 'withdrawn']),
      comment: text(2000).optional(),
    })
    .strict(),
]);

/** `If-Match: "<version>"` (or `W/"<version>"`, or a bare number). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (!match) {
    throw new HttpProblem({
      title: 'Invalid If-Match',
      status: 400,
      detail: 'send If-Match: "<version>"',
    });
  }
  return Number(match[1]);
}

/**
 * POST /api/tickets/:id/commands. Agents must send `If-Match` with the version they saw
 * (428 without, 412 when stale); requesters may omit it. The machine refuses what its state
 * does not allow (409 with the state and the commands allowed).
 */
export function commandRoutes(deps: { workflow: Workflow; users: UserDirectory }): Router {
  const router = Router();
  router.post('/tickets/:id/commands', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const principal = principalOf(res);
    if (principal.kind !== 'user') return enforce('unauthenticated', 'commands');
    const command = parse(commandBody, req.body, 'body');
    const expectedVersion = parseIfMatch(req.get('if-match'));
    if (principal.role === 'agent' && expectedVersion === undefined) {
      throw new HttpProblem({
        title: 'Precondition required',
        status: 428,
        detail: 'agent commands need If-Match with the ticket version you saw (its ETag)',
      });
    }
    const role = principal.role === 'agent' ? 'agent' : 'requester';
    // An assignment names an agent who exists and serves the ticket's level (checked below).
    const assignee =
      command.type === 'assign' ? (await deps.users.load(command.agent)).user : undefined;
    const { event, state } = await deps.workflow.execute(id, command, {
      actor: { id: principal.email, role },
      expectedVersion,
      requestId: String(req.id),
      authorize: (current) => {
        const c = current.snapshot.context;
        enforce(
          canCommand(principal, command.type, {
            requesterEmail: c.requester.email,
            level: c.level,
          }),
          `the ${command.type} command on this ticket`,
          id,
        );
        if (command.type === 'assign') {
          const levels = assignee?.roles.agent?.levels ?? [];
          if (c.level === null || !levels.includes(c.level)) {
            throw new HttpProblem({
              title: 'Invalid assignee',
              status: 422,
              detail: `${command.agent} is not an agent of level ${c.level ?? '?'}`,
            });
          }
        }
      },
    });
    res.set('ETag', `"${state.version}"`).json({
      ticket: toTicketView(state),
      event: {
        id: event.id,
        type: event.type,
        version: state.version,
        timestamp: event.timestamp,
        data: event.data,
        metadata: event.metadata,
      },
    });
  });
  return router;
}
