import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { canReadQueue } from '../auth/index.ts';
import { enforce, principalOf } from '../api/index.ts';
import { statusesTagged, type SupportLevel } from '../../machines/index.ts';
import { queueOf, type QueueItem } from '../../projections/index.ts';
import { html, type Html } from './html.ts';
import { sendFragment, sendPage } from './layout.ts';
import { staffStatusLabel as statusLabel } from './ticketPage.ts';
import { WebProblem } from './forms.ts';

const agentStates = statusesTagged('agent');
const queueParams = z.object({ level: z.enum(['1', '2', '3']).transform(Number) });
const queueFilters = z.object({
  who: z.enum(['all', 'mine', 'unassigned']).catch('all'),
  state: z
    .string()
    .refine((s) => s === 'open' || (agentStates as readonly string[]).includes(s))
    .catch('open'),
});
type Filters = z.infer<typeof queueFilters>;

/** Within this long of its due time a clock shows as a warning. */
const warnWithinMs = 30 * 60_000;

function dueBadge(row: QueueItem, now: number): Html {
  if (row.sla_breached.length > 0) {
    return html`<span class="badge breached" data-due="${row.sla_due_at ?? ''}"
      >breached (${row.sla_breached.join(', ').replaceAll('_', ' ')})</span
    >`;
  }
  if (!row.sla_due_at) return html`<span class="badge">paused</span>`;
  const due = new Date(row.sla_due_at).getTime();
  const left = due - now;
  const cls = left <= 0 ? 'breached' : left < warnWithinMs ? 'warning' : 'ok';
  return html`<span class="badge ${cls} countdown" data-due="${new Date(due).toISOString()}"
    >${countdownText(left)}</span
  >`;
}

/** "in 1 h 5 min" / "5 min overdue" (app.js keeps it current). */
export function countdownText(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const text =
    minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
  return ms >= 0 ? `due in ${text}` : `${text} overdue`;
}

function rows(items: QueueItem[]): Html {
  const now = Date.now();
  if (items.length === 0)
    return html`<tr>
      <td colspan="5">No tickets here.</td>
    </tr>`;
  return html`${items.map(
    (r) =>
      html`<tr data-row="${r.id}">
        <td><a href="/tickets/${r.id}" class="row-link">${r.subject ?? '(no subject)'}</a></td>
        <td><span class="badge status-${r.status}">${statusLabel(r.status)}</span></td>
        <td>${r.assignee ?? 'unassigned'}</td>
        <td>${dueBadge(r, now)}</td>
        <td>${r.requester_email}</td>
      </tr>`,
  )}`;
}

async function load(db: Database, res: Response, level: SupportLevel, f: Filters) {
  const principal = principalOf(res);
  enforce(canReadQueue(principal, level), `the level-${level} queue`);
  return queueOf(db, {
    level,
    states: f.state === 'open' ? agentStates : [f.state],
    assignee:
      f.who === 'unassigned'
        ? null
        : f.who === 'mine' && principal.kind === 'user'
          ? principal.email
          : undefined,
    limit: 100,
  });
}

function filterForm(level: number, f: Filters): Html {
  const option = (value: string, label: string, current: string) =>
    html`<option value="${value}" ${value === current ? 'selected' : ''}>${label}</option>`;
  return html`<form method="get" action="/queues/${level}" class="filters" aria-label="Filters">
    <label for="who">Show</label>
    <select id="who" name="who">
      ${option('all', 'everyone’s', f.who)}${option('mine', 'mine', f.who)}${option('unassigned', 'unassigned', f.who)}
    </select>
    <label for="state">State</label>
    <select id="state" name="state">
      ${option('open', 'every open state', f.state)}${agentStates.map((s) => option(s, statusLabel(s), f.state))}
    </select>
    <button type="submit">Filter</button>
  </form>`;
}

export function queueRoutes(deps: { db: Database }): Router {
  const router = Router();
  const parse = (params: unknown) => {
    const p = queueParams.safeParse(params);
    if (!p.success)
      throw new WebProblem(404, 'Not found', 'there are queues for levels 1, 2 and 3');
    return p.data.level as SupportLevel;
  };

  router.get('/queues/:level', async (req, res) => {
    const level = parse(req.params);
    const f = queueFilters.parse(req.query);
    const items = await load(deps.db, res, level, f);
    const query = new URLSearchParams(f).toString();
    sendPage(
      res,
      { title: `Level ${level} queue`, principal: principalOf(res), page: 'queue' },
      html`<h1>Level ${level} queue</h1>
        <p class="hint">
          Most urgent first. Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> opens,
          <kbd>?</kbd> lists every key.
        </p>
        ${filterForm(level, f)}
        <div hx-ext="sse" sse-connect="/live/queues">
          <table class="list queue">
            <caption class="visually-hidden">
              Tickets of level ${level}, by SLA due time
            </caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">State</th>
                <th scope="col">Assignee</th>
                <th scope="col">SLA</th>
                <th scope="col">Requester</th>
              </tr>
            </thead>
            <tbody
              id="queue-rows"
              hx-get="/queues/${level}/rows?${query}"
              hx-trigger="sse:changed"
              hx-swap="innerHTML"
            >
              ${rows(items)}
            </tbody>
          </table>
        </div>`,
    );
  });

  router.get('/queues/:level/rows', async (req, res) => {
    const level = parse(req.params);
    sendFragment(res, rows(await load(deps.db, res, level, queueFilters.parse(req.query))));
  });
  return router;
}
