import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import type { KnowledgeBase } from '../llm/index.ts';
import { canSubmitTicket, type Principal } from '../auth/index.ts';
import type { UserDirectory } from '../auth/index.ts';
import { commandBody, enforce, principalOf, problemOf } from '../api/index.ts';
import {
  CommandRefusedError,
  StaleVersionError,
  toTicketView,
  type Workflow,
} from '../workflow/index.ts';
import {
  allowedCommands,
  canCommand,
  canReadTicket,
  commandRoleOf,
  IllegalTransitionError,
  internalEventTypes,
  seesInternalNotes,
  type CommandType,
} from '../../machines/index.ts';
import { listTickets } from '../../projections/index.ts';
import { html, when } from './html.ts';
import { csrfField, sendFragment, sendPage } from './layout.ts';
import { sessionOf } from './session.ts';
import { threadOf } from './thread.ts';
import {
  formatTime,
  statusLabel,
  ticketLive,
  ticketMain,
  type TicketPageModel,
} from './ticketPage.ts';
import type { Typed } from './actions.ts';
import { formText, requireCsrf, WebProblem } from './forms.ts';

export interface WebTicketDeps {
  workflow: Workflow;
  db: Database;
  users: UserDirectory;
  knowledgeBase: KnowledgeBase | undefined;
  /** Longest the form waits for the first answer before showing the ticket (seconds). */
  submitWaitSeconds: number;
}

export const webTicketId = z.object({ id: z.uuid() });

const ticketForm = z.object({
  subject: formText(200).optional(),
  description: formText(20_000),
  email: z.email().max(254).optional(),
  name: formText(200).optional(),
});

/** Who a requester's page names: themselves, "Support" for agents, ticketflow for automation. */
function shownFor(principal: Principal, requesterEmail: string) {
  if (seesInternalNotes(principal)) return (id: string) => id;
  return (id: string) =>
    id === requesterEmail ? 'You' : id === 'workflow' || id === 'system' ? 'ticketflow' : 'Support';
}

export async function loadTicketModel(
  deps: WebTicketDeps,
  res: Response,
  id: string,
  extra: Partial<TicketPageModel> = {},
): Promise<TicketPageModel> {
  const principal = principalOf(res);
  const { events, state } = await deps.workflow.get(id);
  const c = state.snapshot.context;
  const facts = { requesterEmail: c.requester.email, level: c.level };
  enforce(canReadTicket(principal, facts), 'this ticket', id);
  const internal = seesInternalNotes(principal);
  const visible = internal ? events : events.filter((e) => !internalEventTypes.has(e.type));
  const allowed: CommandType[] =
    principal.kind === 'user'
      ? allowedCommands(state, commandRoleOf(principal)).filter(
          (cmd) => canCommand(principal, cmd, facts) === 'ok',
        )
      : [];
  return {
    view: toTicketView(state, { internal }),
    thread: threadOf(visible, shownFor(principal, c.requester.email)),
    principal,
    allowed,
    csrf: sessionOf(res).csrf,
    knowledgeBase: deps.knowledgeBase,
    ...extra,
  };
}

function newTicketForm(principal: Principal, csrf: string, typed: Record<string, string> = {}) {
  const anonymous = principal.kind === 'anonymous';
  return html`<form method="post" action="/tickets" class="stack" aria-labelledby="new-h">
    ${csrfField(csrf)}
    <h2 id="new-h">Describe your problem</h2>
    <label for="subject">Subject (optional)</label>
    <input id="subject" name="subject" maxlength="200" value="${typed.subject ?? ''}" />
    <label for="description">What happened? Write it in your own words.</label>
    <textarea id="description" name="description" rows="6" required>
${typed.description ?? ''}</textarea>
    ${when(
      anonymous,
      () =>
        html`<label for="email">Your email</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="email"
            required
            value="${typed.email ?? ''}"
          />
          <label for="name">Your name (optional)</label>
          <input id="name" name="name" autocomplete="name" value="${typed.name ?? ''}" />`,
    )}
    <button type="submit">Send</button>
  </form>`;
}

export function webTicketRoutes(deps: WebTicketDeps): Router {
  const router = Router();

  router.get('/', (_req, res) => {
    const principal = principalOf(res);
    const home = principal.kind === 'user' ? homeOf(principal) : '/';
    if (home !== '/') return res.redirect(303, home);
    sendPage(
      res,
      { title: 'Get help', principal },
      html`<h1>Get help</h1>
        <p>
          Tell us what is wrong. Most questions get an answer in seconds; the rest go to a person.
        </p>
        ${newTicketForm(principal, sessionOf(res).csrf)}`,
    );
  });

  router.post('/tickets', async (req, res) => {
    const principal = principalOf(res);
    requireCsrf(req, res);
    enforce(canSubmitTicket(principal), 'the ticket form');
    // An empty optional field is an absent one.
    const form = ticketForm.safeParse(nonEmpty(stringFields(req.body)));
    const email = principal.kind === 'user' ? principal.email : form.data?.email;
    if (!form.success || !email) {
      const typed = Object.fromEntries(
        Object.entries((req.body ?? {}) as Record<string, unknown>).filter(
          ([, v]) => typeof v === 'string',
        ),
      ) as Record<string, string>;
      return sendPage(
        res,
        { title: 'Get help', principal, status: 422 },
        html`<h1>Get help</h1>
          <div class="panel error" role="alert">
            Please fill in what
            happened${principal.kind === 'anonymous' ? ' and a valid email' : ''}.
          </div>
          ${newTicketForm(principal, sessionOf(res).csrf, typed)}`,
      );
    }
    const submitted = await deps.workflow.submit({
      ...(form.data.subject ? { subject: form.data.subject } : {}),
      description: form.data.description,
      requester: {
        email: email.toLowerCase(),
        ...(form.data.name ? { name: form.data.name } : {}),
        verified: principal.kind === 'user',
      },
      actor: { id: email.toLowerCase(), role: 'requester' },
      requestId: String(req.id),
    });
    // Like `Prefer: wait`: most tickets are answered within a moment, so show the answer at once.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      submitted.settled.catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, deps.submitWaitSeconds * 1000))),
    ]);
    clearTimeout(timer);
    res.redirect(303, `/tickets/${submitted.ticketId}`);
  });

  router.get('/tickets/:id', async (req, res) => {
    const { id } = parseParams(req);
    const model = await loadTicketModel(deps, res, id, { notice: noticeOf(req.query.done) });
    sendPage(
      res,
      { title: model.view.subject ?? 'Ticket', principal: model.principal, page: 'ticket' },
      ticketMain(model),
    );
  });

  router.get('/tickets/:id/live', async (req, res) => {
    const { id } = parseParams(req);
    sendFragment(res, ticketLive(await loadTicketModel(deps, res, id)));
  });

  router.post('/tickets/:id/commands', async (req, res) => {
    const { id } = parseParams(req);
    const principal = principalOf(res);
    requireCsrf(req, res);
    if (principal.kind !== 'user') return enforce('unauthenticated', 'this form');
    const fields = stringFields(req.body);
    const typed: Typed = { type: fields.type ?? '', fields };
    const version = /^\d{1,15}$/.test(fields.version ?? '') ? Number(fields.version) : undefined;
    try {
      const command = commandBody.parse(commandFromForm(fields));
      const assigneeLevels =
        command.type === 'assign'
          ? ((await deps.users.load(command.agent)).user?.roles.agent?.levels ?? [])
          : undefined;
      // The version the form was rendered at is the If-Match of this write: a reply written
      // against an older version is refused (412), never sent over a newer one.
      await deps.workflow.execute(id, command, {
        actor: principal,
        expectedVersion: version,
        requestId: String(req.id),
        assigneeLevels,
      });
      res.redirect(303, `/tickets/${id}?done=${encodeURIComponent(command.type)}`);
    } catch (error) {
      if (
        !(error instanceof StaleVersionError) &&
        !(error instanceof z.ZodError) &&
        !isRefusal(error)
      )
        throw error;
      const problem = refusalOf(error, req, res);
      const model = await loadTicketModel(deps, res, id, { typed, problem });
      if (error instanceof StaleVersionError && version !== undefined) {
        model.since = { version, entries: model.thread.filter((e) => e.version > version) };
      }
      sendPage(
        res,
        {
          title: model.view.subject ?? 'Ticket',
          principal,
          page: 'ticket',
          status: problem.status,
        },
        ticketMain(model),
      );
    }
  });

  router.get('/my', async (_req, res) => {
    const principal = principalOf(res);
    if (principal.kind !== 'user' || principal.role !== 'requester') {
      enforce(principal.kind === 'anonymous' ? 'unauthenticated' : 'forbidden', 'your tickets');
      return;
    }
    const page = await listTickets(deps.db, {
      requesterEmail: principal.email,
      verifiedOnly: true,
      limit: 100,
    });
    sendPage(
      res,
      { title: 'My tickets', principal },
      html`<h1>My tickets</h1>
        ${
          page.items.length === 0
            ? html`<p>You have no tickets yet. <a href="/">Write one</a>.</p>`
            : html`<table class="list">
                <caption class="visually-hidden">
                  Your tickets, newest first
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Subject</th>
                    <th scope="col">Status</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  ${page.items.map(
                    (t) =>
                      html`<tr>
                        <td><a href="/tickets/${t.id}">${t.subject ?? '(no subject)'}</a></td>
                        <td>
                          <span class="badge status-${t.status}">${statusLabel(t.status)}</span>
                        </td>
                        <td>${formatTime(t.updated_at)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }`,
    );
  });

  return router;
}

/** Where each role starts. */
export function homeOf(p: Principal & { kind: 'user' }): string {
  switch (p.role) {
    case 'agent':
      return `/queues/${p.levels[0] ?? 1}`;
    case 'auditor':
      return '/audit';
    case 'admin':
      return '/admin/users';
    case 'requester':
      return '/';
    default:
      return '/account';
  }
}

const parseParams = (req: Request) => {
  const parsed = webTicketId.safeParse(req.params);
  if (!parsed.success) throw new WebProblem(404, 'Ticket not found', 'no such ticket');
  return parsed.data;
};

const notices: Record<string, string> = {
  claim: 'You claimed this ticket.',
  start: 'Work started.',
  reply: 'Your reply was sent.',
  note: 'Note added.',
  hold: 'Question sent; the ticket waits for the requester.',
  resolve: 'Resolved.',
  release: 'Released to the queue.',
  relevel: 'Moved to another level.',
  assign: 'Assigned.',
  accept_answer: 'Thank you! The ticket is closed.',
  reject_answer: 'Thank you: a support agent will take it from here.',
  reopen: 'Reopened.',
  close: 'Closed.',
  send_suggestion: 'The suggested reply was sent.',
  discard_suggestion: 'Suggestion discarded.',
};
const noticeOf = (done: unknown) => (typeof done === 'string' ? notices[done] : undefined);

const nonEmpty = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v.trim() !== ''));

function stringFields(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** A form's fields → the API's command body (empty optional fields left out). */
function commandFromForm(fields: Record<string, string>): Record<string, unknown> {
  const { type, ...rest } = fields;
  const command: Record<string, unknown> = { type };
  for (const [key, value] of Object.entries(rest)) {
    if (key === 'version' || key === '_csrf' || value.trim() === '') continue;
    command[key] = key === 'level' ? Number(value) : value;
  }
  return command;
}

const isRefusal = (error: unknown) =>
  error instanceof CommandRefusedError || error instanceof IllegalTransitionError;

function refusalOf(error: unknown, req: Request, res: Response) {
  if (error instanceof z.ZodError) {
    return {
      status: 422,
      title: 'Please check the form',
      detail: error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; '),
    };
  }
  const p = problemOf(error, req, res);
  return { status: p.status, title: p.title, detail: p.detail };
}
