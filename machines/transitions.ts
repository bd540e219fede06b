import { and } from 'xstate';

/**
 * Transitions several states of the ticket machine share (machines/machine.ts). Guards and actions
 * are named here and defined there (and in guards.ts).
 */

export const toQueue = and(['relevelsToAQueue', 'relevelsFromItsLevel']);
export const toOneWithAnswer = and([
  'relevelsToOne',
  'relevelsFromItsLevel',
  'hasAnswerForRequester',
]);

/**
 * Transitions shared by the states in which an agent holds the ticket (assigned, in progress,
 * reopened): give it back to the queue, or move it to another level.
 */
export const heldByAgent = {
  TicketReleased: { target: 'escalated', guard: 'isAssignee', actions: 'release' },
  TicketRelevelled: [
    { target: 'escalated', guard: toQueue, actions: 'relevel' },
    { target: 'answered', guard: toOneWithAnswer, actions: 'relevel' },
  ],
} as const;

/** While a person must act on the ticket: notes and replies are recorded, SLA clocks run. */
export const openTicket = {
  InternalNoteAdded: { actions: 'touch' },
  SuggestionDiscarded: { guard: 'hasPendingSuggestion', actions: 'discardSuggestion' },
  RequesterReplied: { actions: 'touch' },
  SlaWarning: { guard: 'slaNotYetWarned', actions: 'slaWarned' },
  SlaBreached: { guard: 'slaNotYetBreached', actions: 'slaBreached' },
} as const;

/** An agent sends the model's suggested answer: a public reply, recorded as the model's draft accepted. */
export const sendSuggestion = { guard: 'hasPendingSuggestion', actions: 'sendSuggestion' } as const;
export const sendSuggestionMovesOn = { ...sendSuggestion, target: 'in_progress' } as const;
