import type { Principal } from '../auth/index.ts';
import type { KnowledgeBase } from '../llm/index.ts';
import type { TicketView } from '../workflow/index.ts';
import type { CommandType } from '../../machines/index.ts';
import { html, type Html, when } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import type { ThreadEntry } from './thread.ts';
import { actionsPanel, type Typed } from './actions.ts';

export interface TicketPageModel {
  view: TicketView;
  thread: ThreadEntry[];
  principal: Principal;
  allowed: CommandType[];
  csrf: string;
  knowledgeBase: KnowledgeBase | undefined;
  /** Text the person typed, kept when a command was refused (never lost). */
  typed?: Typed | undefined;
  /** A refusal to explain above the actions. */
  problem?: { title: string; detail?: string | undefined; status: number } | undefined;
  /** After a stale write: the entries added since the version the person saw. */
  since?: { version: number; entries: ThreadEntry[] } | undefined;
  notice?: string | undefined;
}

const statusText: Record<string, string> = {
  received: 'Received',
  classifying: 'Reading your ticket',
  classified: 'Reading your ticket',
  drafting: 'Writing an answer',
  suggesting: 'Passed to a support agent',
  answered: 'Answered',
  escalated: 'Waiting for a support agent',
  assigned: 'A support agent has it',
  in_progress: 'In progress',
  waiting_on_requester: 'Waiting for your reply',
  resolved: 'Resolved',
  reopened: 'Reopened',
  closed: 'Closed',
};

export const statusLabel = (status: string): string => statusText[status] ?? status;

/** Agents and auditors read the state as the team says it. */
const staffText: Record<string, string> = {
  ...statusText,
  classifying: 'Classifying',
  classified: 'Classified',
  drafting: 'Drafting an answer',
  suggesting: 'Drafting a suggestion',
  escalated: 'Escalated',
  assigned: 'Assigned',
  waiting_on_requester: 'Waiting on the requester',
};
export const staffStatusLabel = (status: string): string => staffText[status] ?? status;

const isStaff = (p: Principal) => p.kind === 'user' && (p.role === 'agent' || p.role === 'auditor');

export function formatTime(at: string | Date | null | undefined): Html {
  if (!at) return html`—`;
  // Read models hand back Dates (pg) or strings (PGlite json): one form for both.
  const iso = new Date(at).toISOString();
  const shown = iso.replace('T', ' ').slice(0, 16) + ' UTC';
  return html`<time datetime="${iso}">${shown}</time>`;
}

function summary(m: TicketPageModel): Html {
  const v = m.view;
  const staff = isStaff(m.principal);
  return html`<dl class="facts">
    <div>
      <dt>Status</dt>
      <dd>
        <span class="badge status-${v.status}" data-testid="status"
          >${staff ? staffStatusLabel(v.status) : statusLabel(v.status)}</span
        >
      </dd>
    </div>
    ${when(
      staff,
      () =>
        html`<div>
          <dt>State</dt>
          <dd>
            <code>${v.status}</code> · version <span data-testid="version">${v.version}</span>
          </dd>
        </div>`,
    )}
    ${when(
      v.level,
      () =>
        html`<div>
          <dt>Level</dt>
          <dd>${v.level}</dd>
        </div>`,
    )}
    ${when(
      staff,
      () =>
        html`<div>
          <dt>Assignee</dt>
          <dd data-testid="assignee">${v.assignee ?? 'nobody'}</dd>
        </div>`,
    )}
    <div>
      <dt>Submitted</dt>
      <dd>${formatTime(v.createdAt)}</dd>
    </div>
    ${when(
      staff,
      () =>
        html`<div>
          <dt>Requester</dt>
          <dd>${v.requester.email}${v.requester.verified ? '' : ' (not verified)'}</dd>
        </div>`,
    )}
  </dl>`;
}

function citedArticles(
  m: TicketPageModel,
  citations: { id: string; title: string }[],
): Html | null {
  if (citations.length === 0) return null;
  return html`<section class="articles" aria-label="Knowledge-base articles cited">
    <h3>From the knowledge base</h3>
    ${citations.map((c) => {
      const article = m.knowledgeBase?.get(c.id);
      return html`<article class="kb">
        ${
          article
            ? renderMarkdown(article.body)
            : html`<h4>${c.title}</h4>
                <p>(This article is no longer in the knowledge base.)</p>`
        }
      </article>`;
    })}
  </section>`;
}

function threadList(m: TicketPageModel, all: ThreadEntry[]): Html {
  // The requester reads the automatic answer above the conversation, with its articles.
  const entries = isStaff(m.principal)
    ? all
    : all.map((e) =>
        e.label === 'Automatic answer'
          ? { ...e, text: 'The answer is shown above.', citations: [] }
          : e,
      );
  return html`<ol class="thread">
    ${entries.map(
      (e) =>
        html`<li class="entry entry-${e.kind}" data-version="${e.version}">
          <div class="meta">
            <strong>${e.label}</strong> · ${e.who} · ${formatTime(e.at)}
            ${when(e.kind === 'internal', () => html`<span class="tag-internal">internal: not shown to the requester</span>`)}
          </div>
          ${when(e.text, () => html`<div class="text">${e.text}</div>`)}
          ${when(e.citations.length && !isStaff(m.principal) && e.label !== 'Automatic answer', () => html`<p class="cites">Cites: ${e.citations.map((c) => c.title).join(', ')}</p>`)}
        </li>`,
    )}
  </ol>`;
}

function modelPanel(m: TicketPageModel): Html | null {
  if (!isStaff(m.principal)) return null;
  const c = m.view.classification;
  const suggestion = 'suggestion' in m.view ? m.view.suggestion : null;
  return html`<section class="panel" aria-labelledby="model-h">
    <h2 id="model-h">The model's view</h2>
    ${
      c
        ? html`<dl class="facts">
            <div>
              <dt>Classified</dt>
              <dd>level ${c.level} · ${c.category}</dd>
            </div>
            <div>
              <dt>Confidence</dt>
              <dd>
                <meter min="0" max="1" value="${c.confidence}" aria-label="confidence">
                  ${Math.round(c.confidence * 100)}%
                </meter>
                ${Math.round(c.confidence * 100)}%
              </dd>
            </div>
            <div>
              <dt>Rationale</dt>
              <dd>${c.rationale}</dd>
            </div>
          </dl>`
        : html`<p>No classification yet.</p>`
    }
    ${when(m.view.escalation, () => html`<p>Escalated: ${m.view.escalation!.reason.replaceAll('_', ' ')} — ${m.view.escalation!.detail}</p>`)}
    ${when(
      suggestion,
      () =>
        html`<div class="draft">
          <h3>Suggested reply (${suggestion!.status})</h3>
          <div class="text">${suggestion!.answer}</div>
          ${when(suggestion!.citations.length, () => html`<p class="cites">Cites: ${suggestion!.citations.map((x) => x.title).join(', ')}</p>`)}
        </div>`,
    )}
    ${when(
      m.view.answer && m.view.status === 'answered',
      () =>
        html`<div class="draft">
          <h3>Answer sent automatically</h3>
          <div class="text">${m.view.answer!.text}</div>
        </div>`,
    )}
  </section>`;
}

function requesterAnswer(m: TicketPageModel): Html | null {
  const answer = m.view.answer;
  if (isStaff(m.principal) || !answer) return null;
  return html`<section class="panel answer" aria-labelledby="answer-h">
    <h2 id="answer-h">Our answer</h2>
    <div class="text" data-testid="answer">${answer.text}</div>
    ${citedArticles(m, answer.citations)}
  </section>`;
}

function changedSince(m: TicketPageModel): Html | null {
  if (!m.since) return null;
  return html`<section class="panel warn" role="alert" aria-labelledby="since-h">
    <h2 id="since-h">This ticket changed while you were writing</h2>
    <p>
      Nothing was sent. You saw version ${m.since.version}; it is now at version ${m.view.version}.
      What changed:
    </p>
    ${threadList(m, m.since.entries)}
    <p>Your text is kept below: read the change, then send it again if it still fits.</p>
  </section>`;
}

/** The part of the page live updates replace: facts, answer, thread, model panel and actions. */
export function ticketLive(m: TicketPageModel): Html {
  // A requester answers "Did this solve it?" right under the answer; agents act below the thread.
  const staff = isStaff(m.principal);
  const actions = actionsPanel({
    ticketId: m.view.id,
    version: m.view.version,
    status: m.view.status,
    allowed: m.allowed,
    principal: m.principal,
    csrf: m.csrf,
    typed: m.typed,
    suggestion: 'suggestion' in m.view ? (m.view.suggestion?.answer ?? null) : null,
  });
  return html`${summary(m)}
    ${when(m.notice, () => html`<p class="notice" role="status">${m.notice}</p>`)}
    ${when(m.problem, () => html`<div class="panel error" role="alert"><strong>${m.problem!.title}</strong>${m.problem!.detail ? html`: ${m.problem!.detail}` : ''}</div>`)}
    ${changedSince(m)} ${requesterAnswer(m)} ${staff ? null : actions}
    <div class="columns">
      <section aria-labelledby="thread-h" class="grow">
        <h2 id="thread-h">Conversation</h2>
        ${threadList(m, m.thread)}
      </section>
      ${modelPanel(m)}
    </div>
    ${staff ? actions : null}`;
}

export function ticketMain(m: TicketPageModel): Html {
  const v = m.view;
  const anonymous = m.principal.kind === 'anonymous';
  return html`<h1>${v.subject ?? 'Your ticket'}</h1>
    ${when(anonymous, () => html`<p class="private" role="note"><strong>This page is private.</strong> Its address is the only key to your ticket: anyone who has the link can read it, so keep it to yourself and bookmark it to come back. <a href="/signin">Sign in</a> to answer or follow all your tickets.</p>`)}
    <div hx-ext="sse" sse-connect="/live/tickets/${v.id}">
      <div
        id="ticket-live"
        data-ticket="${v.id}"
        hx-get="/tickets/${v.id}/live"
        hx-trigger="sse:changed"
        hx-swap="innerHTML"
      >
        ${ticketLive(m)}
      </div>
    </div>
    ${when(m.principal.kind === 'user' && m.principal.role === 'auditor', () => html`<p><a href="/audit/tickets/${v.id}">Timeline and versions</a></p>`)}`;
}
