import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { canReadAuditLog } from '../auth/index.ts';
import { buildTimeline, type TimelineEntry } from '../audit/index.ts';
import { enforce, eventToJson, principalOf } from '../api/index.ts';
import { toTicketView, type Workflow } from '../workflow/index.ts';
import { listTickets } from '../../projections/index.ts';
import { html, type Html, when } from './html.ts';
import { sendPage } from './layout.ts';
import { formatTime, staffStatusLabel as statusLabel } from './ticketPage.ts';
import { webTicketId } from './ticketRoutes.ts';
import { WebProblem } from './forms.ts';

const versionQuery = z.object({
  version: z.coerce.number().int().min(1).max(1e9).optional().catch(undefined),
});

function stateAt(view: ReturnType<typeof toTicketView>): Html {
  return html`<dl class="facts" data-testid="state-at">
    <div>
      <dt>Status</dt>
      <dd><code data-testid="state-status">${view.status}</code></dd>
    </div>
    <div>
      <dt>Level</dt>
      <dd>${view.level ?? '—'}</dd>
    </div>
    <div>
      <dt>Assignee</dt>
      <dd>${view.assignee ?? 'nobody'}</dd>
    </div>
    <div>
      <dt>Category</dt>
      <dd>${view.category ?? '—'}</dd>
    </div>
    <div>
      <dt>Confidence</dt>
      <dd>${view.confidence === null ? '—' : `${Math.round(view.confidence * 100)}%`}</dd>
    </div>
    <div>
      <dt>Updated</dt>
      <dd>${formatTime(view.updatedAt)}</dd>
    </div>
  </dl>`;
}

function entryHtml(e: TimelineEntry, current: number, json: unknown): Html {
  return html`<li
    class="entry ${e.version === current ? 'current' : ''} ${e.version > current ? 'later' : ''}"
    id="v${e.version}"
    ${e.version === current ? html`aria-current="step"` : ''}
  >
    <div class="meta">
      <strong>v${e.version} ${e.type}</strong> · ${e.actor.id} (${e.actor.role}, ${e.actor.kind}) ·
      ${formatTime(e.at)}
      ${when(e.anomaly, () => html`<span class="badge breached">anomaly</span>`)}
    </div>
    <p>
      ${e.before.status} →
      ${e.after.status}${e.changes.length ? ` · changed: ${e.changes.map((c) => c.path).join(', ')}` : ''}
    </p>
    ${when(e.decision, () => html`<p class="decision">Model ${e.decision!.model} (prompt ${e.decision!.promptVersion ?? '—'}): ${e.decision!.outcome}${e.decision!.classification ? `, level ${e.decision!.classification.level} ${e.decision!.classification.category} at ${Math.round(e.decision!.classification.confidence * 100)}%` : ''}${e.decision!.articles.items.length ? `; articles: ${e.decision!.articles.items.map((a) => a.id).join(', ')}` : ''} · ${e.decision!.latencyMs} ms</p>`)}
    <details>
      <summary>Stored event (JSON)</summary>
      <pre>${JSON.stringify(json, null, 2)}</pre>
    </details>
  </li>`;
}

/** Read-only pages for auditors: the tickets, and each ticket's timeline at any version. */
export function auditPageRoutes(deps: { db: Database; workflow: Workflow }): Router {
  const router = Router();

  router.get('/audit', async (_req, res) => {
    const principal = principalOf(res);
    enforce(canReadAuditLog(principal), 'the audit pages');
    const page = await listTickets(deps.db, { limit: 100 });
    sendPage(
      res,
      { title: 'Tickets', principal },
      html`<h1>Tickets</h1>
        <table class="list">
          <caption class="visually-hidden">
            The newest tickets
          </caption>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Status</th>
              <th scope="col">Requester</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            ${page.items.map(
              (t) =>
                html`<tr>
                  <td><a href="/audit/tickets/${t.id}">${t.subject ?? '(no subject)'}</a></td>
                  <td>${statusLabel(t.status)}</td>
                  <td>${t.requester_email}</td>
                  <td>${formatTime(t.updated_at)}</td>
                </tr>`,
            )}
          </tbody>
        </table>`,
    );
  });

  router.get('/audit/tickets/:id', async (req, res) => {
    const principal = principalOf(res);
    enforce(canReadAuditLog(principal), 'the audit pages');
    const parsed = webTicketId.safeParse(req.params);
    if (!parsed.success) throw new WebProblem(404, 'Ticket not found', 'no such ticket');
    const { id } = parsed.data;
    const { events } = await deps.workflow.get(id);
    if (events.length === 0)
      throw new WebProblem(404, 'Ticket not found', `ticket ${id} not found`);
    const last = events.length;
    const version = Math.min(versionQuery.parse(req.query).version ?? last, last);
    const timeline = buildTimeline(id, events);
    const at = await deps.workflow.get(id, { version });
    const view = toTicketView(at.state, { internal: true });
    const nav = (v: number, label: string, rel: string) =>
      v >= 1 && v <= last && v !== version
        ? html`<a href="/audit/tickets/${id}?version=${v}#v${v}" rel="${rel}">${label}</a>`
        : html`<span aria-disabled="true" class="disabled">${label}</span>`;
    sendPage(
      res,
      { title: `Timeline of ${view.subject ?? id}`, principal, page: 'audit' },
      html`<h1>Timeline: ${view.subject ?? id}</h1>
        <p>Read-only. The state at a version is the ticket's events up to it, folded again.</p>
        <form method="get" action="/audit/tickets/${id}" class="versions" aria-label="Version">
          ${nav(version - 1, '← Previous', 'prev')}
          <label for="version"
            >Version <output for="version" data-testid="version-shown">${version}</output> of
            ${last}</label
          >
          <input
            type="range"
            id="version"
            name="version"
            min="1"
            max="${last}"
            value="${version}"
          />
          <button type="submit">Show this version</button>
          ${nav(version + 1, 'Next →', 'next')}
        </form>
        <section aria-labelledby="state-h">
          <h2 id="state-h">State at version ${version}</h2>
          ${stateAt(view)}
        </section>
        <section aria-labelledby="tl-h">
          <h2 id="tl-h">Events</h2>
          <ol class="timeline">
            ${timeline.entries.map((e, i) => entryHtml(e, version, eventToJson(events[i]!)))}
          </ol>
        </section>`,
    );
  });
  return router;
}
