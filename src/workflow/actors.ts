import { fromPromise } from 'xstate';
import { draftGroundedAnswer } from '../llm/index.ts';
import { ModelError, type KnowledgeBase, type LanguageModel } from '../llm/index.ts';
import type { ClassifyInput, TicketEventData } from '../../machines/index.ts';

type EventData<T extends 'TicketClassified' | 'AnswerDrafted'> = TicketEventData<T>;

export interface ActorTimeouts {
  classifyMs: number;
  draftMs: number;
}

/** A failed actor, in the form the failure events record. */
export interface ActorFailure {
  reason: ModelError['reason'];
  message: string;
  model: string;
  latencyMs: number;
}

export type ActorOutcome<T> = { ok: true; data: T } | { ok: false; failure: ActorFailure };

/**
 * The implementations of the machine's actors. They call the model and the knowledge base;
 * the runner stores what they return as events, so a replay never calls them again.
 */
export function createTicketActors(llm: LanguageModel, kb: KnowledgeBase, timeouts: ActorTimeouts) {
  async function run<T>(
    timeoutMs: number,
    work: (signal: AbortSignal) => Promise<T>,
    stop?: AbortSignal,
  ): Promise<ActorOutcome<T>> {
    const started = performance.now();
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return { ok: true, data: await work(stop ? AbortSignal.any([stop, timeout]) : timeout) };
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      const reason = error instanceof ModelError ? error.reason : timedOut ? 'timeout' : 'error';
      const message = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        failure: { reason, message: message.slice(0, 500), model: llm.name, latencyMs },
      };
    }
  }

  return {
    modelName: llm.name,

    classifyTicket(
      input: ClassifyInput,
      stop?: AbortSignal,
    ): Promise<ActorOutcome<EventData<'TicketClassified'>>> {
      return run(
        timeouts.classifyMs,
        async (signal) => {
          const { result, trace } = await llm.classify(
            { subject: input.subject, description: input.description },
            { signal },
          );
          return { ...result, ...trace };
        },
        stop,
      );
    },

    draftAnswer(
      input: ClassifyInput,
      stop?: AbortSignal,
    ): Promise<ActorOutcome<EventData<'AnswerDrafted'>>> {
      return run(
        timeouts.draftMs,
        async (signal) => {
          const { result, trace } = await draftGroundedAnswer(
            llm,
            kb,
            { subject: input.subject, description: input.description },
            { signal },
          );
          return { ...result, ...trace };
        },
        stop,
      );
    },
  };
}

export type TicketActors = ReturnType<typeof createTicketActors>;

const settle = <T>(outcome: ActorOutcome<T>): T => {
  if (outcome.ok) return outcome.data;
  throw outcome.failure;
};

/**
 * The machine's actors as XState logic, for `ticketMachine.provide({ actors })`: each resolves
 * with the data its done event records, or rejects with the failure its error event records.
 * Stopping the actor aborts the model call.
 */
export function ticketActorLogic(actors: TicketActors) {
  return {
    classifyTicket: fromPromise<EventData<'TicketClassified'>, ClassifyInput>(
      async ({ input, signal }) => settle(await actors.classifyTicket(input, signal)),
    ),
    draftAnswer: fromPromise<EventData<'AnswerDrafted'>, ClassifyInput>(async ({ input, signal }) =>
      settle(await actors.draftAnswer(input, signal)),
    ),
  };
}
