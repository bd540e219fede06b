import { canAutoAnswer, canSuggest, hasPendingSuggestion, type TicketContext } from './context.ts';
import type { TicketMachineEvent } from './machineEvents.ts';

/**
 * Guards that pick which transition an event stands for, from the event's own data. Folding a
 * stored event evaluates these and nothing else.
 */
export const routingGuards = {
  relevelsToOne: ({ event }: { event: TicketMachineEvent }) =>
    event.type === 'TicketRelevelled' && event.data.to === 1,
  relevelsToAQueue: ({ event }: { event: TicketMachineEvent }) =>
    event.type === 'TicketRelevelled' && event.data.to !== 1,
};

type GuardArgs = { context: TicketContext; event: TicketMachineEvent };

/**
 * The rules: whether an event may happen now. `decide` checks them before an event is stored;
 * a stored event is a fact, so folding history trusts them (see machines/fold.ts).
 */
export const ruleGuards = {
  canAutoAnswer: ({ context }: GuardArgs) => canAutoAnswer(context),
  canSuggest: ({ context }: GuardArgs) => canSuggest(context),
  /** Neither answered automatically nor waiting for a suggestion: people take it. */
  goesToPeople: ({ context }: GuardArgs) => !canAutoAnswer(context) && !canSuggest(context),
  hasPendingSuggestion: ({ context }: GuardArgs) => hasPendingSuggestion(context),
  /** Reopening is allowed until the time recorded when the ticket was resolved. */
  withinReopenWindow: ({ context, event }: GuardArgs) =>
    event.type === 'TicketReopened' &&
    context.resolution !== null &&
    event.meta.at <= context.resolution.reopenUntil,
  /** Only tickets closed after a resolution can be reopened (not accepted answers, not withdrawn). */
  closedAfterResolution: ({ context }: GuardArgs) =>
    context.closed !== null && ['resolved', 'auto_close'].includes(context.closed.reason),
  isAnotherAgent: ({ context, event }: GuardArgs) =>
    event.type === 'TicketAssigned' && event.data.agent !== context.assignee,
  isAssignee: ({ context, event }: GuardArgs) =>
    event.type === 'TicketReleased' && event.data.agent === context.assignee,
  relevelsFromItsLevel: ({ context, event }: GuardArgs) =>
    event.type === 'TicketRelevelled' &&
    event.data.from === context.level &&
    event.data.to !== event.data.from,
  hasAnswerForRequester: ({ event }: GuardArgs) =>
    event.type === 'TicketRelevelled' && (event.data.answer ?? '').trim() !== '',
  /** Only an answer can be accepted: elsewhere a ticket closes for another reason. */
  closesWithoutAcceptance: ({ event }: GuardArgs) =>
    event.type === 'TicketClosed' && event.data.reason !== 'answer_accepted',
  slaNotYetWarned: ({ context, event }: GuardArgs) =>
    event.type === 'SlaWarning' &&
    !context.sla.warned.includes(event.data.clock) &&
    !context.sla.breached.includes(event.data.clock),
  slaNotYetBreached: ({ context, event }: GuardArgs) =>
    event.type === 'SlaBreached' && !context.sla.breached.includes(event.data.clock),
};
