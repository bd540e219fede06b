import {
  evolve,
  initialTicketState,
  type Refusal,
  type TicketState,
} from '../../machines/index.ts';
import type { Decider } from '../eventstore/index.ts';

/** A ticket's stream as the command handler folds it: the ticket module's own fold. */
export const ticketDecider: Decider<TicketState> = {
  initial: initialTicketState,
  evolve,
};

/** The `If-Match` version is not the ticket's current version. */
export class StaleVersionError extends Error {
  constructor(
    readonly ticketId: string,
    readonly expected: number,
    readonly current: number,
  ) {
    super(`ticket ${ticketId} is at version ${current}, not ${expected}`);
    this.name = 'StaleVersionError';
  }
}

export class IdempotencyConflictError extends Error {
  constructor() {
    super('this Idempotency-Key was already used for a different ticket');
    this.name = 'IdempotencyConflictError';
  }
}

export class TicketNotFoundError extends Error {
  constructor(readonly ticketId: string) {
    super(`ticket ${ticketId} not found`);
    this.name = 'TicketNotFoundError';
  }
}

/** A command the ticket's rules refused; src/api/problem.ts answers it by its kind. */
export class CommandRefusedError extends Error {
  constructor(
    readonly ticketId: string,
    readonly refusal: Exclude<Refusal, { kind: 'stale' }>,
  ) {
    super(refusal.kind === 'invalid' ? refusal.detail : `command refused: ${refusal.kind}`);
    this.name = 'CommandRefusedError';
  }
}
