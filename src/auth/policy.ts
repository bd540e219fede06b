import type { Access } from '../../machines/index.ts';
import type { Principal } from './principal.ts';

/**
 * Who may use what beyond one ticket (docs/auth.md has the matrix); what may be done to a ticket
 * is the ticket module's (machines/access.ts). Outcomes as there: `ok`, `unauthenticated` (401),
 * `forbidden` (403), `not_found` (404).
 */
export type { Access };

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

/** The audit log: checkpoints and proof bundles (docs/audit.md): auditors. */
/** Reports (analytics, cost and benefit): auditors and admins. */
export function canReadReports(p: Principal): Access {
  if (p.kind === 'anonymous') return 'unauthenticated';
  return p.role === 'auditor' || p.role === 'admin' ? 'ok' : 'forbidden';
}

export function canReadAuditLog(p: Principal): Access {
  if (p.kind === 'anonymous') return 'unauthenticated';
  return p.role === 'auditor' ? 'ok' : 'forbidden';
}

/** Webhook endpoints: admins manage every one, integrators their own (the route checks whose). */
export function canManageWebhooks(p: Principal): Access {
  if (p.kind === 'anonymous') return 'unauthenticated';
  return p.role === 'admin' || p.role === 'integrator' ? 'ok' : 'forbidden';
}
