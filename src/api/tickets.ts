import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import type { StoredEvent } from '../events/index.ts';
import { toTicketView, type Workflow } from '../workflow/index.ts';
import {
  citationSchema,
  canReadTicket,
  internalEventTypes,
  seesInternalNotes,
  type SupportLevel,
  type TicketState,
} from '../../machines/index.ts';
import { canListTickets, canSubmitTicket, type Principal } from '../auth/index.ts';
import {
  listTickets,
  publicResponseKinds,
  responsesOf,
  type ResponseKind,
} from '../../projections/index.ts';
import { enforce, principalOf } from './auth.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { HttpProblem } from './problem.ts';
import {
  createTicketBody,
  listTicketsQuery,
  parsePreferWait,
  stateQuery,
  ticketIdParam,
} from './schemas.ts';
import { parse } from './validate.ts';
import {
  responseListSchema,
  ticketEventsSchema,
  ticketListSchema,
  ticketStateSchema,
  ticketViewSchema,
  type Sent,
} from './responses.ts';

export interface TicketRoutesDeps {
  workflow: Workflow;
  db: Database;
  maxWaitSeconds: number;
}

export function eventToJson(event: StoredEvent) {
  return {
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    version: event.version,
    position: event.position,
    schemaVersion: event.schemaVersion,
    timestamp: event.timestamp,
    data: event.data,
    metadata: event.metadata,
  };
}

/** The citations a response row stores (jsonb, written from a validated event): a list, or none. */
const citationList = z.array(citationSchema);
const citationsOf = (stored: unknown) => citationList.safeParse(stored).data ?? [];

export function ticketRoutes(deps: TicketRoutesDeps): Router {
  const { workflow, db } = deps;
  const router = Router();

  /** Loads a ticket the caller may read; another requester's ticket is "not found", like a missing one. */
  async function readable(
    principal: Principal,
    id: string,
    at: Parameters<Workflow['get']>[1] = {},
  ) {
    const ticket = await workflow.get(id, at);
    const c = ticket.state.snapshot.context;
    enforce(
      canReadTicket(principal, { requesterEmail: c.requester.email, level: c.level }),
      'this ticket',
      id,
    );
    return ticket;
  }

  router.post('/tickets', async (req, res) => {
    if (!req.is('application/json')) {
      throw new HttpProblem({
        title: 'Unsupported media type',
        status: 415,
        detail: 'send application/json',
      });
    }
    const principal = principalOf(res);
    enforce(canSubmitTicket(principal), 'POST /api/tickets');
    const raw = req.body as Record<string, unknown> | undefined;
    // A requester with a token is the requester: the body's email may be omitted, never another's.
    const withRequester =
      principal.kind === 'user' && raw && typeof raw === 'object' && raw.requester === undefined
        ? { ...raw, requester: { email: principal.email } }
        : raw;
    const body = parse(createTicketBody, withRequester, 'body');
    if (principal.kind === 'user' && body.requester.email.toLowerCase() !== principal.email) {
      throw new HttpProblem({
        title: 'Forbidden',
        status: 403,
        detail: 'a requester files tickets under their own email',
      });
    }
    const idempotencyKey = req.get('idempotency-key');
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
      throw new HttpProblem({
        title: 'Invalid Idempotency-Key',
        status: 400,
        detail: 'use 1-200 visible ASCII characters',
      });
    }
    const wait = parsePreferWait(req.get('prefer'), deps.maxWaitSeconds);
    const submitted = await workflow.submit({
      ...body,
      // Anonymous: the email is not proved, whoever it belongs to (docs/auth.md). The answer is the
      // same for a registered user's email as for any other, so it reveals no account.
      requester: {
        ...body.requester,
        email: body.requester.email.toLowerCase(),
        verified: principal.kind === 'user',
      },
      idempotencyKey,
      actor: { id: body.requester.email.toLowerCase(), role: 'requester' },
      requestId: String(req.id),
    });
    // The state the runner settled on is the stream's state: no need to read it back.
    let settled: TicketState | undefined;
    if (wait) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        submitted.settled.then(
          (state) => void (settled = state),
          () => undefined,
        ),
        new Promise((resolve) => (timer = setTimeout(resolve, wait * 1000))),
      ]);
      clearTimeout(timer);
      res.set('Preference-Applied', `wait=${wait}`);
    }
    const state = settled ?? (await workflow.get(submitted.ticketId)).state;
    if (submitted.replayed) res.set('Idempotent-Replayed', 'true');
    res
      .status(201)
      .location(`/api/tickets/${submitted.ticketId}`)
      .json(toTicketView(state) satisfies Sent<typeof ticketViewSchema>);
  });

  router.get('/tickets', async (req, res) => {
    const principal = principalOf(res);
    enforce(canListTickets(principal), 'GET /api/tickets');
    const q = parse(listTicketsQuery, req.query, 'query');
    // Requesters list only their own tickets, whatever they ask for, and only those they filed
    // with their token: anyone may file under their email anonymously (docs/auth.md).
    const ownOnly = principal.kind === 'user' && principal.role === 'requester';
    if (ownOnly) q.requester = principal.email;
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const page = await listTickets(db, {
      statuses: q.status?.split(','),
      level: q.level as SupportLevel | undefined,
      requesterEmail: q.requester?.toLowerCase(),
      verifiedOnly: ownOnly,
      after,
      limit: q.limit,
    });
    const last = page.items.at(-1);
    res.json({
      items: page.items.map((row) => ({
        id: row.id,
        status: row.status,
        version: row.version,
        level: row.level,
        category: row.category,
        confidence: row.confidence,
        subject: row.subject,
        requester: { email: row.requester_email, verified: row.requester_verified },
        escalationReason: row.escalation_reason,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      })),
      nextCursor:
        page.more && last ? encodeCursor({ createdAt: last.created_at_key, id: last.id }) : null,
    } satisfies Sent<typeof ticketListSchema>);
  });

  router.get('/tickets/:id', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const principal = principalOf(res);
    const { state } = await readable(principal, id);
    const internal = seesInternalNotes(principal);
    res.set('ETag', `"${state.version}"`).json(toTicketView(state, { internal }));
  });

  router.get('/tickets/:id/events', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const principal = principalOf(res);
    const { events } = await readable(principal, id);
    const visible = seesInternalNotes(principal)
      ? events
      : events.filter((e) => !internalEventTypes.has(e.type));
    res.json({ ticketId: id, events: visible.map(eventToJson) } satisfies Sent<
      typeof ticketEventsSchema
    >);
  });

  router.get('/tickets/:id/responses', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const principal = principalOf(res);
    await readable(principal, id);
    const kinds: readonly ResponseKind[] = seesInternalNotes(principal)
      ? [...publicResponseKinds, 'internal_note']
      : publicResponseKinds;
    const rows = await responsesOf(db, id, kinds);
    res.json({
      ticketId: id,
      items: rows.map((r) => ({
        id: r.event_id,
        kind: r.kind,
        body: r.body,
        citations: citationsOf(r.citations),
        author: r.author,
        createdAt: new Date(r.created_at).toISOString(),
      })),
    } satisfies Sent<typeof responseListSchema>);
  });

  router.get('/tickets/:id/state', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const q = parse(stateQuery, req.query, 'query');
    const principal = principalOf(res);
    const { events, state } = await readable(principal, id, {
      ...(q.version ? { version: q.version } : {}),
      ...(q.at ? { time: new Date(q.at) } : {}),
    });
    if (q.version && state.version < q.version) {
      throw new HttpProblem({
        title: 'Version not found',
        status: 404,
        detail: `ticket ${id} has ${state.version} events`,
        latestVersion: state.version,
      });
    }
    res.json({
      ...toTicketView(state, { internal: seesInternalNotes(principal) }),
      replayedFrom: { events: events.length, lastEventId: events.at(-1)?.id ?? null },
    } satisfies Sent<typeof ticketStateSchema>);
  });

  return router;
}
