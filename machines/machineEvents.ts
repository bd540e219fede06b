import type { TicketEventData, TicketEventType } from './events.ts';

/** Who caused an event and when: what guards and actions read besides the event's data. */
export interface EventMeta {
  at: string;
  actorId: string;
  version: number;
}

/**
 * The machine's invocations, by invoke id, and the events that record their results (one actor may
 * be invoked under two ids: `draftAnswer` drafts an answer and, for agents, a suggestion). The
 * machine receives a result as XState's own `xstate.done.actor.<id>` / `xstate.error.actor.<id>`
 * event; the stream stores it as the domain event named here. This table is the whole mapping.
 */
export const actorResultEvents = {
  classifyTicket: { done: 'TicketClassified', error: 'ClassificationFailed' },
  draftAnswer: { done: 'AnswerDrafted', error: 'AnswerDraftFailed' },
  draftSuggestion: { done: 'SuggestionDrafted', error: 'SuggestionDraftFailed' },
} as const satisfies Record<string, { done: TicketEventType; error: TicketEventType }>;

export type ActorName = keyof typeof actorResultEvents;
type ResultOf<A extends ActorName> = (typeof actorResultEvents)[A];
type ActorResultType = ResultOf<ActorName>['done'] | ResultOf<ActorName>['error'];

type DomainMachineEvent = {
  [T in Exclude<TicketEventType, ActorResultType>]: {
    type: T;
    data: TicketEventData<T>;
    meta: EventMeta;
  };
}[Exclude<TicketEventType, ActorResultType>];

type ActorDoneEvent = {
  [A in ActorName]: {
    type: `xstate.done.actor.${A}`;
    output: TicketEventData<ResultOf<A>['done']>;
    meta: EventMeta;
  };
}[ActorName];

type ActorErrorEvent = {
  [A in ActorName]: {
    type: `xstate.error.actor.${A}`;
    error: TicketEventData<ResultOf<A>['error']>;
    meta: EventMeta;
  };
}[ActorName];

/**
 * The machine's events: the ticket's domain events, and the results of its invoked actors as
 * XState's done/error events, so the machine reads like any XState machine.
 */
export type TicketMachineEvent = DomainMachineEvent | ActorDoneEvent | ActorErrorEvent;

const actorOfResult = new Map<string, { actor: ActorName; outcome: 'done' | 'error' }>(
  Object.entries(actorResultEvents).flatMap(([actor, types]) => [
    [types.done, { actor: actor as ActorName, outcome: 'done' as const }],
    [types.error, { actor: actor as ActorName, outcome: 'error' as const }],
  ]),
);

/**
 * The machine event a domain event stands for, with who caused it, when, and its version: an
 * actor's result becomes that actor's done or error event, every other event is itself.
 */
export function machineEventOf(
  event: { type: TicketEventType; data: unknown },
  meta: EventMeta,
): TicketMachineEvent {
  const result = actorOfResult.get(event.type);
  const machineEvent = !result
    ? { type: event.type, data: event.data, meta }
    : result.outcome === 'done'
      ? { type: `xstate.done.actor.${result.actor}`, output: event.data, meta }
      : { type: `xstate.error.actor.${result.actor}`, error: event.data, meta };
  // Sound by construction: the type and data come from one event, mapped by the table above.
  return machineEvent as TicketMachineEvent;
}
