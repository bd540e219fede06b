export {
  ticketMachine,
  canAutoAnswer,
  escalationFor,
  agentStates,
  type TicketContext,
  type ClassifyInput,
} from './ticket.machine.ts';
export {
  toMachineEvent,
  NotATicketEventError,
  machineEventOf,
  type DomainEventOf,
  type TicketMachineEvent,
  type EventMeta,
} from './ticket.events.ts';
export {
  foldTicket,
  foldTicketWithXState,
  applyEvent,
  initialTicketState,
  nextStep,
  statusOf,
  allowedEvents,
  IllegalTransitionError,
  type TicketState,
  type TicketSnapshot,
  type NextStep,
  type ActorName,
} from './ticket.fold.ts';
export {
  replayTicket,
  compileMachine,
  UnsupportedMachineError,
  type Replayed,
} from './ticket.replay.ts';
