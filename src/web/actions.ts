import type { Principal } from '../auth/index.ts';
import type { CommandType } from '../../machines/index.ts';
import { html, type Html, when } from './html.ts';
import { csrfField } from './layout.ts';

/** What a person typed into a command's form, kept across a refusal. */
export interface Typed {
  type: string;
  fields: Record<string, string>;
}

interface ActionModel {
  ticketId: string;
  version: number;
  status: string;
  allowed: CommandType[];
  principal: Principal;
  csrf: string;
  typed: Typed | undefined;
  suggestion: string | null;
}

/** One command's form: its label, its key on the keyboard (agents), and its fields. */
interface ActionSpec {
  label: string;
  key?: string;
  fields: (m: ActionModel, typed: Record<string, string>) => Html | null;
}

const area = (name: string, label: string, id: string, value = '', required = true): Html =>
  html`<label for="${id}">${label}</label>
    <textarea id="${id}" name="${name}" rows="3" ${required ? 'required' : ''}>${value}</textarea>`;

const input = (
  name: string,
  label: string,
  id: string,
  value = '',
  required = false,
  type = 'text',
): Html =>
  html`<label for="${id}">${label}</label>
    <input
      id="${id}"
      name="${name}"
      type="${type}"
      value="${value}"
      ${required ? 'required' : ''}
    />`;

/** Every command of the ticket module, as a form; only those `allowedCommands` lists are shown. */
export const actionSpecs: Record<CommandType, ActionSpec> = {
  claim: { label: 'Claim', key: 'c', fields: () => null },
  start: { label: 'Start work', key: 's', fields: () => null },
  reply: {
    label: 'Send reply',
    key: 'r',
    fields: (m, t) =>
      area(
        'body',
        m.principal.kind === 'user' && m.principal.role === 'agent'
          ? 'Reply to the requester'
          : 'Your reply',
        'f-reply',
        t.body,
      ),
  },
  note: {
    label: 'Add internal note',
    key: 'n',
    fields: (_m, t) => area('body', 'Internal note (agents only)', 'f-note', t.body),
  },
  hold: {
    label: 'Ask and put on hold',
    key: 'h',
    fields: (_m, t) => area('message', 'Question for the requester', 'f-hold', t.message),
  },
  resolve: {
    label: 'Resolve',
    key: 'd',
    fields: (_m, t) => area('resolution', 'Resolution', 'f-resolve', t.resolution),
  },
  release: {
    label: 'Release to the queue',
    key: 'l',
    fields: (_m, t) => input('reason', 'Reason (optional)', 'f-release', t.reason),
  },
  relevel: {
    label: 'Move to another level',
    key: 'e',
    fields: (_m, t) =>
      html`<label for="f-level">Level</label>
        <select id="f-level" name="level">
          ${[1, 2, 3].map((l) => html`<option value="${l}" ${t.level === String(l) ? 'selected' : ''}>${l}</option>`)}
        </select>
        ${area('reason', 'Reason', 'f-relevel', t.reason)}
        ${area('answer', 'Answer to the requester (needed when moving to level 1)', 'f-relevel-answer', t.answer, false)}`,
  },
  assign: {
    label: 'Assign',
    key: 'a',
    fields: (_m, t) => input('agent', "Agent's email", 'f-assign', t.agent, true, 'email'),
  },
  send_suggestion: {
    label: 'Send the suggested reply',
    key: 'g',
    fields: (m, t) =>
      area(
        'body',
        'Suggested reply (edit before sending)',
        'f-suggestion',
        t.body ?? m.suggestion ?? '',
      ),
  },
  discard_suggestion: {
    label: 'Discard the suggestion',
    fields: (_m, t) => input('reason', 'Reason (optional)', 'f-discard', t.reason),
  },
  accept_answer: { label: 'Yes, this solved it', fields: () => null },
  reject_answer: {
    label: 'No, I still need help',
    fields: (_m, t) =>
      area('comment', 'What is still wrong? (optional)', 'f-reject', t.comment, false),
  },
  reopen: {
    label: 'Reopen',
    key: 'o',
    fields: (_m, t) => area('reason', 'Why reopen it?', 'f-reopen', t.reason),
  },
  close: {
    label: 'Close the ticket',
    fields: (m) =>
      html`<input
        type="hidden"
        name="reason"
        value="${m.status === 'resolved' ? 'resolved' : 'withdrawn'}"
      />`,
  },
};

/** The order actions appear in (most used first). */
const order: CommandType[] = [
  'accept_answer',
  'reject_answer',
  'claim',
  'start',
  'reply',
  'send_suggestion',
  'note',
  'hold',
  'resolve',
  'close',
  'reopen',
  'release',
  'relevel',
  'assign',
  'discard_suggestion',
];

function actionForm(m: ActionModel, type: CommandType): Html {
  const spec = actionSpecs[type];
  const typed = m.typed?.type === type ? m.typed.fields : {};
  const isAgent = m.principal.kind === 'user' && m.principal.role === 'agent';
  return html`<form
    method="post"
    action="/tickets/${m.ticketId}/commands"
    class="action action-${type}"
    data-command="${type}"
    ${isAgent && spec.key ? html`data-key="${spec.key}"` : ''}
  >
    ${csrfField(m.csrf)}
    <input type="hidden" name="type" value="${type}" />
    <input type="hidden" name="version" value="${m.version}" />
    ${spec.fields(m, typed)}
    <button type="submit">
      ${spec.label}${isAgent && spec.key ? html` <kbd aria-hidden="true">${spec.key}</kbd>` : ''}
    </button>
  </form>`;
}

export function actionsPanel(m: ActionModel): Html | null {
  if (m.principal.kind !== 'user') return null;
  const shown = order.filter((c) => m.allowed.includes(c));
  const heading =
    m.status === 'answered' && !shown.includes('claim') ? 'Did this solve it?' : 'What next';
  return html`<section class="panel actions" aria-labelledby="actions-h">
    <h2 id="actions-h">${heading}</h2>
    ${when(shown.length === 0, () => html`<p>Nothing to do on this ticket now.</p>`)}
    ${shown.map((type) => actionForm(m, type))}
  </section>`;
}
