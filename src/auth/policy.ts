import type { CommandType } from '../workflow/commands.ts';
import { commandRoles } from '../workflow/commands.ts';
import type { Principal } from './principal.ts';

/**
 * Who may do what, in one place (docs/auth.md has the matrix). Outcomes: `ok`; `unauthenticated`
 * (401: a token is needed); `forbidden` (403: the role may not); `not_found` (404: another
 * requester's ticket, answered exactly like a ticket that does not exist, so nothing leaks).
 */
export type Access = 'ok' | 'unauthenticated' | 'forbidden' | 'not_found';

export interface TicketFacts {
  requesterEmail: string;
  level: number | null;
}

/**
 * Reading one ticket by id. Anonymous callers may: the id is an unguessable UUID returned only to
 * the submitter (a capability URL), which keeps the no-login web form working.
 */
export function canReadTicket(p: Principal, ticket: TicketFacts): Access {
  if (p.kind === 'anonymous') return 'ok';
  switch (p.role) {
    case 'requester':
      return ticket.requesterEmail.toLowerCase() === p.email ? 'ok' : 'not_found';
    case 'agent':
    case 'auditor':
      return 'ok';
    default:
      return 'forbidden';
  }
}

/** Listing tickets: requesters see only their own (the route filters), agents and auditors all. */
export function canListTickets(p: Principal): Access {
  if (p.kind === 'anonymous') return 'unauthenticated';
  return ['requester', 'agent', 'auditor'].includes(p.role) ? 'ok' : 'forbidden';
}

/** Submitting a ticket: anonymously (the body names the requester) or as a requester. */
export function canSubmitTicket(p: Principal): Access {
  if (p.kind === 'anonymous') return 'ok';
  return p.role === 'requester' ? 'ok' : 'forbidden';
}

/** Internal notes are for agents and auditors; requesters (and anonymous readers) never see them. */
export function seesInternalNotes(p: Principal): boolean {
  return p.kind === 'user' && (p.role === 'agent' || p.role === 'auditor');
}

export function canCommand(p: Principal, command: CommandType, ticket: TicketFacts): Access {
  if (p.kind === 'anonymous') return 'unauthenticated';
  if (p.role === 'requester') {
    if (ticket.requesterEmail.toLowerCase() !== p.email) return 'not_found';
    return commandRoles[command].includes('requester') ? 'ok' : 'forbidden';
  }
  if (p.role === 'agent') {
    if (!commandRoles[command].includes('agent')) return 'forbidden';
    if (ticket.level === null || !p.levels.includes(ticket.level as 1 | 2 | 3)) return 'forbidden';
    if (command === 'assign' && !p.lead) return 'forbidden';
    return 'ok';
  }
  return 'forbidden';
}

/** A level's queue: agents of that level and auditors. */
export function canReadQueue(p: Principal, level: number): Access {
  if (p.kind === 'anonymous') return 'unauthenticated';
  if (p.role === 'auditor') return 'ok';
  if (p.role === 'agent') return p.levels.includes(level as 1 | 2 | 3) ? 'ok' : 'forbidden';
  return 'forbidden';
}

/** The global log (`/api/events`, `/api/events/stream`): integrators and auditors. */
export function canReadEventLog(p: Principal): Access {
  if (p.kind === 'anonymous') return 'unauthenticated';
  return p.role === 'integrator' || p.role === 'auditor' ? 'ok' : 'forbidden';
}

/** Users and tokens: admins manage, auditors read. */
export function canManageUsers(p: Principal, write: boolean): Access {
  if (p.kind === 'anonymous') return 'unauthenticated';
  if (p.role === 'admin') return 'ok';
  return !write && p.role === 'auditor' ? 'ok' : 'forbidden';
}
