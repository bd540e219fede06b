import type { EventType, StoredEvent } from '../../src/events/index.ts';
import type { TicketMachineEvent } from '../../machines/index.ts';
import { rng, type Rng } from '../support/rng.ts';

export { rng, type Rng };

/** Stored events for the replay's tests: the machine's events as the store would return them. */

const storedTypes: Record<string, EventType> = {
  'xstate.done.actor.classifyTicket': 'TicketClassified',
  'xstate.error.actor.classifyTicket': 'ClassificationFailed',
  'xstate.done.actor.draftAnswer': 'AnswerDrafted',
  'xstate.error.actor.draftAnswer': 'AnswerDraftFailed',
};

/** The stored event `toMachineEvent` maps back to `event` (with `meta.version` = `version`). */
export function toStored(event: TicketMachineEvent, version: number): StoredEvent {
  const data = 'data' in event ? event.data : 'output' in event ? event.output : event.error;
  return {
    id: `event-${version}`,
    type: storedTypes[event.type] ?? event.type,
    schemaVersion: 1,
    data,
    metadata: { actor: { id: event.meta.actorId, role: 'agent' }, correlationId: 'c' },
    timestamp: event.meta.at,
    streamId: 'ticket-test',
    version,
    position: version,
  } as StoredEvent;
}

export const storedHistory = (events: readonly TicketMachineEvent[]): StoredEvent[] =>
  events.map((e, i) => toStored(e, i + 1));

const people = ['agent@example.com', 'lead@example.com', 'ann@example.com', 'sla-scheduler'];
const instants = [
  '2026-11-24T10:00:00.000Z',
  '2026-11-25T10:00:00.000Z',
  '2026-12-01T10:00:00.000Z',
  '2026-12-09T10:00:00.000Z',
];
const trace = { model: 'm', promptVersion: 'v1', promptHash: 'h', latencyMs: 5, attempts: 1 };

/**
 * Any machine event with random data: every type, levels, agents, instants (around reopen
 * windows), SLA clocks and answers chosen so that every guard goes both ways.
 */
export function randomEvent(r: Rng): TicketMachineEvent {
  const meta = { at: r.pick(instants), actorId: r.pick(people), version: 1 };
  const level = r.pick([1, 2, 3] as const);
  const failure = {
    reason: r.pick(['timeout', 'no_grounding', 'error'] as const),
    message: 'failed',
    model: 'm',
    latencyMs: 3,
  };
  const clock = {
    clock: r.pick(['first_response', 'resolution'] as const),
    level,
    targetMinutes: 15,
    dueAt: meta.at,
  };
  const body = r.pick(['', 'Looking into it.']);
  switch (r.int(0, 22)) {
    case 0:
      return {
        type: 'TicketReceived',
        data: {
          ticketId: '3f1b6f5e-4a55-4c1e-9a4e-0d8f3c1b2a10',
          subject: r.maybe('cannot log in'),
          description: 'I forgot my password',
          requester: { email: 'ann@example.com', name: r.maybe('Ann') },
          policy: { autoAnswerThreshold: r.pick([0.5, 0.7, 0.95]) },
        },
        meta,
      };
    case 1:
      return { type: 'ClassificationStarted', data: { model: 'm' }, meta };
    case 2:
      return {
        type: 'xstate.done.actor.classifyTicket',
        output: {
          level,
          category: r.pick(['account', 'network']),
          confidence: r.pick([0.3, 0.7, 0.9]),
          rationale: 'test',
          ...trace,
        },
        meta,
      };
    case 3:
      return { type: 'xstate.error.actor.classifyTicket', error: failure, meta };
    case 4:
      return { type: 'AnswerDraftStarted', data: { model: 'm' }, meta };
    case 5:
      return {
        type: 'xstate.done.actor.draftAnswer',
        output: {
          answer: 'Reset it.',
          citations: [{ id: 'password-reset', title: 'R' }],
          ...trace,
        },
        meta,
      };
    case 6:
      return { type: 'xstate.error.actor.draftAnswer', error: failure, meta };
    case 7:
      return {
        type: 'TicketEscalated',
        data: {
          level,
          reason: r.pick(['level_requires_agent', 'low_confidence', 'manual'] as const),
          detail: 'd',
        },
        meta,
      };
    case 8:
      return {
        type: 'TicketClosed',
        data: {
          reason: r.pick(['answer_accepted', 'resolved', 'auto_close', 'withdrawn'] as const),
          closedBy: r.pick(['requester', 'agent', 'system'] as const),
        },
        meta,
      };
    case 9:
      return { type: 'AnswerRejected', data: { comment: r.maybe('did not help') }, meta };
    case 10:
      return { type: 'TicketClaimed', data: { agent: r.pick(people) }, meta };
    case 11:
      return {
        type: 'TicketAssigned',
        data: { agent: r.pick(people), previous: r.pick([null, ...people]) },
        meta,
      };
    case 12:
      return { type: 'TicketReleased', data: { agent: r.pick(people) }, meta };
    case 13:
      return { type: 'WorkStarted', data: {}, meta };
    case 14:
      return { type: 'AgentReplied', data: { body }, meta };
    case 15:
      return { type: 'InternalNoteAdded', data: { body }, meta };
    case 16:
      return { type: 'TicketPutOnHold', data: { message: 'Which building?' }, meta };
    case 17:
      return { type: 'RequesterReplied', data: { body }, meta };
    case 18:
      return {
        type: 'TicketResolved',
        data: { resolution: 'Fixed.', reopenUntil: r.pick(instants) },
        meta,
      };
    case 19:
      return { type: 'TicketReopened', data: { reason: 'again' }, meta };
    case 20:
      return {
        type: 'TicketRelevelled',
        data: {
          from: r.pick([1, 2, 3] as const),
          to: level,
          reason: 'r',
          answer: r.pick([undefined, '', '  ', 'Use the portal.']),
        },
        meta,
      };
    case 21:
      return { type: 'SlaWarning', data: clock, meta };
    default:
      return { type: 'SlaBreached', data: clock, meta };
  }
}
