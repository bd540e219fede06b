import { assign, createMachine, fromPromise, raise, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  allowedEvents,
  applyEvent,
  compileMachine,
  foldTicket,
  foldTicketWithXState,
  initialTicketState,
  nextStep,
  replayTicket,
  ticketMachine,
  toMachineEvent,
  UnsupportedMachineError,
  type TicketMachineEvent,
  type TicketState,
} from '../../machines/index.ts';
import type { StoredEvent } from '../../src/events/index.ts';
import { asStored as benchStored } from '../../bench/fixtures.ts';
import { ticketTemplates } from '../../bench/prefill.ts';
import { graphEvents, simplePaths, transitionPaths } from './graph.ts';
import { randomEvent, rng, storedHistory, toStored, type Rng } from './replayEvents.ts';

/**
 * The replay (machines/ticket.replay.ts) must give exactly what XState's fold gives: the same
 * snapshot (value, context with its keys in the same order, status, children, history), the same
 * pending actors and version, and for a history XState refuses, the same error. The reference is
 * `foldTicketWithXState`, one `transition` per event.
 */

/** Two folds are the same ticket. */
function expectSameState(actual: TicketState, expected: TicketState): void {
  expect(actual.version).toBe(expected.version);
  expect(actual.pendingActors).toStrictEqual(expected.pendingActors);
  // value, context, status, output, error, history and children (their src, input, snapshot).
  expect(ticketMachine.getPersistedSnapshot(actual.snapshot)).toStrictEqual(
    ticketMachine.getPersistedSnapshot(expected.snapshot),
  );
  expect(JSON.stringify(actual.snapshot.context)).toBe(JSON.stringify(expected.snapshot.context));
  expect(actual.snapshot._nodes.map((n) => n.id)).toEqual(
    expected.snapshot._nodes.map((n) => n.id),
  );
  expect([...actual.snapshot.tags]).toEqual([...expected.snapshot.tags]);
  expect(Object.keys(actual.snapshot.children)).toEqual(Object.keys(expected.snapshot.children));
  expect(allowedEvents(actual.snapshot)).toEqual(allowedEvents(expected.snapshot));
  expect(nextStep(actual)).toStrictEqual(nextStep(expected));
}

/** The replay itself (no fallback) folds a legal history like XState. */
function expectReplayed(events: readonly StoredEvent[]): void {
  const replayed = replayTicket(events);
  expect(replayed, 'the replay handles a legal history itself').toBeDefined();
  expectSameState(replayed!, foldTicketWithXState(events));
  expectSameState(foldTicket(events), foldTicketWithXState(events));
}

type Outcome = { state: TicketState } | { error: unknown };
const outcome = (fold: (e: readonly StoredEvent[]) => TicketState, events: StoredEvent[]) => {
  try {
    return { state: fold(events) } as Outcome;
  } catch (error) {
    return { error } as Outcome;
  }
};
const describeError = (error: unknown) =>
  error instanceof Error ? { class: error.constructor, ...error, message: error.message } : error;

/** `foldTicket` (replay, else XState) returns or throws what XState's fold returns or throws. */
function expectSameOutcome(events: StoredEvent[]): Outcome {
  const expected = outcome(foldTicketWithXState, events);
  const actual = outcome(foldTicket, events);
  if ('error' in expected) {
    expect('error' in actual && describeError(actual.error)).toStrictEqual(
      describeError(expected.error),
    );
  } else {
    expect('state' in actual).toBe(true);
    expectSameState((actual as { state: TicketState }).state, expected.state);
  }
  return expected;
}

/** A legal history: at each step a random event the machine accepts (XState's `can`). */
function randomLegalHistory(r: Rng, length: number): TicketMachineEvent[] {
  const events: TicketMachineEvent[] = [];
  let state = initialTicketState();
  for (let version = 1; version <= length; version++) {
    let chosen: TicketMachineEvent | undefined;
    for (let attempt = 0; attempt < 200 && !chosen; attempt++) {
      const event = randomEvent(r);
      if (state.snapshot.can(event)) chosen = event;
    }
    if (!chosen) break;
    events.push(chosen);
    state = applyEvent(state, chosen, version);
  }
  return events;
}

describe('the stored form of the test events', () => {
  it('maps back to the same machine events', () => {
    const r = rng(1);
    for (let i = 0; i < 500; i++) {
      const event = randomEvent(r);
      expect(toMachineEvent(toStored(event, 7))).toStrictEqual({
        ...event,
        meta: { ...event.meta, version: 7 },
      });
    }
  });
});

describe('replay folds like XState', () => {
  const paths = simplePaths();
  it(`on every simple path of the machine (${paths.length} paths, with all their prefixes)`, () => {
    expect(paths.length).toBeGreaterThan(100);
    for (const path of paths) expectReplayed(storedHistory(path.events));
  });

  const transitions = transitionPaths();
  it(`on a path to every transition of the machine (${transitions.length} transitions)`, () => {
    for (const path of transitions) expectReplayed(storedHistory(path.events));
  });

  it('on 400 random legal histories of up to 60 events, and prefixes of them', () => {
    const r = rng(42);
    let longest = 0;
    for (let i = 0; i < 400; i++) {
      const history = storedHistory(randomLegalHistory(r, r.int(1, 60)));
      longest = Math.max(longest, history.length);
      expectReplayed(history);
      expectReplayed(history.slice(0, r.int(0, history.length)));
    }
    expect(longest).toBeGreaterThanOrEqual(40);
  });

  it("on the benchmark's 200 tickets (bench/replay.ts), and prefixes of them", () => {
    const r = rng(3);
    for (const ticket of ticketTemplates().map((t) => benchStored(t))) {
      expectReplayed(ticket);
      expectReplayed(ticket.slice(0, r.int(0, ticket.length)));
    }
  });

  it('without touching the events or the initial context (frozen here)', () => {
    const deepFreeze = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
      }
      return value;
    };
    deepFreeze(initialTicketState().snapshot.context);
    const r = rng(5);
    for (let i = 0; i < 50; i++) {
      const history = deepFreeze(storedHistory(randomLegalHistory(r, 40)));
      expectReplayed(history);
    }
  });
});

describe('replay refuses like XState', () => {
  it('on 1500 random histories, legal or not: the same state or the same error', () => {
    const r = rng(7);
    let refused = 0;
    let fellBack = 0;
    for (let i = 0; i < 1500; i++) {
      // A legal start, then random events: most histories break somewhere.
      const history = [...randomLegalHistory(r, r.int(0, 12))];
      for (let n = r.int(1, 4); n > 0; n--) history.push(randomEvent(r));
      const stored = storedHistory(history);
      if ('error' in expectSameOutcome(stored)) refused++;
      if (replayTicket(stored) === undefined) fellBack++;
    }
    expect(refused).toBeGreaterThan(500);
    expect(fellBack).toBeGreaterThanOrEqual(refused);
  });

  it('on an event the state ignores: IllegalTransitionError with the allowed events', () => {
    const a = toStored(graphEvents[0]!, 1); // TicketReceived
    const outcome = expectSameOutcome([a, { ...a, version: 2 }]);
    expect('error' in outcome && (outcome.error as Error).name).toBe('IllegalTransitionError');
    expect(replayTicket([a, { ...a, version: 2 }])).toBeUndefined();
  });

  it("on an actor's error nobody handles: XState's error snapshot, not an exception", () => {
    const failed = graphEvents.find((e) => e.type === 'xstate.error.actor.classifyTicket')!;
    const history = storedHistory([graphEvents[0]!, failed]); // received, then a failure
    const outcome = expectSameOutcome(history);
    expect('state' in outcome && outcome.state.snapshot.status).toBe('error');
    expect(replayTicket(history)).toBeUndefined();
  });

  it("on a user's event in a ticket stream", () => {
    const user = {
      ...toStored(graphEvents[0]!, 1),
      type: 'UserCreated',
      data: { userId: 'u', email: 'e' },
    } as StoredEvent;
    const outcome = expectSameOutcome([user]);
    expect('error' in outcome && (outcome.error as Error).name).toBe('NotATicketEventError');
  });
});

describe('a replayed ticket continues like an XState one', () => {
  it('on every simple path: the same events accepted next, with the same results', () => {
    const r = rng(11);
    const candidates = () => [...graphEvents, ...Array.from({ length: 20 }, () => randomEvent(r))];
    for (const path of simplePaths()) {
      const history = storedHistory(path.events);
      const replayed = replayTicket(history)!;
      const reference = foldTicketWithXState(history);
      for (const event of candidates()) {
        const accepted = reference.snapshot.can(event);
        expect(replayed.snapshot.can(event)).toBe(accepted);
        if (accepted) {
          const version = history.length + 1;
          expectSameState(
            applyEvent(replayed, event, version),
            applyEvent(reference, event, version),
          );
        }
      }
    }
  });
});

describe('the replay compiler', () => {
  const actors = ['classifyTicket', 'draftAnswer'];
  it('compiles the ticket machine', () => {
    expect(() => compileMachine(ticketMachine, actors)).not.toThrow();
  });

  const leaf = { on: { go: { target: 'b' } } };
  const refused = {
    'eventless transitions': createMachine({
      context: {},
      initial: 'a',
      states: { a: { always: { target: 'b' } }, b: {} },
    }),
    'delayed transitions': createMachine({
      context: {},
      initial: 'a',
      states: { a: { after: { 10: 'b' } }, b: {} },
    }),
    'entry actions': createMachine({
      context: {},
      initial: 'a',
      states: { a: leaf, b: { entry: assign({}) } },
    }),
    'exit actions': createMachine({
      context: {},
      initial: 'a',
      states: { a: { ...leaf, exit: assign({}) }, b: {} },
    }),
    'nested states': createMachine({
      context: {},
      initial: 'a',
      states: { a: leaf, b: { initial: 'c', states: { c: {} } } },
    }),
    'parallel states': createMachine({
      context: {},
      type: 'parallel',
      states: { a: {}, b: {} },
    }),
    'final states': createMachine({
      context: {},
      initial: 'a',
      states: { a: leaf, b: { type: 'final' } },
    }),
    'transitions on the root': createMachine({
      context: {},
      initial: 'a',
      on: { go: '.b' },
      states: { a: {}, b: {} },
    }),
    'wildcard events': createMachine({
      context: {},
      initial: 'a',
      states: { a: { on: { '*': 'b' } }, b: {} },
    }),
    'self-targets': createMachine({
      context: {},
      initial: 'a',
      states: { a: { on: { go: 'a' } }, b: {} },
    }),
    'reentering transitions': createMachine({
      context: {},
      initial: 'a',
      states: { a: { on: { go: { target: 'b', reenter: true } } }, b: {} },
    }),
    'actions other than assign': createMachine({
      context: {},
      initial: 'a',
      states: { a: { on: { go: { target: 'b', actions: raise({ type: 'x' }) } } }, b: {} },
    }),
    'custom actions': setup({ actions: { log: () => {} } }).createMachine({
      context: {},
      initial: 'a',
      states: { a: { on: { go: { target: 'b', actions: 'log' } } }, b: {} },
    }),
    'guards with params': setup({ guards: { ok: () => true } }).createMachine({
      context: {},
      initial: 'a',
      states: { a: { on: { go: { target: 'b', guard: { type: 'ok', params: {} } } } }, b: {} },
    }),
    'other actors': setup({ actors: { other: fromPromise(async () => 1) } }).createMachine({
      context: {},
      initial: 'a',
      states: { a: leaf, b: { invoke: { src: 'other' } } },
    }),
    'a context function': createMachine({
      context: () => ({}),
      initial: 'a',
      states: { a: leaf, b: {} },
    }),
  };
  it.each(Object.entries(refused))('refuses %s', (_name, machine) => {
    expect(() => compileMachine(machine, actors)).toThrow(UnsupportedMachineError);
  });
});
