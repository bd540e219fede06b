import { and, assertEvent, assign, setup, type PromiseActorLogic } from 'xstate';
import {
  heldByAgent,
  openTicket,
  sendSuggestion,
  sendSuggestionMovesOn,
  toOneWithAnswer,
  toQueue,
} from './transitions.ts';
import { routingGuards, ruleGuards } from './guards.ts';
import {
  actorInputOf,
  emptyContext,
  type ClassifyInput,
  type StepFailure,
  type TicketContext,
} from './context.ts';
import type { TicketEventData } from './events.ts';
import type { EventMeta, TicketMachineEvent } from './machineEvents.ts';

/**
 * The version of the rules below. Every ticket event records the version that decided it
 * (`metadata.machineVersion`); raise it when a guard or a transition changes meaning.
 * Version 1: everything before the version was recorded.
 */
export const ticketMachineVersion = 2;

export { ruleGuards };

/** XState types actor results as its own events; ours also carry the stored event's meta. */
const atOf = (event: unknown): string => (event as { meta?: EventMeta }).meta?.at ?? '';

function failureOf(error: unknown): StepFailure {
  if (typeof error === 'object' && error !== null && 'reason' in error && 'message' in error) {
    return { reason: String(error.reason), message: String(error.message) };
  }
  return { reason: 'error', message: error instanceof Error ? error.message : String(error) };
}

const addOnce = <T>(list: readonly T[], item: T): T[] =>
  list.includes(item) ? [...list] : [...list, item];

/**
 * The ticket's lifecycle. Pure: every transition is caused by a stored event, so folding a stream
 * rebuilds the ticket. The model's actors are declared here by their types and invoked by the
 * states that need them; the composition root provides their implementations (`provide()`).
 * Tags say which states the workflow moves on by itself (`automatic`), which are agents' work
 * (`agent`) and in which SLA clocks run (`sla`).
 */
export const ticketMachine = setup({
  types: {
    context: {} as TicketContext,
    events: {} as TicketMachineEvent,
  },
  actors: {} as {
    classifyTicket: PromiseActorLogic<TicketEventData<'TicketClassified'>, ClassifyInput>;
    draftAnswer: PromiseActorLogic<TicketEventData<'AnswerDrafted'>, ClassifyInput>;
  },
  guards: { ...routingGuards, ...ruleGuards },
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
    sendSuggestion: assign(({ context, event }) => {
      assertEvent(event, 'SuggestionSent');
      return {
        suggestion: context.suggestion && { ...context.suggestion, status: 'sent' as const },
        firstResponseAt: context.firstResponseAt ?? event.meta.at,
        updatedAt: event.meta.at,
      };
    }),
    discardSuggestion: assign(({ context, event }) => {
      assertEvent(event, 'SuggestionDiscarded');
      return {
        suggestion: context.suggestion && { ...context.suggestion, status: 'discarded' as const },
        updatedAt: event.meta.at,
      };
    }),
    slaWarned: assign(({ context, event }) => {
      assertEvent(event, 'SlaWarning');
      return { sla: { ...context.sla, warned: addOnce(context.sla.warned, event.data.clock) } };
    }),
    slaBreached: assign(({ context, event }) => {
      assertEvent(event, 'SlaBreached');
      return { sla: { ...context.sla, breached: addOnce(context.sla.breached, event.data.clock) } };
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
      tags: ['automatic'],
      on: {
        ClassificationStarted: {
          target: 'classifying',
          actions: assign({ updatedAt: ({ event }) => event.meta.at }),
        },
      },
    },
    classifying: {
      tags: ['automatic'],
      invoke: {
        id: 'classifyTicket',
        src: 'classifyTicket',
        input: ({ context }) => actorInputOf(context),
        onDone: {
          target: 'classified',
          actions: assign(({ event }) => ({
            classification: {
              level: event.output.level,
              category: event.output.category,
              confidence: event.output.confidence,
              rationale: event.output.rationale,
              model: event.output.model,
              injectionSuspected: event.output.injectionSuspected ?? [],
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
      tags: ['automatic'],
      on: {
        AnswerDraftStarted: {
          guard: 'canAutoAnswer',
          target: 'drafting',
          actions: assign({ updatedAt: ({ event }) => event.meta.at }),
        },
        SuggestionDraftStarted: {
          guard: 'canSuggest',
          target: 'suggesting',
          actions: assign({ updatedAt: ({ event }) => event.meta.at }),
        },
        TicketEscalated: {
          guard: 'goesToPeople',
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
      tags: ['automatic'],
      invoke: {
        id: 'draftAnswer',
        src: 'draftAnswer',
        input: ({ context }) => actorInputOf(context),
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
    // A level-1 ticket below the auto-answer threshold: the model drafts an answer for agents.
    suggesting: {
      tags: ['automatic'],
      invoke: {
        id: 'draftSuggestion',
        src: 'draftAnswer',
        input: ({ context }) => actorInputOf(context),
        onDone: {
          target: 'classified',
          actions: assign(({ event }) => ({
            suggestion: {
              answer: event.output.answer,
              citations: event.output.citations,
              model: event.output.model,
              status: 'pending' as const,
            },
            updatedAt: atOf(event),
          })),
        },
        onError: {
          target: 'classified',
          actions: assign(({ event }) => ({
            suggestionFailure: failureOf(event.error),
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
      tags: ['agent', 'sla'],
      on: {
        TicketClaimed: { target: 'assigned', actions: 'claim' },
        TicketAssigned: { target: 'assigned', guard: 'isAnotherAgent', actions: 'assignAgent' },
        TicketRelevelled: [
          { guard: toQueue, actions: 'relevel' },
          { target: 'answered', guard: toOneWithAnswer, actions: 'relevel' },
        ],
        TicketClosed: { target: 'closed', guard: 'closesWithoutAcceptance', actions: 'close' },
        ...openTicket,
      },
    },
    // An agent holds it (claimed or assigned) and has not started.
    assigned: {
      tags: ['agent', 'sla'],
      on: {
        WorkStarted: { target: 'in_progress', actions: 'touch' },
        AgentReplied: { target: 'in_progress', actions: 'respond' },
        SuggestionSent: sendSuggestionMovesOn,
        TicketAssigned: { guard: 'isAnotherAgent', actions: 'assignAgent' },
        ...heldByAgent,
        ...openTicket,
      },
    },
    in_progress: {
      tags: ['agent', 'sla'],
      on: {
        AgentReplied: { actions: 'respond' },
        SuggestionSent: sendSuggestion,
        TicketPutOnHold: { target: 'waiting_on_requester', actions: 'respond' },
        TicketResolved: { target: 'resolved', actions: 'resolve' },
        TicketAssigned: { guard: 'isAnotherAgent', actions: 'assignAgent' },
        ...heldByAgent,
        ...openTicket,
      },
    },
    // On hold: every SLA clock is paused until the requester answers (or the agent resumes).
    waiting_on_requester: {
      tags: ['agent'],
      on: {
        RequesterReplied: { target: 'in_progress', actions: 'touch' },
        WorkStarted: { target: 'in_progress', actions: 'touch' },
        AgentReplied: { actions: 'respond' },
        SuggestionSent: sendSuggestion,
        SuggestionDiscarded: openTicket.SuggestionDiscarded,
        TicketResolved: { target: 'resolved', actions: 'resolve' },
        TicketAssigned: { guard: 'isAnotherAgent', actions: 'assignAgent' },
        InternalNoteAdded: { actions: 'touch' },
      },
    },
    resolved: {
      on: {
        TicketReopened: { target: 'reopened', guard: 'withinReopenWindow', actions: 'reopen' },
        TicketClosed: { target: 'closed', guard: 'closesWithoutAcceptance', actions: 'close' },
        InternalNoteAdded: { actions: 'touch' },
      },
    },
    // Back with the agent who resolved it (the assignee is kept), who picks it up again.
    reopened: {
      tags: ['agent', 'sla'],
      on: {
        WorkStarted: { target: 'in_progress', actions: 'touch' },
        AgentReplied: { target: 'in_progress', actions: 'respond' },
        SuggestionSent: sendSuggestionMovesOn,
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
