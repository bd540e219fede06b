import type { EventData } from '../../src/events/index.ts';
import type { EventMeta, TicketMachineEvent } from '../../machines/index.ts';

/** Sample machine events for specifications and graph traversal. */
export const meta: EventMeta = { at: '2026-11-24T10:00:00.000Z', actorId: 'test', version: 1 };

const trace = { model: 'test-model', promptVersion: 'v1', promptHash: 'h', latencyMs: 5, attempts: 1 };

export const received = (threshold = 0.7): TicketMachineEvent => ({
  type: 'TicketReceived',
  data: {
    ticketId: '3f1b6f5e-4a55-4c1e-9a4e-0d8f3c1b2a10',
    subject: 'cannot log in',
    description: 'I forgot my password',
    requester: { email: 'ann@example.com' },
    policy: { autoAnswerThreshold: threshold },
  },
  meta,
});

export const classificationStarted: TicketMachineEvent = { type: 'ClassificationStarted', data: { model: 'm' }, meta };

export const classified = (
  level: 1 | 2 | 3,
  confidence: number,
): TicketMachineEvent & { type: 'xstate.done.actor.classifyTicket' } => ({
  type: 'xstate.done.actor.classifyTicket',
  output: { level, category: 'account', confidence, rationale: 'test', ...trace },
  meta,
});

export const classificationFailed: TicketMachineEvent = {
  type: 'xstate.error.actor.classifyTicket',
  error: { reason: 'timeout', message: 'took too long', model: 'm', latencyMs: 30000 },
  meta,
};

export const draftStarted: TicketMachineEvent = { type: 'AnswerDraftStarted', data: { model: 'm' }, meta };

export const drafted: TicketMachineEvent = {
  type: 'xstate.done.actor.draftAnswer',
  output: { answer: 'Reset it at the portal.', citations: [{ id: 'password-reset', title: 'Reset' }], ...trace },
  meta,
};

export const draftFailed: TicketMachineEvent = {
  type: 'xstate.error.actor.draftAnswer',
  error: { reason: 'no_grounding', message: 'no article', model: 'm', latencyMs: 3 },
  meta,
};

export const escalated = (data: EventData<'TicketEscalated'>): TicketMachineEvent => ({
  type: 'TicketEscalated',
  data,
  meta,
});

export const closed: TicketMachineEvent = { type: 'TicketClosed', data: { reason: 'resolved' }, meta };
