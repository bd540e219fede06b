import type { EventData } from '../../src/events/index.ts';
import {
  decideAutomaticSteps,
  pendingActor,
  type EventMeta,
  type TicketMachineEvent,
  type TicketState,
} from '../../machines/index.ts';

/** Sample machine events for specifications and graph traversal. */
export const meta: EventMeta = { at: '2026-11-24T10:00:00.000Z', actorId: 'test', version: 1 };

const trace = {
  model: 'test-model',
  promptVersion: 'v1',
  promptHash: 'h',
  latencyMs: 5,
  attempts: 1,
};

export const received = (threshold = 0.7, suggestThreshold?: number): TicketMachineEvent => ({
  type: 'TicketReceived',
  data: {
    ticketId: '3f1b6f5e-4a55-4c1e-9a4e-0d8f3c1b2a10',
    subject: 'cannot log in',
    description: 'I forgot my password',
    requester: { email: 'ann@example.com' },
    policy: {
      autoAnswerThreshold: threshold,
      ...(suggestThreshold !== undefined ? { suggestThreshold } : {}),
    },
  },
  meta,
});

export const classificationStarted: TicketMachineEvent = {
  type: 'ClassificationStarted',
  data: { model: 'm' },
  meta,
};

export const classified = (
  level: 1 | 2 | 3,
  confidence: number,
  injectionSuspected?: string[],
): TicketMachineEvent & { type: 'xstate.done.actor.classifyTicket' } => ({
  type: 'xstate.done.actor.classifyTicket',
  output: {
    level,
    category: 'account',
    confidence,
    rationale: 'test',
    ...(injectionSuspected ? { injectionSuspected } : {}),
    ...trace,
  },
  meta,
});

export const classificationFailed: TicketMachineEvent = {
  type: 'xstate.error.actor.classifyTicket',
  error: { reason: 'timeout', message: 'took too long', model: 'm', latencyMs: 30000 },
  meta,
};

export const draftStarted: TicketMachineEvent = {
  type: 'AnswerDraftStarted',
  data: { model: 'm' },
  meta,
};

export const drafted: TicketMachineEvent = {
  type: 'xstate.done.actor.draftAnswer',
  output: {
    answer: 'Reset it at the portal.',
    citations: [{ id: 'password-reset', title: 'Reset' }],
    ...trace,
  },
  meta,
};

export const draftFailed: TicketMachineEvent = {
  type: 'xstate.error.actor.draftAnswer',
  error: { reason: 'no_grounding', message: 'no article', model: 'm', latencyMs: 3 },
  meta,
};

// Suggested answers: a level-1 ticket between the suggestion and the auto-answer thresholds.
export const suggestionStarted: TicketMachineEvent = {
  type: 'SuggestionDraftStarted',
  data: { model: 'm' },
  meta,
};

export const suggestionDrafted: TicketMachineEvent = {
  type: 'xstate.done.actor.draftSuggestion',
  output: {
    answer: 'Restart the VPN client.',
    citations: [{ id: 'vpn', title: 'VPN' }],
    ...trace,
  },
  meta,
};

export const suggestionFailed: TicketMachineEvent = {
  type: 'xstate.error.actor.draftSuggestion',
  error: { reason: 'no_grounding', message: 'no article', model: 'm', latencyMs: 3 },
  meta,
};

export const escalated = (data: EventData<'TicketEscalated'>): TicketMachineEvent => ({
  type: 'TicketEscalated',
  data,
  meta,
});

export const closed: TicketMachineEvent = {
  type: 'TicketClosed',
  data: { reason: 'resolved', closedBy: 'agent' },
  meta,
};

// Agents' events (issue 5). Every sample is stamped with `meta.at`; reopening is allowed until `reopenUntil`.
const agent = 'agent@example.com';
const other = 'lead@example.com';
const agentMeta: EventMeta = { ...meta, actorId: agent };
export const agentEvents = {
  suggestionSent: {
    type: 'SuggestionSent',
    data: {
      body: 'Restart the VPN client.',
      citations: [{ id: 'vpn', title: 'VPN' }],
      edited: false,
    },
    meta: agentMeta,
  },
  suggestionDiscarded: { type: 'SuggestionDiscarded', data: {}, meta: agentMeta },
  claimed: { type: 'TicketClaimed', data: { agent }, meta: agentMeta },
  assignedToOther: {
    type: 'TicketAssigned',
    data: { agent: other, previous: null },
    meta: { ...meta, actorId: other },
  },
  released: { type: 'TicketReleased', data: { agent }, meta: agentMeta },
  releasedByOther: {
    type: 'TicketReleased',
    data: { agent: other },
    meta: { ...meta, actorId: other },
  },
  started: { type: 'WorkStarted', data: {}, meta: agentMeta },
  replied: { type: 'AgentReplied', data: { body: 'Looking into it.' }, meta: agentMeta },
  noted: { type: 'InternalNoteAdded', data: { body: 'Probably the switch.' }, meta: agentMeta },
  onHold: { type: 'TicketPutOnHold', data: { message: 'Which building?' }, meta: agentMeta },
  requesterReplied: {
    type: 'RequesterReplied',
    data: { body: 'Building B.' },
    meta: { ...meta, actorId: 'ann@example.com' },
  },
  resolved: {
    type: 'TicketResolved',
    data: { resolution: 'Replaced the switch.', reopenUntil: '2026-12-01T10:00:00.000Z' },
    meta: agentMeta,
  },
  resolvedWindowOver: {
    type: 'TicketResolved',
    data: { resolution: 'Replaced the switch.', reopenUntil: '2026-11-24T09:00:00.000Z' },
    meta: agentMeta,
  },
  reopened: { type: 'TicketReopened', data: { reason: 'It broke again.' }, meta: agentMeta },
  relevelled3to2: {
    type: 'TicketRelevelled',
    data: { from: 3, to: 2, reason: 'application, not network' },
    meta: agentMeta,
  },
  relevelled2to3: {
    type: 'TicketRelevelled',
    data: { from: 2, to: 3, reason: 'it is the network' },
    meta: agentMeta,
  },
  relevelledTo1: {
    type: 'TicketRelevelled',
    data: { from: 3, to: 1, reason: 'a how-to question', answer: 'Use the self-service portal.' },
    meta: agentMeta,
  },
  relevelledTo1WithoutAnswer: {
    type: 'TicketRelevelled',
    data: { from: 3, to: 1, reason: 'how-to' },
    meta: agentMeta,
  },
  answerAccepted: {
    type: 'TicketClosed',
    data: { reason: 'answer_accepted', closedBy: 'requester' },
    meta,
  },
  answerRejected: { type: 'AnswerRejected', data: { comment: 'did not help' }, meta },
  closedResolved: {
    type: 'TicketClosed',
    data: { reason: 'resolved', closedBy: 'requester' },
    meta,
  },
  autoClosed: {
    type: 'TicketClosed',
    data: { reason: 'auto_close', closedBy: 'system' },
    meta: { ...meta, actorId: 'sla-scheduler' },
  },
  withdrawn: { type: 'TicketClosed', data: { reason: 'withdrawn', closedBy: 'requester' }, meta },
  firstResponseWarning: {
    type: 'SlaWarning',
    data: { clock: 'first_response', level: 3, targetMinutes: 15, dueAt: meta.at },
    meta: { ...meta, actorId: 'sla-scheduler' },
  },
  firstResponseBreached: {
    type: 'SlaBreached',
    data: { clock: 'first_response', level: 3, targetMinutes: 15, dueAt: meta.at },
    meta: { ...meta, actorId: 'sla-scheduler' },
  },
  resolutionBreached: {
    type: 'SlaBreached',
    data: { clock: 'resolution', level: 3, targetMinutes: 240, dueAt: meta.at },
    meta: { ...meta, actorId: 'sla-scheduler' },
  },
} satisfies Record<string, TicketMachineEvent>;

/** What the workflow does next, in the words of the specs: from the module's own decisions. */
export function nextStep(state: TicketState) {
  const pending = pendingActor(state);
  if (pending) return { kind: 'invoke' as const, actor: pending.actor, input: pending.input };
  const [first] = decideAutomaticSteps(state, {
    at: new Date('2026-01-01T00:00:00Z'),
    actorId: 'workflow',
    modelName: 'test',
  }).events;
  switch (first?.type) {
    case 'ClassificationStarted':
      return { kind: 'startClassification' as const };
    case 'AnswerDraftStarted':
      return { kind: 'startDraft' as const };
    case 'TicketEscalated':
      return { kind: 'escalate' as const, data: first.data };
    default:
      return null;
  }
}
