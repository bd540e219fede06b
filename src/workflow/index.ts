export {
  createWorkflow,
  IdempotencyConflictError,
  TicketNotFoundError,
  type Workflow,
  type SubmitTicket,
} from './runner.ts';
export { createTicketActors, type TicketActors } from './actors.ts';
export { toTicketView, type TicketView } from './view.ts';
export { ticketStreamId, ticketStreamPrefix, uuidFromName } from './ids.ts';
