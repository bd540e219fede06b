import type { SupportLevel, TicketActor } from './types.ts';

/**
 * Who may do what to a ticket. Outcomes: `ok`; `unauthenticated` (a token is needed);
 * `forbidden` (the role may not); `not_found` (another requester's ticket, answered exactly like a
 * ticket that does not exist, so nothing leaks).
 */
export type Access = 'ok' | 'unauthenticated' | 'forbidden' | 'not_found';

/** What the rules read of a ticket to decide who may act on it. */
export interface TicketFacts {
  requesterEmail: string;
  level: SupportLevel | null;
}

export type CommandRole = 'agent' | 'requester';

/** Who may send each command (the machine then decides whether it is allowed now). */
export const commandRoles = {
  claim: ['agent'],
  assign: ['agent'],
  release: ['agent'],
  start: ['agent'],
  reply: ['agent', 'requester'],
  note: ['agent'],
  hold: ['agent'],
  resolve: ['agent'],
  reopen: ['agent', 'requester'],
  relevel: ['agent'],
  accept_answer: ['requester'],
  reject_answer: ['requester'],
  close: ['requester'],
  send_suggestion: ['agent'],
  discard_suggestion: ['agent'],
} as const satisfies Record<string, readonly CommandRole[]>;

export type CommandType = keyof typeof commandRoles;

const ownsTicket = (actor: TicketActor & { kind: 'user' }, ticket: TicketFacts) =>
  ticket.requesterEmail.toLowerCase() === actor.email;

/**
 * Reading one ticket by id. Anonymous callers may: the id is an unguessable random UUID returned
 * only to the submitter (a capability URL), which keeps the no-login web form working.
 */
export function canReadTicket(actor: TicketActor, ticket: TicketFacts): Access {
  if (actor.kind === 'anonymous') return 'ok';
  switch (actor.role) {
    case 'requester':
      return ownsTicket(actor, ticket) ? 'ok' : 'not_found';
    case 'agent':
    case 'auditor':
      return 'ok';
    default:
      return 'forbidden';
  }
}

/**
 * Events only agents and auditors see: internal notes, and the model's suggestions until an agent
 * sends one (what is sent is a public reply, `SuggestionSent`).
 */
export const internalEventTypes: ReadonlySet<string> = new Set([
  'InternalNoteAdded',
  'SuggestionDraftStarted',
  'SuggestionDrafted',
  'SuggestionDraftFailed',
  'SuggestionDiscarded',
]);

/** Internal notes are for agents and auditors; requesters (and anonymous readers) never see them. */
export const seesInternalNotes = (actor: TicketActor): boolean =>
  actor.kind === 'user' && (actor.role === 'agent' || actor.role === 'auditor');

/** Whether the actor may send this command to this ticket (its state aside). */
export function canCommand(actor: TicketActor, command: CommandType, ticket: TicketFacts): Access {
  if (actor.kind === 'anonymous') return 'unauthenticated';
  const roles: readonly CommandRole[] = commandRoles[command];
  if (actor.role === 'requester') {
    if (!ownsTicket(actor, ticket)) return 'not_found';
    return roles.includes('requester') ? 'ok' : 'forbidden';
  }
  if (actor.role === 'agent') {
    if (!roles.includes('agent')) return 'forbidden';
    if (ticket.level === null || !actor.levels.includes(ticket.level)) return 'forbidden';
    if (command === 'assign' && !actor.lead) return 'forbidden';
    return 'ok';
  }
  return 'forbidden';
}

/** The role a user's command acts in: agents as agents, everyone else as the requester. */
export const commandRoleOf = (actor: TicketActor & { kind: 'user' }): CommandRole =>
  actor.role === 'agent' ? 'agent' : 'requester';
