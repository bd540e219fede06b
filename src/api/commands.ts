import { Router } from 'express';
import { z } from 'zod';
import type { UserDirectory } from '../auth/index.ts';
import { seesInternalNotes } from '../../machines/index.ts';
import { toTicketView, type Workflow } from '../workflow/index.ts';
import { enforce, principalOf } from './auth.ts';
import { HttpProblem } from './problem.ts';
import { text, ticketIdParam } from './schemas.ts';
import { parse } from './validate.ts';
import { commandResultSchema, type Sent } from './responses.ts';

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
  // Whether a re-level down to 1 carries its answer is the ticket's rule (machines/decide.ts).
  z
    .object({
      type: z.literal('relevel'),
      level,
      reason: text(2000),
      answer: text(20_000).optional(),
    })
    .strict(),
  z.object({ type: z.literal('send_suggestion'), body: text(20_000).optional() }).strict(),
  z.object({ type: z.literal('discard_suggestion'), reason: text(2000).optional() }).strict(),
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
 * (428 without, 412 when stale); requesters may omit it. The ticket module decides: who may
 * (401/403/404), the command's own rules (422), and what the state allows (409 with the state
 * and the commands allowed).
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
    // An assignment names an agent; the ticket's rules check they serve its level.
    const assigneeLevels =
      command.type === 'assign'
        ? ((await deps.users.load(command.agent)).user?.roles.agent?.levels ?? [])
        : undefined;
    const { event, state } = await deps.workflow.execute(id, command, {
      actor: principal,
      expectedVersion,
      requestId: String(req.id),
      assigneeLevels,
    });
    res.set('ETag', `"${state.version}"`).json({
      ticket: toTicketView(state, { internal: seesInternalNotes(principal) }),
      event: {
        id: event.id,
        type: event.type,
        version: state.version,
        timestamp: event.timestamp,
        data: event.data,
        metadata: event.metadata,
      },
    } satisfies Sent<typeof commandResultSchema>);
  });
  return router;
}
