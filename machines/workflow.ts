import { escalationFor } from './context.ts';
import { allows, applyEvent, IllegalTransitionError } from './decide.ts';
import type { TicketEvent, TicketEventData } from './events.ts';
import { pendingActor, statusOf, type TicketState } from './fold.ts';
import { actorResultEvents, machineEventOf, type ActorName } from './machineEvents.ts';
import type { TicketMachine } from './machine.ts';

/** When and on whose behalf a decision without a person is made, and under which rules. */
export interface SystemContext {
  at: Date;
  actorId: string;
  rules?: TicketMachine;
}

/** The workflow's decisions also name the model its steps call. */
export interface WorkflowContext extends SystemContext {
  modelName: string;
}

/** An actor's outcome: its output, or the failure its error event records. */
export type ActorOutcome<A extends ActorName> =
  | { ok: true; output: TicketEventData<(typeof actorResultEvents)[A]['done']> }
  | { ok: false; error: TicketEventData<(typeof actorResultEvents)[A]['error']> };

/** The decided events and the state they fold to. */
export interface Decided {
  events: TicketEvent[];
  state: TicketState;
}

/** Folds a decided event through the rules (a refused one is a defect in the decision). */
function fold(current: Decided, event: TicketEvent, ctx: SystemContext): Decided {
  const version = current.state.version + 1;
  const meta = { at: ctx.at.toISOString(), actorId: ctx.actorId, version };
  const state = applyEvent(current.state, machineEventOf(event, meta), version, ctx.rules);
  return { events: [...current.events, event], state };
}

/**
 * The one automatic step the machine's state calls for, if any (actors aside). Where the machine
 * offers several ways on (a classified ticket is answered, gets a suggestion drafted, or goes to
 * people), its rules choose.
 */
function automaticStep(state: TicketState, ctx: WorkflowContext): TicketEvent | null {
  if (pendingActor(state)) return null;
  switch (statusOf(state.snapshot)) {
    case 'received':
      return { type: 'ClassificationStarted', data: { model: ctx.modelName } };
    case 'classified': {
      // The first of these the rules allow: an automatic answer, a suggestion for agents, people.
      const meta = { at: ctx.at.toISOString(), actorId: ctx.actorId, version: state.version + 1 };
      const candidates: TicketEvent[] = [
        { type: 'AnswerDraftStarted', data: { model: ctx.modelName } },
        { type: 'SuggestionDraftStarted', data: { model: ctx.modelName } },
      ];
      return (
        candidates.find((event) => allows(state, machineEventOf(event, meta), ctx.rules)) ?? {
          type: 'TicketEscalated',
          data: escalationFor(state.snapshot.context),
        }
      );
    }
    default:
      return null;
  }
}

/**
 * The events that move a ticket on without a person, up to the next actor the machine invokes
 * (whose result must be recorded first) or the next person's turn.
 */
export function decideAutomaticSteps(state: TicketState, ctx: WorkflowContext): Decided {
  let decided: Decided = { events: [], state };
  for (let step = automaticStep(state, ctx); step; step = automaticStep(decided.state, ctx)) {
    decided = fold(decided, step, ctx);
  }
  return decided;
}

/**
 * Records an actor's outcome, then the steps it implies. Nothing when the ticket no longer waits
 * for that actor (another process recorded its result first).
 */
export function decideActorResult<A extends ActorName>(
  state: TicketState,
  actor: A,
  outcome: ActorOutcome<A>,
  ctx: WorkflowContext,
): Decided {
  if (pendingActor(state)?.actor !== actor) return { events: [], state };
  const types = actorResultEvents[actor];
  // The table pairs each actor with its own result types; TypeScript cannot correlate them.
  const result = (
    outcome.ok
      ? { type: types.done, data: outcome.output }
      : { type: types.error, data: outcome.error }
  ) as TicketEvent;
  const recorded = fold({ events: [], state }, result, ctx);
  const next = decideAutomaticSteps(recorded.state, ctx);
  return { events: [...recorded.events, ...next.events], state: next.state };
}

/**
 * Of the events a timer made due (SLA warnings and breaches, the auto-close), those the rules
 * allow now, in order: a clock that stopped meanwhile or a duplicate breach is dropped.
 */
export function decideDueEvents(
  state: TicketState,
  due: readonly TicketEvent[],
  ctx: SystemContext,
): Decided {
  let decided: Decided = { events: [], state };
  for (const event of due) {
    try {
      decided = fold(decided, event, ctx);
    } catch (error) {
      if (!(error instanceof IllegalTransitionError)) throw error;
    }
  }
  return decided;
}
