import { Router } from 'express';
import type { Database } from '../db/index.ts';
import type { StoredEvent } from '../events/index.ts';
import { toTicketView, type Workflow } from '../workflow/index.ts';
import type { TicketState } from '../../machines/index.ts';
import {
  canListTickets,
  canReadTicket,
  canSubmitTicket,
  seesInternalNotes,
  type Principal,
} from '../auth/index.ts';
import { publicResponseKinds } from '../../projections/index.ts';
import { enforce, principalOf } from './auth.ts';
import { HttpProblem } from './problem.ts';
import {
  createTicketBody,
  listTicketsQuery,
  parsePreferWait,
  stateQuery,
  ticketIdParam,
} from './schemas.ts';
import { parse } from './validate.ts';

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

const encodeCursor = (createdAt: string, id: string) =>
  Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      /^[0-9a-f-]{36}$/.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through to the problem below
  }
  throw new HttpProblem({
    title: 'Invalid cursor',
    status: 400,
    detail: 'the cursor is not one this API returned',
  });
}

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
      requester: { ...body.requester, email: body.requester.email.toLowerCase() },
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
    res.status(201).location(`/api/tickets/${submitted.ticketId}`).json(toTicketView(state));
  });

  router.get('/tickets', async (req, res) => {
    const principal = principalOf(res);
    enforce(canListTickets(principal), 'GET /api/tickets');
    const q = parse(listTicketsQuery, req.query, 'query');
    // Requesters list only their own tickets, whatever they ask for.
    if (principal.kind === 'user' && principal.role === 'requester') q.requester = principal.email;
    const params: unknown[] = [];
    const where: string[] = [];
    if (q.status) {
      params.push(q.status.split(','));
      where.push(`status = ANY($${params.length}::text[])`);
    }
    if (q.level) {
      params.push(q.level);
      where.push(`level = $${params.length}`);
    }
    if (q.requester) {
      params.push(q.requester.toLowerCase());
      where.push(`requester_email = $${params.length}`);
    }
    if (q.cursor) {
      const [createdAt, id] = decodeCursor(q.cursor);
      params.push(createdAt, id);
      where.push(
        `(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
      );
    }
    params.push(q.limit + 1);
    const { rows } = await db.query<
      Record<string, unknown> & { id: string; created_at_iso: string }
    >(
      `SELECT id, version, status, level, category, confidence, subject, requester_email, escalation_reason,
              created_at, updated_at, to_json(created_at) #>> '{}' AS created_at_iso
       FROM tf_tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    res.json({
      items: page.map(({ created_at_iso: _iso, ...row }) => ({
        id: row.id,
        status: row.status,
        version: row.version,
        level: row.level,
        category: row.category,
        confidence: row.confidence,
        subject: row.subject,
        requester: { email: row.requester_email },
        escalationReason: row.escalation_reason,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      })),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.created_at_iso, last.id) : null,
    });
  });

  router.get('/tickets/:id', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const { state } = await readable(principalOf(res), id);
    res.set('ETag', `"${state.version}"`).json(toTicketView(state));
  });

  router.get('/tickets/:id/events', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const principal = principalOf(res);
    const { events } = await readable(principal, id);
    const visible = seesInternalNotes(principal)
      ? events
      : events.filter((e) => e.type !== 'InternalNoteAdded');
    res.json({ ticketId: id, events: visible.map(eventToJson) });
  });

  router.get('/tickets/:id/responses', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const principal = principalOf(res);
    await readable(principal, id);
    const kinds = seesInternalNotes(principal)
      ? [...publicResponseKinds, 'internal_note']
      : publicResponseKinds;
    const { rows } = await db.query<{
      event_id: string;
      kind: string;
      body: string;
      citations: unknown;
      author: string;
      created_at: string;
    }>(
      `SELECT event_id, kind, body, citations, author, to_json(created_at) #>> '{}' AS created_at
       FROM tf_responses WHERE ticket_id = $1 AND kind = ANY($2::text[]) ORDER BY created_at, event_id`,
      [id, kinds],
    );
    res.json({
      ticketId: id,
      items: rows.map((r) => ({
        id: r.event_id,
        kind: r.kind,
        body: r.body,
        citations: r.citations,
        author: r.author,
        createdAt: new Date(r.created_at).toISOString(),
      })),
    });
  });

  router.get('/tickets/:id/state', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const q = parse(stateQuery, req.query, 'query');
    const { events, state } = await readable(principalOf(res), id, {
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
      ...toTicketView(state),
      replayedFrom: { events: events.length, lastEventId: events.at(-1)?.id ?? null },
    });
  });

  return router;
}
