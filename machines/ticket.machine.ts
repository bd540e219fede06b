import { assign, fromPromise, not, setup } from 'xstate';
import type {
  EscalationReason,
  EventData,
  TicketPolicy,
} from '../src/events/index.ts';
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
};

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
          actions: assign(({ event }) => ({ escalation: event.data, updatedAt: event.meta.at })),
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
        TicketClosed: {
          target: 'closed',
          actions: assign(({ event }) => ({
            closed: { reason: event.data.reason, at: event.meta.at },
            updatedAt: event.meta.at,
          })),
        },
      },
    },
    escalated: {
      on: {
        TicketClosed: {
          target: 'closed',
          actions: assign(({ event }) => ({
            closed: { reason: event.data.reason, at: event.meta.at },
            updatedAt: event.meta.at,
          })),
        },
      },
    },
    closed: {},
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
  | 'closed';
