import type { EventData, EventType, StoredEvent } from '../src/events/index.ts';

/** What the machine needs to know about who caused an event and when. */
export interface EventMeta {
  at: string;
  actorId: string;
  version: number;
}

type DomainEvent<T extends EventType> = { type: T; data: EventData<T>; meta: EventMeta };

/**
 * The machine's events. Results of invoked actors arrive as XState's own done/error events,
 * so the machine reads like any XState machine while its history is stored as domain events.
 */
export type TicketMachineEvent =
  | DomainEvent<'TicketReceived'>
  | DomainEvent<'ClassificationStarted'>
  | {
      type: 'xstate.done.actor.classifyTicket';
      output: EventData<'TicketClassified'>;
      meta: EventMeta;
    }
  | {
      type: 'xstate.error.actor.classifyTicket';
      error: EventData<'ClassificationFailed'>;
      meta: EventMeta;
    }
  | DomainEvent<'AnswerDraftStarted'>
  | { type: 'xstate.done.actor.draftAnswer'; output: EventData<'AnswerDrafted'>; meta: EventMeta }
  | {
      type: 'xstate.error.actor.draftAnswer';
      error: EventData<'AnswerDraftFailed'>;
      meta: EventMeta;
    }
  | DomainEvent<'TicketEscalated'>
  | DomainEvent<'TicketClosed'>
  | DomainEvent<'AnswerRejected'>
  | DomainEvent<'TicketClaimed'>
  | DomainEvent<'TicketAssigned'>
  | DomainEvent<'TicketReleased'>
  | DomainEvent<'WorkStarted'>
  | DomainEvent<'AgentReplied'>
  | DomainEvent<'InternalNoteAdded'>
  | DomainEvent<'TicketPutOnHold'>
  | DomainEvent<'RequesterReplied'>
  | DomainEvent<'TicketResolved'>
  | DomainEvent<'TicketReopened'>
  | DomainEvent<'TicketRelevelled'>
  | DomainEvent<'SlaWarning'>
  | DomainEvent<'SlaBreached'>;

export class NotATicketEventError extends Error {
  constructor(readonly type: string) {
    super(`${type} belongs to a user's stream, not a ticket's`);
    this.name = 'NotATicketEventError';
  }
}

/** A domain event by its type and data: stored, or decided and not yet stored. */
export type DomainEventOf = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

/** Maps a stored event to the machine event it stands for. */
export function toMachineEvent(event: StoredEvent): TicketMachineEvent {
  return machineEventOf(event, {
    at: event.timestamp,
    actorId: event.metadata.actor.id,
    version: event.version,
  });
}

/**
 * The machine event a domain event stands for, with who caused it, when, and the version it will
 * have. A new event type must be added here.
 */
export function machineEventOf(event: DomainEventOf, meta: EventMeta): TicketMachineEvent {
  switch (event.type) {
    case 'TicketClassified':
      return { type: 'xstate.done.actor.classifyTicket', output: event.data, meta };
    case 'ClassificationFailed':
      return { type: 'xstate.error.actor.classifyTicket', error: event.data, meta };
    case 'AnswerDrafted':
      return { type: 'xstate.done.actor.draftAnswer', output: event.data, meta };
    case 'AnswerDraftFailed':
      return { type: 'xstate.error.actor.draftAnswer', error: event.data, meta };
    case 'TicketReceived':
      return { type: event.type, data: event.data, meta };
    case 'ClassificationStarted':
      return { type: event.type, data: event.data, meta };
    case 'AnswerDraftStarted':
      return { type: event.type, data: event.data, meta };
    case 'TicketEscalated':
      return { type: event.type, data: event.data, meta };
    case 'TicketClosed':
      return { type: event.type, data: event.data, meta };
    case 'AnswerRejected':
      return { type: event.type, data: event.data, meta };
    case 'TicketClaimed':
      return { type: event.type, data: event.data, meta };
    case 'TicketAssigned':
      return { type: event.type, data: event.data, meta };
    case 'TicketReleased':
      return { type: event.type, data: event.data, meta };
    case 'WorkStarted':
      return { type: event.type, data: event.data, meta };
    case 'AgentReplied':
      return { type: event.type, data: event.data, meta };
    case 'InternalNoteAdded':
      return { type: event.type, data: event.data, meta };
    case 'TicketPutOnHold':
      return { type: event.type, data: event.data, meta };
    case 'RequesterReplied':
      return { type: event.type, data: event.data, meta };
    case 'TicketResolved':
      return { type: event.type, data: event.data, meta };
    case 'TicketReopened':
      return { type: event.type, data: event.data, meta };
    case 'TicketRelevelled':
      return { type: event.type, data: event.data, meta };
    case 'SlaWarning':
      return { type: event.type, data: event.data, meta };
    case 'SlaBreached':
      return { type: event.type, data: event.data, meta };
    case 'UserCreated':
    case 'RoleGranted':
    case 'TokenIssued':
    case 'TokenRevoked':
      throw new NotATicketEventError(event.type);
    default: {
      const unhandled: never = event;
      throw new Error(`no machine event for ${(unhandled as DomainEventOf).type}`);
    }
  }
}
