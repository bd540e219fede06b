import {
  createActor,
  initialTransition,
  type ActorScope,
  type ExecutableActionsFrom,
  type SnapshotFrom,
} from 'xstate';
import type { EventData, StoredEvent } from '../src/events/index.ts';
import {
  ticketMachine,
  canAutoAnswer,
  escalationFor,
  type ClassifyInput,
} from './ticket.machine.ts';
import { toMachineEvent, type TicketMachineEvent } from './ticket.events.ts';
import { replayTicket } from './ticket.replay.ts';

export type TicketSnapshot = SnapshotFrom<typeof ticketMachine>;
export type ActorName = 'classifyTicket' | 'draftAnswer';

export interface TicketState {
  snapshot: TicketSnapshot;
  /** The version of the last event folded (0: no events). */
  version: number;
  /** Actors the last transition started and whose result is not yet an event. */
  pendingActors: Array<{ actor: ActorName; input: ClassifyInput }>;
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly status: string,
    readonly eventType: string,
    readonly allowed: string[],
  ) {
    super(`${eventType} is not allowed in state ${status}`);
    this.name = 'IllegalTransitionError';
  }
}

export function initialTicketState(): TicketState {
  const [snapshot] = initialTransition(ticketMachine);
  return { snapshot, version: 0, pendingActors: [] };
}

/** The status the API shows: the machine's state value. */
export function statusOf(snapshot: TicketSnapshot): string {
  return typeof snapshot.value === 'string' ? snapshot.value : Object.keys(snapshot.value)[0]!;
}

/**
 * Applies one machine event with XState's pure `transition()`: nothing is executed. An event the
 * machine does not take in this state (guards included) is refused with IllegalTransitionError.
 */
export function applyEvent(
  state: TicketState,
  event: TicketMachineEvent,
  version: number,
): TicketState {
  if (!state.snapshot.can(event)) throw illegal(state, event);
  return transitionTo(state, event, version);
}

function illegal(state: TicketState, event: TicketMachineEvent): IllegalTransitionError {
  return new IllegalTransitionError(
    statusOf(state.snapshot),
    event.type,
    allowedEvents(state.snapshot),
  );
}

/**
 * One inert actor scope for every transition. XState's `transition(logic, snapshot, event)` builds
 * a new one on each call, and building it creates an actor, which computes the machine's initial
 * snapshot: that alone cost a third of a replay. The scope runs nothing: its executor only
 * collects the actions a transition would run (calls are synchronous, so one array will do), it
 * defers, emits and stops nothing, and no child it would spawn is ever started.
 */
let executed: Array<ExecutableActionsFrom<typeof ticketMachine>> = [];
const inertSelf = createActor(ticketMachine);
const inertScope = {
  self: inertSelf,
  id: '',
  sessionId: '',
  system: inertSelf.system,
  logger: () => {},
  defer: () => {},
  emit: () => {},
  stopChild: () => {},
  actionExecutor: (action: ExecutableActionsFrom<typeof ticketMachine>) => {
    executed.push(action);
  },
} as unknown as ActorScope<TicketSnapshot, TicketMachineEvent>;

/** XState's pure transition (what `transition()` does), with the shared inert scope. */
function transitionTo(state: TicketState, event: TicketMachineEvent, version: number): TicketState {
  const actions: typeof executed = [];
  executed = actions;
  const snapshot = ticketMachine.transition(state.snapshot, event, inertScope);
  return { snapshot, version, pendingActors: pendingActorsOf(actions) };
}

/** The actors a transition starts: XState's spawn actions for the machine's invokes. */
function pendingActorsOf(
  actions: ReadonlyArray<ExecutableActionsFrom<typeof ticketMachine>>,
): TicketState['pendingActors'] {
  return actions.flatMap((action): TicketState['pendingActors'] => {
    if (action.type !== 'xstate.spawnChild') return [];
    const params = (action as { params?: { src?: unknown; input?: unknown } }).params;
    const src = params?.src;
    if (src !== 'classifyTicket' && src !== 'draftAnswer') return [];
    return [{ actor: src, input: params?.input as ClassifyInput }];
  });
}

/**
 * Rebuilds a ticket from its stream with XState's own algorithm, one `transition` per event.
 * Stored events were checked by the machine when they were appended, so the fold does not ask
 * `can()` again (it doubles the cost of a replay); an event the machine ignores still fails,
 * because XState then returns the very same snapshot.
 */
export function foldTicketWithXState(events: readonly StoredEvent[]): TicketState {
  let state = initialTicketState();
  for (const event of events) {
    const machineEvent = toMachineEvent(event);
    const next = transitionTo(state, machineEvent, event.version);
    if (next.snapshot === state.snapshot) throw illegal(state, machineEvent);
    state = next;
  }
  return state;
}

/**
 * Rebuilds a ticket from its stream. Pure: a fold through the machine, no actor runs.
 * The compiled replay (ticket.replay.ts) folds the stream; whatever it does not handle (an event
 * the machine refuses, an unhandled actor error, anything that throws) is folded again with
 * XState, which returns or throws exactly what it always did.
 */
export function foldTicket(events: readonly StoredEvent[]): TicketState {
  return replayTicket(events) ?? foldTicketWithXState(events);
}

/** The domain event types the machine accepts next (for error messages and agents' UIs). */
export function allowedEvents(snapshot: TicketSnapshot): string[] {
  const types = new Set<string>();
  for (const node of snapshot._nodes) {
    for (const type of Object.keys(node.on ?? {})) types.add(type);
  }
  return [...types].filter((t) => !t.startsWith('xstate.')).sort();
}

/** What the workflow runner must do next to move the ticket on without a person, if anything. */
export type NextStep =
  | { kind: 'startClassification' }
  | { kind: 'invoke'; actor: ActorName; input: ClassifyInput }
  | { kind: 'startDraft' }
  | { kind: 'escalate'; data: EventData<'TicketEscalated'> }
  | null;

export function nextStep(state: TicketState): NextStep {
  const pending = state.pendingActors[0];
  if (pending) return { kind: 'invoke', actor: pending.actor, input: pending.input };
  const context = state.snapshot.context;
  switch (statusOf(state.snapshot)) {
    case 'received':
      return { kind: 'startClassification' };
    case 'classified':
      return canAutoAnswer(context)
        ? { kind: 'startDraft' }
        : { kind: 'escalate', data: escalationFor(context) };
    default:
      return null;
  }
}
