import {
  and,
  assign,
  createActor,
  initialTransition,
  not,
  or,
  type AnyActorLogic,
  type AnyActorRef,
  type AnyStateMachine,
} from 'xstate';
import type { StoredEvent } from '../src/events/index.ts';
import { ticketMachine, type ClassifyInput, type TicketContext } from './ticket.machine.ts';
import { toMachineEvent } from './ticket.events.ts';

/**
 * Replay: the ticket machine's own definition, interpreted without XState's general algorithm.
 *
 * XState's `transition()` runs a full macrostep for every event: it selects transitions, computes
 * the transition domain and the exit and entry sets, clones the snapshot after every action,
 * looks for eventless transitions, and so on. Replay needs none of that generality for this
 * machine, so at module load the machine's resolved state nodes (`ticketMachine.root`), their
 * transitions, guards, assign actions and invokes are compiled into plain functions, and replay
 * folds the events over plain data: the state node, the context, and the invokes of the state
 * entered last. It builds one real snapshot at the end, with `ticketMachine.resolveState`.
 *
 * It supports only what the machine uses, and refuses to load (UnsupportedMachineError) when the
 * machine uses anything else: then the fold must go back to XState. Supported: one level of
 * atomic states under the root; transitions on exact event types (no wildcards), with or without
 * one sibling target (no self-targets, no `reenter`); guards referenced by name or inline, and
 * `not`/`and`/`or` of those; actions that are `assign`s, by name or inline, without params;
 * invokes of the machine's named actors with an `input` function. Not supported: nested,
 * parallel, final and history states, entry and exit actions, `always`, `after`, any other action
 * (`raise`, `sendTo`, `spawnChild`, custom functions), guards with params, `stateIn`.
 *
 * At run time it handles only the way every stored stream goes: each event selects a transition
 * that changes the snapshot. Anything else (an event the state does not take, which the fold
 * refuses; an actor's error nobody handles, which XState turns into an `error` snapshot; anything
 * that throws) returns undefined, and the caller folds the same events with XState, which gives
 * its own answer or error. `test/machines/replay.test.ts` proves both folds equal.
 */

export class UnsupportedMachineError extends Error {
  constructor(where: string, what: string) {
    super(`replay does not support ${what} (${where}); fold with XState instead`);
    this.name = 'UnsupportedMachineError';
  }
}

type ActorName = 'classifyTicket' | 'draftAnswer';
const ticketActors: readonly ActorName[] = ['classifyTicket', 'draftAnswer'];

/** Compiled code sees contexts and events as XState's actions do: opaque objects. */
type Context = object;
type MachineEvent = { type: string };
type Guard = (context: Context, event: MachineEvent) => boolean;
type Action = (context: Context, event: MachineEvent) => Context;

interface Invoke {
  id: string;
  src: string;
  logic: AnyActorLogic;
  input: (context: Context, event: MachineEvent) => unknown;
}

interface Transition {
  /** The state entered; undefined for a transition that stays (targetless). */
  target: State | undefined;
  guard: Guard | undefined;
  actions: Action[];
  /** Targetless and without actions: XState returns the same snapshot, i.e. the fold refuses it. */
  changesNothing: boolean;
}

interface State {
  key: string;
  /** Candidates by event type, in XState's order (the first whose guard passes is taken). */
  on: Map<string, Transition[]>;
  invokes: Invoke[];
}

export interface CompiledMachine {
  initial: State;
  /** The initial context, as `initialTransition` gives it (the config's own object). */
  context: Context;
  /** The `self` that assigns and invoke inputs receive, and the parent of invoked actors. */
  self: AnyActorRef;
}

/** What this module reads of XState's resolved state nodes (public fields of `StateNode`). */
interface NodeLike {
  id: string;
  key: string;
  type: string;
  states: Record<string, NodeLike>;
  transitions: Map<string, TransitionLike[]>;
  always?: unknown[] | undefined;
  entry: unknown[];
  exit: unknown[];
  invoke: InvokeLike[];
  initial?: { target: NodeLike[]; actions?: unknown[] } | undefined;
  config: { after?: unknown; onDone?: unknown; always?: unknown };
}
interface TransitionLike {
  target?: NodeLike[] | undefined;
  source: NodeLike;
  guard?: unknown;
  actions: unknown[];
  reenter?: boolean;
}
interface InvokeLike {
  id: unknown;
  src: unknown;
  input?: unknown;
  systemId?: unknown;
  onSnapshot?: unknown;
}
type Builtin = ((...args: never[]) => unknown) & {
  check?: unknown;
  guards?: unknown[];
  resolve?: unknown;
  assignment?: unknown;
};
type Assigner = (args: object, params: undefined) => unknown;

/**
 * XState's builtins are recognised by the functions they carry (`check` for guards, `resolve` for
 * actions), taken from the library itself: nothing depends on internal names.
 */
const builtinChecks = {
  not: (not('x') as Builtin).check,
  and: (and([]) as Builtin).check,
  or: (or([]) as Builtin).check,
};
const assignResolve = (assign({}) as Builtin).resolve;

/** An assign that spawns is not supported: it throws, and the fold goes back to XState. */
const noSpawn = (): never => {
  throw new Error('replay does not spawn');
};

/**
 * Compiles a machine for replay, or throws UnsupportedMachineError naming the first feature it
 * lacks. `actors`: the invoked actors allowed (the ones the fold reports as pending).
 */
export function compileMachine(
  machine: AnyStateMachine,
  actors: readonly string[],
): CompiledMachine {
  const self = createActor(machine);
  const implementations = machine.implementations as {
    guards: Record<string, unknown>;
    actions: Record<string, unknown>;
    actors: Record<string, unknown>;
  };

  const compileGuard = (guard: unknown, where: string): Guard => {
    if (typeof guard === 'string') {
      const implementation = implementations.guards[guard];
      if (typeof implementation !== 'function')
        throw new UnsupportedMachineError(where, `guard '${guard}' (not a function)`);
      return compileGuardFunction(implementation as Builtin, where);
    }
    if (typeof guard === 'function') return compileGuardFunction(guard as Builtin, where);
    throw new UnsupportedMachineError(where, 'a guard with params');
  };

  /** As XState's `evaluateGuard`: a plain guard gets `({ context, event }, undefined)`. */
  const compileGuardFunction = (guard: Builtin, where: string): Guard => {
    if (!('check' in guard)) {
      const call = guard as unknown as (args: object, params: undefined) => unknown;
      return (context, event) => Boolean(call({ context, event }, undefined));
    }
    const inner = (guard.guards ?? []).map((g) => compileGuard(g, where));
    switch (guard.check) {
      case builtinChecks.not: {
        const negated = inner[0];
        if (!negated) throw new UnsupportedMachineError(where, 'not() without a guard');
        return (context, event) => !negated(context, event);
      }
      case builtinChecks.and:
        return (context, event) => inner.every((g) => g(context, event));
      case builtinChecks.or:
        return (context, event) => inner.some((g) => g(context, event));
      default:
        throw new UnsupportedMachineError(where, 'a builtin guard other than not/and/or');
    }
  };

  /**
   * As XState's `resolveAssign`: the assignment's partial update over a copy of the context.
   * Object.assign({}, context, update) is what XState does; a spread gives the same object (same
   * keys in the same order) and made the whole replay twice as fast, but for an own `__proto__`
   * key (Object.assign would set the prototype), refused here.
   */
  const compileAction = (action: unknown, where: string): Action => {
    if (typeof action !== 'string' && typeof action !== 'function')
      throw new UnsupportedMachineError(where, 'an action with params');
    const implementation = (
      typeof action === 'string' ? implementations.actions[action] : action
    ) as Builtin | undefined;
    const name = typeof action === 'string' ? action : action.name || '(inline)';
    if (typeof implementation !== 'function' || implementation.resolve !== assignResolve)
      throw new UnsupportedMachineError(where, `action ${name} (only assign is supported)`);
    const { assignment } = implementation;
    const argsOf = (context: Context, event: MachineEvent) => ({
      context,
      event,
      spawn: noSpawn,
      self,
      system: self.system,
    });
    if (typeof assignment === 'function') {
      const assigner = assignment as Assigner;
      return (context, event) => {
        const update = assigner(argsOf(context, event), undefined);
        if (typeof update === 'object' && update !== null && Object.hasOwn(update, '__proto__'))
          throw new Error('replay does not assign __proto__');
        return { ...context, ...(update as object) };
      };
    }
    if (typeof assignment !== 'object' || assignment === null)
      throw new UnsupportedMachineError(where, 'an assign without an assignment');
    const properties = Object.entries(assignment);
    if (properties.some(([key]) => key === '__proto__'))
      throw new UnsupportedMachineError(where, 'an assign to __proto__');
    return (context, event) => {
      const args = argsOf(context, event);
      const update: Record<string, unknown> = {};
      for (const [key, value] of properties) {
        update[key] = typeof value === 'function' ? (value as Assigner)(args, undefined) : value;
      }
      return { ...context, ...update };
    };
  };

  /** As XState's spawn for an invoke: the input function gets `{ context, event, self }`. */
  const compileInvoke = (invoke: InvokeLike, where: string): Invoke => {
    const { id, src, input } = invoke;
    if (typeof id !== 'string') throw new UnsupportedMachineError(where, 'an invoke id function');
    if (typeof src !== 'string' || !actors.includes(src))
      throw new UnsupportedMachineError(where, `invoking ${String(src)}`);
    const logic = implementations.actors[src];
    if (logic === undefined) throw new UnsupportedMachineError(where, `missing actor ${src}`);
    if (invoke.systemId !== undefined || invoke.onSnapshot !== undefined)
      throw new UnsupportedMachineError(where, 'an invoke with systemId or onSnapshot');
    const call = input as (args: object) => unknown;
    return {
      id,
      src,
      logic: logic as AnyActorLogic,
      input:
        typeof input === 'function'
          ? (context, event) => call({ context, event, self })
          : () => input,
    };
  };

  const root = machine.root as unknown as NodeLike;
  const where = `#${root.id}`;
  if (typeof machine.config.context !== 'object' || machine.config.context === null)
    throw new UnsupportedMachineError(where, 'a context that is not a plain object');
  if (root.type !== 'compound') throw new UnsupportedMachineError(where, `a ${root.type} root`);
  checkNoBehaviour(root, where);
  if (root.invoke.length > 0) throw new UnsupportedMachineError(where, 'an invoke on the root');
  if (root.transitions.size > 0)
    throw new UnsupportedMachineError(where, 'transitions on the root');
  if (root.initial?.actions?.length)
    throw new UnsupportedMachineError(where, 'actions on the initial transition');

  const states = new Map<NodeLike, State>();
  for (const node of Object.values(root.states)) {
    const at = `#${node.id}`;
    if (node.type !== 'atomic') throw new UnsupportedMachineError(at, `a ${node.type} state`);
    checkNoBehaviour(node, at);
    states.set(node, {
      key: node.key,
      on: new Map(),
      invokes: node.invoke.map((i) => compileInvoke(i, at)),
    });
  }
  for (const [node, state] of states) {
    for (const [descriptor, transitions] of node.transitions) {
      const at = `#${node.id} on ${descriptor}`;
      if (descriptor.includes('*'))
        throw new UnsupportedMachineError(at, 'a wildcard event descriptor');
      if (descriptor === 'xstate.init' || descriptor === 'xstate.stop')
        throw new UnsupportedMachineError(at, `a transition on ${descriptor}`);
      state.on.set(
        descriptor,
        transitions.map((t): Transition => {
          if (t.reenter) throw new UnsupportedMachineError(at, 'a reentering transition');
          if (t.source !== node) throw new UnsupportedMachineError(at, 'a foreign transition');
          let target: State | undefined;
          if (t.target !== undefined) {
            const [only, ...more] = t.target;
            target = only ? states.get(only) : undefined;
            if (!target || more.length > 0 || only === node)
              throw new UnsupportedMachineError(at, 'a target that is not one sibling state');
          }
          const actions = t.actions.map((a) => compileAction(a, at));
          return {
            target,
            guard: t.guard === undefined ? undefined : compileGuard(t.guard, at),
            actions,
            changesNothing: target === undefined && actions.length === 0,
          };
        }),
      );
    }
  }

  const [snapshot] = initialTransition(machine);
  const initialNode = root.initial?.target[0];
  const initial = initialNode ? states.get(initialNode) : undefined;
  if (!initial || snapshot.value !== initial.key || snapshot.status !== 'active')
    throw new UnsupportedMachineError(where, 'an initial state that is not one of its states');
  if (initial.invokes.length > 0)
    throw new UnsupportedMachineError(where, 'an invoke in the initial state');
  return { initial, context: snapshot.context as Context, self };
}

function checkNoBehaviour(node: NodeLike, where: string): void {
  if (node.entry.length > 0 || node.exit.length > 0)
    throw new UnsupportedMachineError(where, 'entry or exit actions');
  if (node.always?.length || node.config.always !== undefined)
    throw new UnsupportedMachineError(where, 'eventless (always) transitions');
  if (node.config.after !== undefined)
    throw new UnsupportedMachineError(where, 'delayed (after) transitions');
  if (node.config.onDone !== undefined) throw new UnsupportedMachineError(where, 'onDone');
}

/** The ticket machine, compiled when this module loads: it fails to load if unsupported. */
const compiled = compileMachine(ticketMachine, ticketActors);

/** The snapshot, version and pending actors of a ticket, as `foldTicket` returns them. */
export interface Replayed {
  snapshot: ReturnType<typeof ticketMachine.resolveState>;
  version: number;
  pendingActors: Array<{ actor: ActorName; input: ClassifyInput }>;
}

/**
 * Folds a ticket's stored events with the compiled machine. Pure. Undefined when the events do
 * not go the way the replay handles (see above): the caller then folds them with XState.
 */
export function replayTicket(events: readonly StoredEvent[]): Replayed | undefined {
  let state = compiled.initial;
  let context = compiled.context;
  let version = 0;
  /** The inputs of the invokes started when the current state was entered. */
  let inputs: unknown[] = [];
  let enteredLast = false;
  try {
    for (const stored of events) {
      const event = toMachineEvent(stored);
      const candidates = state.on.get(event.type);
      if (candidates === undefined) return undefined;
      let chosen: Transition | undefined;
      for (const candidate of candidates) {
        if (candidate.guard === undefined || candidate.guard(context, event)) {
          chosen = candidate;
          break;
        }
      }
      if (chosen === undefined || chosen.changesNothing) return undefined;
      // XState's order: exit the state (stopping its invokes), the transition's actions, enter
      // the target (starting its invokes with the context the actions left).
      for (const action of chosen.actions) context = action(context, event);
      enteredLast = chosen.target !== undefined;
      if (chosen.target !== undefined) {
        state = chosen.target;
        inputs =
          state.invokes.length === 0 ? [] : state.invokes.map((i) => i.input(context, event));
      }
      version = stored.version;
    }
  } catch {
    return undefined;
  }
  const snapshot = ticketMachine.resolveState({
    value: state.key,
    context: context as TicketContext,
  });
  if (state.invokes.length > 0) {
    // XState's snapshot holds the invoked actors (created, never started): so does this one.
    const children: Record<string, AnyActorRef> = {};
    state.invokes.forEach((invoke, i) => {
      // The options XState's spawn gives (`syncSnapshot` is internal to it, hence the variable).
      const options = {
        id: invoke.id,
        src: invoke.src,
        parent: compiled.self,
        syncSnapshot: false,
        systemId: undefined,
        input: inputs[i],
      };
      children[invoke.id] = createActor(invoke.logic, options);
    });
    Object.assign(snapshot, { children });
  }
  return {
    snapshot,
    version,
    pendingActors: enteredLast
      ? state.invokes.map((invoke, i) => ({
          actor: invoke.src as ActorName,
          input: inputs[i] as ClassifyInput,
        }))
      : [],
  };
}
