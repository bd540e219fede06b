import { and, assertEvent, assign, fromPromise, not, setup } from 'xstate';
import type { EscalationReason, EventData, SlaClock, TicketPolicy } from '../src/events/index.ts';
import type { Citation, SupportLevel } from '../src/llm/types.ts';
import type { EventMeta, TicketMachineEvent } from './ticket.events.ts';

/** XState types actor results as its own events; ours also carry the stored event's meta. */
const atOf = (event: unknown): string => (event as { meta?: EventMeta }).meta?.at ?? '';

function failureOf(error: unknown): { reason: string; message: string } {
  if (typeof error === 'object' && error !== null && 'reason' in error && 'message' in error) {
    return { reason: String(error.reason), message: String(error.message) };
  }
  return { reason: 'error', message: error instanceof Error ? error.message : String(error) };
}

export interface TicketContext {
  ticketId: string;
  subject?: string | undefined;
  description: string;
  requester: { email: string; name?: string | undefined };
  policy: TicketPolicy;
  receivedAt: string;
  updatedAt: string;
  classification: {
    level: SupportLevel;
    category: string;
    confidence: number;
    rationale: string;
    model: string;
  } | null;
  classificationFailure: { reason: string; message: string } | null;
  draft: { answer: string; citations: Citation[]; model: string } | null;
  draftFailure: { reason: string; message: string } | null;
  escalation: { level: SupportLevel; reason: EscalationReason; detail: string } | null;
  closed: { reason: string; at: string } | null;
  /** The level the ticket is at now: classified, escalated, then as agents re-level it. */
  level: SupportLevel | null;
  /** The agent working on it (an email), from claim or assignment until release or re-level. */
  assignee: string | null;
  /** When an agent first answered the requester in public (reply, hold message, answer, resolution). */
  firstResponseAt: string | null;
  /** An agent's answer given when re-levelling down to level 1. */
  agentAnswer: { body: string; by: string; at: string } | null;
  resolution: { text: string; by: string; at: string; reopenUntil: string } | null;
  reopenCount: number;
  /** SLA warnings and breaches already recorded: each is emitted once. */
  sla: { warned: SlaClock[]; breached: SlaClock[] };
}

/** What the classification actor receives: only the ticket's text. */
export interface ClassifyInput {
  ticketId: string;
  subject?: string | undefined;
  description: string;
}

const emptyContext: TicketContext = {
  ticketId: '',
  description: '',
  requester: { email: '' },
  policy: { autoAnswerThreshold: 0.7 },
  receivedAt: '',
  updatedAt: '',
  classification: null,
  classificationFailure: null,
  draft: null,
  draftFailure: null,
  escalation: null,
  closed: null,
  level: null,
  assignee: null,
  firstResponseAt: null,
  agentAnswer: null,
  resolution: null,
  reopenCount: 0,
  sla: { warned: [], breached: [] },
};

/** States in which agents work the ticket and its SLA clocks may run. */
export const agentStates = [
  'escalated',
  'assigned',
  'in_progress',
  'waiting_on_requester',
  'reopened',
] as const;

/** True when the ticket may be answered without a person: level 1, confident, drafting not failed. */
export function canAutoAnswer(context: TicketContext): boolean {
  const c = context.classification;
  return (
    c !== null &&
    c.level === 1 &&
    c.confidence >= context.policy.autoAnswerThreshold &&
    context.draftFailure === null
  );
}

/** Why a ticket that cannot be auto-answered goes to a person, in the words of the record. */
export function escalationFor(context: TicketContext): EventData<'TicketEscalated'> {
  const c = context.classification;
  if (context.classificationFailure || !c) {
    const f = context.classificationFailure;
    return {
      level: 2,
      reason: 'classification_failed',
      detail: `classification failed (${f?.reason ?? 'unknown'}): ${f?.message ?? 'no result'}`,
    };
  }
  if (context.draftFailure) {
    return {
      level: c.level,
      reason: 'draft_failed',
      detail: `no grounded answer (${context.draftFailure.reason}): ${context.draftFailure.message}`,
    };
  }
  if (c.level !== 1) {
    return {
      level: c.level,
      reason: 'level_requires_agent',
      detail: `level ${c.level} (${c.category}) needs an agent: ${c.rationale}`.slice(0, 500),
    };
  }
  return {
    level: 1,
    reason: 'low_confidence',
    detail: `confidence ${c.confidence.toFixed(2)} below threshold ${context.policy.autoAnswerThreshold.toFixed(2)}`,
  };
}

/**
 * Transitions shared by the states in which an agent holds the ticket (assigned, in progress,
 * reopened): give it back to the queue, or move it to another level.
 */
const heldByAgent = {
  TicketReleased: { target: 'escalated', guard: 'isAssignee', actions: 'release' },
  TicketRelevelled: [
    { target: 'escalated', guard: 'relevelToQueue', actions: 'relevel' },
    { target: 'answered', guard: 'relevelToOneWithAnswer', actions: 'relevel' },
  ],
} as const;

/** While a person must act on the ticket: notes and replies are recorded, SLA clocks run. */
const openTicket = {
  InternalNoteAdded: { actions: 'touch' },
  RequesterReplied: { actions: 'touch' },
  SlaWarning: { guard: 'slaNotYetWarned', actions: 'slaWarned' },
  SlaBreached: { guard: 'slaNotYetBreached', actions: 'slaBreached' },
} as const;

/**
 * The ticket's lifecycle. Pure: actors are declared here and provided by the workflow runner;
 * every transition is caused by a stored event, so folding a stream rebuilds the ticket.
 */
export const ticketMachine = setup({
  types: {
    context: {} as TicketContext,
    events: {} as TicketMachineEvent,
  },
  actors: {
    classifyTicket: fromPromise<EventData<'TicketClassified'>, ClassifyInput>(async () => {
      throw new Error('classifyTicket is provided by the workflow runner');
    }),
    draftAnswer: fromPromise<EventData<'AnswerDrafted'>, ClassifyInput>(async () => {
      throw new Error('draftAnswer is provided by the workflow runner');
    }),
  },
  guards: {
    canAutoAnswer: ({ context }) => canAutoAnswer(context),
    /** Reopening is allowed until the time recorded when the ticket was resolved. */
    withinReopenWindow: ({ context, event }) =>
      event.type === 'TicketReopened' &&
      context.resolution !== null &&
      event.meta.at <= context.resolution.reopenUntil,
    /** Only tickets closed after a resolution can be reopened (not accepted answers, not withdrawn). */
    closedAfterResolution: ({ context }) =>
      context.closed !== null && ['resolved', 'auto_close'].includes(context.closed.reason),
    isAnotherAgent: ({ context, event }) =>
      event.type === 'TicketAssigned' && event.data.agent !== context.assignee,
    isAssignee: ({ context, event }) =>
      event.type === 'TicketReleased' && event.data.agent === context.assignee,
    relevelToQueue: ({ context, event }) =>
      event.type === 'TicketRelevelled' &&
      event.data.from === context.level &&
      event.data.to !== event.data.from &&
      event.data.to !== 1,
    relevelToOneWithAnswer: ({ context, event }) =>
      event.type === 'TicketRelevelled' &&
      event.data.from === context.level &&
      event.data.to === 1 &&
      event.data.from !== 1 &&
      (event.data.answer ?? '').trim() !== '',
    slaNotYetWarned: ({ context, event }) =>
      event.type === 'SlaWarning' &&
      !context.sla.warned.includes(event.data.clock) &&
      !context.sla.breached.includes(event.data.clock),
    slaNotYetBreached: ({ context, event }) =>
      event.type === 'SlaBreached' && !context.sla.breached.includes(event.data.clock),
  },
  actions: {
    touch: assign({ updatedAt: ({ event }) => atOf(event) }),
    respond: assign({
      firstResponseAt: ({ context, event }) => context.firstResponseAt ?? atOf(event),
      updatedAt: ({ event }) => atOf(event),
    }),
    claim: assign(({ event }) => {
      assertEvent(event, 'TicketClaimed');
      return { assignee: event.data.agent, updatedAt: event.meta.at };
    }),
    assignAgent: assign(({ event }) => {
      assertEvent(event, 'TicketAssigned');
      return { assignee: event.data.agent, updatedAt: event.meta.at };
    }),
    release: assign(({ event }) => {
      assertEvent(event, 'TicketReleased');
      return { assignee: null, updatedAt: event.meta.at };
    }),
    resolve: assign(({ context, event }) => {
      assertEvent(event, 'TicketResolved');
      return {
        resolution: {
          text: event.data.resolution,
          by: event.meta.actorId,
          at: event.meta.at,
          reopenUntil: event.data.reopenUntil,
        },
        firstResponseAt: context.firstResponseAt ?? event.meta.at,
        updatedAt: event.meta.at,
      };
    }),
    reopen: assign(({ context, event }) => {
      assertEvent(event, 'TicketReopened');
      return {
        resolution: null,
        closed: null,
        reopenCount: context.reopenCount + 1,
        updatedAt: event.meta.at,
      };
    }),
    relevel: assign(({ context, event }) => {
      assertEvent(event, 'TicketRelevelled');
      const toOne = event.data.to === 1;
      return {
        level: event.data.to,
        // A new level is a new queue: whoever held the ticket lets it go.
        assignee: null,
        agentAnswer: toOne
          ? { body: event.data.answer ?? '', by: event.meta.actorId, at: event.meta.at }
          : context.agentAnswer,
        firstResponseAt: toOne
          ? (context.firstResponseAt ?? event.meta.at)
          : context.firstResponseAt,
        updatedAt: event.meta.at,
      };
    }),
    close: assign(({ event }) => {
      assertEvent(event, 'TicketClosed');
      return { closed: { reason: event.data.reason, at: event.meta.at }, updatedAt: event.meta.at };
    }),
    rejectAnswer: assign(({ context, event }) => {
      assertEvent(event, 'AnswerRejected');
      const level = context.level ?? 1;
      const comment = event.data.comment ? `: ${event.data.comment}` : '';
      return {
        escalation: {
          level,
          reason: 'manual' as const,
          detail: `the requester said the answer did not help${comment}`.slice(0, 500),
        },
        updatedAt: event.meta.at,
      };
    }),
    slaWarned: assign(({ context, event }) => {
      assertEvent(event, 'SlaWarning');
      return { sla: { ...context.sla, warned: [...context.sla.warned, event.data.clock] } };
    }),
    slaBreached: assign(({ context, event }) => {
      assertEvent(event, 'SlaBreached');
      return { sla: { ...context.sla, breached: [...context.sla.breached, event.data.clock] } };
    }),
  },
}).createMachine({
  id: 'ticket',
  context: emptyContext,
  initial: 'new',
  states: {
    new: {
      on: {
        TicketReceived: {
          target: 'received',
          actions: assign(({ event }) => ({
            ticketId: event.data.ticketId,
            subject: event.data.subject,
            description: event.data.description,
            requester: event.data.requester,
            policy: event.data.policy,
            receivedAt: event.meta.at,
            updatedAt: event.meta.at,
          })),
        },
      },
    },
    received: {
      on: {
        ClassificationStarted: {
          target: 'classifying',
          actions: assign({ updatedAt: ({ event }) => event.meta.at }),
        },
      },
    },
    classifying: {
      invoke: {
        id: 'classifyTicket',
        src: 'classifyTicket',
        input: ({ context }) => ({
          ticketId: context.ticketId,
          subject: context.subject,
          description: context.description,
        }),
        onDone: {
          target: 'classified',
          actions: assign(({ event }) => ({
            classification: {
              level: event.output.level,
              category: event.output.category,
              confidence: event.output.confidence,
              rationale: event.output.rationale,
              model: event.output.model,
            },
            level: event.output.level,
            updatedAt: atOf(event),
          })),
        },
        onError: {
          target: 'classified',
          actions: assign(({ event }) => ({
            classificationFailure: failureOf(event.error),
            updatedAt: atOf(event),
          })),
        },
      },
    },
    classified: {
      on: {
        AnswerDraftStarted: {
          guard: 'canAutoAnswer',
          target: 'drafting',
          actions: assign({ updatedAt: ({ event }) => event.meta.at }),
        },
        TicketEscalated: {
          guard: not('canAutoAnswer'),
          target: 'escalated',
          actions: assign(({ event }) => ({
            escalation: event.data,
            level: event.data.level,
            updatedAt: event.meta.at,
          })),
        },
      },
    },
    drafting: {
      invoke: {
        id: 'draftAnswer',
        src: 'draftAnswer',
        input: ({ context }) => ({
          ticketId: context.ticketId,
          subject: context.subject,
          description: context.description,
        }),
        onDone: {
          target: 'answered',
          actions: assign(({ event }) => ({
            draft: {
              answer: event.output.answer,
              citations: event.output.citations,
              model: event.output.model,
            },
            updatedAt: atOf(event),
          })),
        },
        onError: {
          target: 'classified',
          actions: assign(({ event }) => ({
            draftFailure: failureOf(event.error),
            updatedAt: atOf(event),
          })),
        },
      },
    },
    answered: {
      on: {
        TicketClosed: { target: 'closed', actions: 'close' },
        AnswerRejected: { target: 'escalated', actions: 'rejectAnswer' },
      },
    },
    // In the queue of its level, nobody working on it.
    escalated: {
      on: {
        TicketClaimed: { target: 'assigned', actions: 'claim' },
        TicketAssigned: { target: 'assigned', guard: 'isAnotherAgent', actions: 'assignAgent' },
        TicketRelevelled: [
          { guard: 'relevelToQueue', actions: 'relevel' },
          { target: 'answered', guard: 'relevelToOneWithAnswer', actions: 'relevel' },
        ],
        TicketClosed: { target: 'closed', actions: 'close' },
        ...openTicket,
      },
    },
    // An agent holds it (claimed or assigned) and has not started.
    assigned: {
      on: {
        WorkStarted: { target: 'in_progress', actions: 'touch' },
        AgentReplied: { target: 'in_progress', actions: 'respond' },
        TicketAssigned: { guard: 'isAnotherAgent', actions: 'assignAgent' },
        ...heldByAgent,
        ...openTicket,
      },
    },
    in_progress: {
      on: {
        AgentReplied: { actions: 'respond' },
        TicketPutOnHold: { target: 'waiting_on_requester', actions: 'respond' },
        TicketResolved: { target: 'resolved', actions: 'resolve' },
        TicketAssigned: { guard: 'isAnotherAgent', actions: 'assignAgent' },
        ...heldByAgent,
        ...openTicket,
      },
    },
    // On hold: every SLA clock is paused until the requester answers (or the agent resumes).
    waiting_on_requester: {
      on: {
        RequesterReplied: { target: 'in_progress', actions: 'touch' },
        WorkStarted: { target: 'in_progress', actions: 'touch' },
        AgentReplied: { actions: 'respond' },
        TicketResolved: { target: 'resolved', actions: 'resolve' },
        TicketAssigned: { guard: 'isAnotherAgent', actions: 'assignAgent' },
        InternalNoteAdded: { actions: 'touch' },
      },
    },
    resolved: {
      on: {
        TicketReopened: { target: 'reopened', guard: 'withinReopenWindow', actions: 'reopen' },
        TicketClosed: { target: 'closed', actions: 'close' },
        InternalNoteAdded: { actions: 'touch' },
      },
    },
    // Back with the agent who resolved it (the assignee is kept), who picks it up again.
    reopened: {
      on: {
        WorkStarted: { target: 'in_progress', actions: 'touch' },
        AgentReplied: { target: 'in_progress', actions: 'respond' },
        TicketAssigned: { target: 'assigned', guard: 'isAnotherAgent', actions: 'assignAgent' },
        ...heldByAgent,
        ...openTicket,
      },
    },
    closed: {
      on: {
        TicketReopened: {
          target: 'reopened',
          guard: and(['closedAfterResolution', 'withinReopenWindow']),
          actions: 'reopen',
        },
      },
    },
  },
});

export type TicketMachine = typeof ticketMachine;
export type TicketStatus =
  | 'new'
  | 'received'
  | 'classifying'
  | 'classified'
  | 'drafting'
  | 'answered'
  | 'escalated'
  | 'assigned'
  | 'in_progress'
  | 'waiting_on_requester'
  | 'resolved'
  | 'reopened'
  | 'closed';
