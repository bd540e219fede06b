export { createWorkflow, type Workflow, type ExecuteOptions, type SubmitTicket } from './runner.ts';
export {
  ticketDecider,
  CommandRefusedError,
  IdempotencyConflictError,
  TicketNotFoundError,
  StaleVersionError,
} from './tickets.ts';
export {
  createTicketActors,
  ticketActorLogic,
  type ActorTimeouts,
  type TicketActors,
} from './actors.ts';
export { toTicketView, type TicketView } from './view.ts';
export { ticketStreamId, ticketStreamPrefix, uuidFromName } from './ids.ts';
export {
  createSqlIdempotencyKeys,
  idempotencyMigrations,
  type IdempotencyKeys,
} from './idempotency.ts';
export { readCorrections, type CorrectedTicket } from './corrections.ts';
