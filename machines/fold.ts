import {
  createActor,
  fromCallback,
  initialTransition,
  type ActorScope,
  type AnyStateMachine,
  type SnapshotFrom,
} from 'xstate';
import { actorInputOf, emptyContext, type ClassifyInput } from './context.ts';
import { isTicketEventType, type RecordedEvent } from './events.ts';
import { ruleGuards, ticketMachine, type TicketMachine } from './machine.ts';
import {
  machineEventOf,
  actorResultEvents,
  type ActorName,
  type TicketMachineEvent,
} from './machineEvents.ts';
import { isTicketStatus, type TicketStatus } from './types.ts';

export type TicketSnapshot = SnapshotFrom<TicketMachine>;

/** A stored event that the machine has no transition for in the state the stream was in. */
export interface Anomaly {
  version: number;
  type: string;
  status: TicketStatus;
}

export interface TicketState {
  snapshot: TicketSnapshot;
  /** The version of the last event folded (0: no events). */
  version: number;
  /** Stored events the fold could not place (tampered or damaged history); empty for sound streams. */
  anomalies: readonly Anomaly[];
}

export interface PendingActor {
  /** The invocation (its id names the events that record its result). */
  actor: ActorName;
  /** The actor logic it runs, as the composition root provides it. */
  src: 'classifyTicket' | 'draftAnswer';
  input: ClassifyInput;
}

const inertActor = fromCallback(() => undefined);

/**
 * The machine that folds history. A stored event is a fact: whether it was allowed was decided
 * when it was appended, under the rules of its time, so the fold trusts every rule guard and
 * evaluates only the routing guards, which read the event itself. Tightening a rule therefore
 * changes what `decide` allows from now on and never how history reads.
 */
export const historyMachine: TicketMachine = ticketMachine.provide({
  guards: Object.fromEntries(Object.keys(ruleGuards).map((name) => [name, () => true])),
  // In history an actor's result is its stored event: the actor itself never runs. These inert
  // actors only name what the states invoke (the inert scope below never starts them).
  actors: Object.fromEntries(Object.keys(actorResultEvents).map((name) => [name, inertActor])),
});

/**
 * One inert actor scope per machine. XState's `transition()` builds a new one on each call, and
 * building it creates an actor, which computes the machine's initial snapshot: that alone cost a
 * third of a replay. This scope runs, defers, emits and stops nothing: transitions stay pure.
 */
function inertScope(machine: AnyStateMachine): ActorScope<TicketSnapshot, TicketMachineEvent> {
  const self = createActor(machine);
  return {
    self,
    id: '',
    sessionId: '',
    system: self.system,
    logger: () => {},
    defer: () => {},
    emit: () => {},
    stopChild: () => {},
    actionExecutor: () => {},
  } as unknown as ActorScope<TicketSnapshot, TicketMachineEvent>;
}
const historyScope = inertScope(historyMachine);

export function initialTicketState(): TicketState {
  const [snapshot] = initialTransition(historyMachine);
  return { snapshot, version: 0, anomalies: [] };
}

/** The ticket's status: the machine's state value. */
export function statusOf(snapshot: TicketSnapshot): TicketStatus {
  const value = typeof snapshot.value === 'string' ? snapshot.value : '';
  return isTicketStatus(value) ? value : 'new';
}

/** The machine event a stored ticket event stands for. */
export function toMachineEvent(event: RecordedEvent): TicketMachineEvent {
  const { type } = event;
  if (!isTicketEventType(type)) throw new Error(`${type} is not an event of a ticket's stream`);
  return machineEventOf(
    { type, data: event.data },
    {
      at: event.timestamp,
      actorId: event.metadata.actor.id,
      version: event.version,
    },
  );
}

/** Moves the snapshot with one event; the same snapshot when the machine has no transition for it. */
function transitionHistory(snapshot: TicketSnapshot, event: TicketMachineEvent): TicketSnapshot {
  try {
    return historyMachine.transition(snapshot, event, historyScope);
  } catch {
    // Damaged data (a field missing or of another type) is an anomaly like any other.
    return snapshot;
  }
}

/** Folds one stored event. Never throws: what the machine cannot place is recorded as an anomaly. */
export function evolve(state: TicketState, event: RecordedEvent): TicketState {
  if (!isTicketEventType(event.type)) return withAnomaly(state, event.type, event.version);
  const next = transitionHistory(state.snapshot, toMachineEvent(event));
  if (next === state.snapshot) return withAnomaly(state, event.type, event.version);
  return { ...state, snapshot: next, version: event.version };
}

/** `evolve` for an event already in the machine's form. */
export function evolveMachineEvent(
  state: TicketState,
  event: TicketMachineEvent,
  version: number,
): TicketState {
  const next = transitionHistory(state.snapshot, event);
  if (next === state.snapshot) return withAnomaly(state, event.type, version);
  return { ...state, snapshot: next, version };
}

function withAnomaly(state: TicketState, type: string, version: number): TicketState {
  const anomaly = { version, type, status: statusOf(state.snapshot) };
  return { ...state, version, anomalies: [...state.anomalies, anomaly] };
}

/** Rebuilds a ticket from its stream. Pure: no actor runs, no rule is re-evaluated, never throws. */
export function foldTicket(events: readonly RecordedEvent[]): TicketState {
  return events.reduce(evolve, initialTicketState());
}

/**
 * The status an event leaves a ticket in, given the status before it: the history machine's own
 * transition, which depends only on the state and the event (rule guards are trusted). Where the
 * state has at most one transition for the event's type the answer depends on nothing else and is
 * remembered (projections ask for every event); routing guards only ever choose among several.
 */
export function statusAfter(previous: TicketStatus, event: RecordedEvent): TicketStatus {
  if (!isTicketEventType(event.type)) return previous;
  const machineEvent = toMachineEvent(event);
  const key = `${previous}\0${machineEvent.type}`;
  const known = statusAfterByType.get(key);
  if (known) return known;
  const before = historyMachine.resolveState({ value: previous, context: emptyContext });
  const after = statusOf(transitionHistory(before, machineEvent));
  const candidates = before._nodes.flatMap((node) => node.transitions.get(machineEvent.type) ?? []);
  if (candidates.length <= 1) statusAfterByType.set(key, after);
  return after;
}
const statusAfterByType = new Map<string, TicketStatus>();

/** The actor the ticket's state invokes and whose result is not yet an event, if any. */
export function pendingActor(state: TicketState): PendingActor | null {
  for (const node of state.snapshot._nodes) {
    for (const invoke of node.invoke) {
      if (Object.hasOwn(actorResultEvents, invoke.id)) {
        return {
          actor: invoke.id as ActorName,
          src: invoke.src as PendingActor['src'],
          input: actorInputOf(state.snapshot.context),
        };
      }
    }
  }
  return null;
}

/** Whether the machine's state carries a tag (`automatic`, `agent`, `sla`). */
export const hasTag = (state: TicketState, tag: 'automatic' | 'agent' | 'sla'): boolean =>
  state.snapshot.hasTag(tag);

/** The statuses whose state carries a tag, read from the machine's definition. */
export function statusesTagged(tag: 'automatic' | 'agent' | 'sla'): TicketStatus[] {
  return Object.values(ticketMachine.root.states)
    .filter((node) => node.tags.includes(tag))
    .map((node) => node.key)
    .filter(isTicketStatus);
}

/** The domain event types the machine takes next in this state (guards aside). */
export function allowedEvents(snapshot: TicketSnapshot): string[] {
  const types = new Set<string>();
  for (const node of snapshot._nodes) {
    for (const type of Object.keys(node.on ?? {})) types.add(type);
  }
  return [...types].filter((t) => !t.startsWith('xstate.')).sort();
}
