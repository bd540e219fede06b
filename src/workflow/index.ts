export {
  createWorkflow,
  IdempotencyConflictError,
  TicketNotFoundError,
  StaleVersionError,
  type Workflow,
  type ExecuteOptions,
  type SubmitTicket,
} from './runner.ts';
export { createTicketActors, type ActorTimeouts, type TicketActors } from './actors.ts';
export { toTicketView, type TicketView } from './view.ts';
export { ticketStreamId, ticketStreamPrefix, uuidFromName } from './ids.ts';
export {
  decide,
  allowedCommands,
  commandRoles,
  type TicketCommand,
  type CommandType,
  type CommandRole,
} from './commands.ts';
export { readCorrections, type CorrectedTicket } from './corrections.ts';
