import type { EventData } from '../events/index.ts';
import { draftGroundedAnswer } from '../llm/grounded.ts';
import { ModelError, type KnowledgeBase, type LanguageModel } from '../llm/types.ts';
import type { ClassifyInput } from '../../machines/index.ts';

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
  ): Promise<ActorOutcome<T>> {
    const started = performance.now();
    try {
      return { ok: true, data: await work(AbortSignal.timeout(timeoutMs)) };
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

    classifyTicket(input: ClassifyInput): Promise<ActorOutcome<EventData<'TicketClassified'>>> {
      return run(timeouts.classifyMs, async (signal) => {
        const { result, trace } = await llm.classify(
          { subject: input.subject, description: input.description },
          { signal },
        );
        return { ...result, ...trace };
      });
    },

    draftAnswer(input: ClassifyInput): Promise<ActorOutcome<EventData<'AnswerDrafted'>>> {
      return run(timeouts.draftMs, async (signal) => {
        const { result, trace } = await draftGroundedAnswer(
          llm,
          kb,
          { subject: input.subject, description: input.description },
          { signal },
        );
        return { ...result, ...trace };
      });
    },
  };
}

export type TicketActors = ReturnType<typeof createTicketActors>;
