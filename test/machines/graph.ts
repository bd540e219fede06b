import {
  allows,
  applyEvent,
  escalationFor,
  initialTicketState,
  statusOf,
  ticketMachine,
  type TicketMachineEvent,
  type TicketState,
} from '../../machines/index.ts';
import * as sample from './ticketEvents.ts';

/**
 * The ticket machine's graph for tests: its simple paths (by state) and a path for every
 * transition (the shortest way to its source, then the transition), which also covers the
 * transitions back to earlier states that no simple path can take.
 */
const a = sample.agentEvents;

/** One sample of each event the machine knows; guards pick the ones that apply in a state. */
export const graphEvents: TicketMachineEvent[] = [
  sample.received(),
  sample.received(0.7, 0.5),
  sample.classificationStarted,
  sample.classified(1, 0.9),
  sample.classified(2, 0.9),
  sample.classified(3, 0.9),
  sample.classified(1, 0.3),
  sample.classified(1, 0.6),
  sample.classificationFailed,
  sample.draftStarted,
  sample.drafted,
  sample.draftFailed,
  sample.suggestionStarted,
  sample.suggestionDrafted,
  sample.suggestionFailed,
  a.suggestionSent,
  a.suggestionDiscarded,
  a.claimed,
  a.assignedToOther,
  a.released,
  a.releasedByOther,
  a.started,
  a.replied,
  a.noted,
  a.onHold,
  a.requesterReplied,
  a.resolved,
  a.reopened,
  a.relevelled3to2,
  a.relevelled2to3,
  a.relevelledTo1,
  a.answerAccepted,
  a.answerRejected,
  a.closedResolved,
  a.autoClosed,
  a.withdrawn,
  a.firstResponseWarning,
  a.firstResponseBreached,
  a.resolutionBreached,
];

const eventsIn = (state: TicketState['snapshot']) => [
  ...graphEvents,
  sample.escalated(escalationFor(state.context)),
];

export const fold = (events: readonly TicketMachineEvent[]): TicketState =>
  events.reduce((s, e, i) => applyEvent(s, e, i + 1), initialTicketState());

export interface GraphPath {
  name: string;
  events: TicketMachineEvent[];
  /** The status after the last event. */
  status: string;
}

const nameOf = (events: readonly TicketMachineEvent[]) => events.map((e) => e.type).join(' → ');

/**
 * Every simple path through the machine: from `new`, each status at most once, following only
 * transitions the machine accepts from the snapshot actually reached (guards included).
 * (XState's `getSimplePaths` needs a state serializer: by status alone its adjacency is built from
 * one snapshot per status, so guarded paths come out wrong; with the context the paths explode.)
 */
export function simplePaths(): GraphPath[] {
  const paths: GraphPath[] = [];
  const walk = (state: TicketState, events: TicketMachineEvent[], seen: Set<string>) => {
    paths.push({ name: nameOf(events) || '(start)', events, status: statusOf(state.snapshot) });
    for (const event of eventsIn(state.snapshot)) {
      if (!allows(state, event)) continue;
      const next = applyEvent(state, event, events.length + 1);
      const status = statusOf(next.snapshot);
      if (seen.has(status)) continue;
      seen.add(status);
      walk(next, [...events, event], seen);
      seen.delete(status);
    }
  };
  walk(initialTicketState(), [], new Set(['new']));
  return paths;
}

export interface Transition {
  from: string;
  event: string;
  to: string;
}
export const transitionKey = (t: Transition) => `${t.from} -${t.event}-> ${t.to}`;

/**
 * A path for every transition: breadth-first over the machine's states (told apart by status,
 * level, assignee, resolution and SLA records), then every event the machine accepts there.
 * Self-transitions (notes, SLA records, reassignments) count as transitions too.
 */
export function transitionPaths(): Array<GraphPath & { transition: Transition }> {
  const keyOf = (s: TicketState) => {
    const c = s.snapshot.context;
    return JSON.stringify([
      statusOf(s.snapshot),
      c.level,
      c.assignee,
      c.resolution !== null,
      c.closed?.reason,
      c.sla,
      c.policy.suggestThreshold,
      c.classification?.confidence,
      c.suggestion?.status,
      c.suggestionFailure !== null,
    ]);
  };
  const seen = new Map<string, TicketMachineEvent[]>();
  const queue: Array<{ state: TicketState; events: TicketMachineEvent[] }> = [
    { state: initialTicketState(), events: [] },
  ];
  seen.set(keyOf(queue[0]!.state), []);
  const byTransition = new Map<string, GraphPath & { transition: Transition }>();
  while (queue.length > 0) {
    const { state, events } = queue.shift()!;
    for (const event of eventsIn(state.snapshot)) {
      if (!allows(state, event)) continue;
      const next = applyEvent(state, event, events.length + 1);
      const path = [...events, event];
      const transition = {
        from: statusOf(state.snapshot),
        event: event.type,
        to: statusOf(next.snapshot),
      };
      const key = transitionKey(transition);
      if (!byTransition.has(key))
        byTransition.set(key, { name: key, events: path, status: transition.to, transition });
      const k = keyOf(next);
      if (!seen.has(k) && path.length < 30) {
        seen.set(k, path);
        queue.push({ state: next, events: path });
      }
    }
  }
  return [...byTransition.values()];
}

/** Every (state, event type) the machine's definition names: what the transition paths must cover. */
export function declaredTransitions(): Array<{ from: string; event: string }> {
  const declared: Array<{ from: string; event: string }> = [];
  for (const [name, node] of Object.entries(ticketMachine.root.states)) {
    for (const type of node.transitions.keys()) declared.push({ from: name, event: type });
  }
  return declared;
}
