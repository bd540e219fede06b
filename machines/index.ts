/**
 * The ticket module: everything that decides what may happen to a ticket, and nothing that does
 * I/O. The machine (machine.ts) is the lifecycle; events.ts the stream's events; fold.ts rebuilds
 * a ticket from them; decide.ts and access.ts turn a person's command into events or a refusal;
 * workflow.ts decides what happens without a person. Everything else imports it from here.
 */
export * from './types.ts';
export * from './events.ts';
export {
  canAutoAnswer,
  canSuggest,
  escalationFor,
  actorInputOf,
  type TicketContext,
  type ClassifyInput,
  type StepFailure,
} from './context.ts';
export { ticketMachine, ticketMachineVersion, ruleGuards, type TicketMachine } from './machine.ts';
export {
  machineEventOf,
  actorResultEvents,
  type ActorName,
  type EventMeta,
  type TicketMachineEvent,
} from './machineEvents.ts';
export {
  historyMachine,
  initialTicketState,
  evolve,
  foldTicket,
  statusOf,
  statusAfter,
  statusesTagged,
  hasTag,
  pendingActor,
  allowedEvents,
  toMachineEvent,
  type TicketState,
  type TicketSnapshot,
  type Anomaly,
  type PendingActor,
} from './fold.ts';
export {
  canReadTicket,
  canCommand,
  seesInternalNotes,
  internalEventTypes,
  commandRoles,
  commandRoleOf,
  type Access,
  type TicketFacts,
  type CommandRole,
  type CommandType,
} from './access.ts';
export {
  decide,
  allows,
  applyEvent,
  allowedCommands,
  IllegalTransitionError,
  type TicketCommand,
  type Refusal,
  type Decision,
  type DecideContext,
} from './decide.ts';
export {
  decideAutomaticSteps,
  decideActorResult,
  decideDueEvents,
  type ActorOutcome,
  type Decided,
  type SystemContext,
  type WorkflowContext,
} from './workflow.ts';
