import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  createEvent,
  type AnyNewEvent,
  type EventMetadata,
  type EventType,
  type EventData,
  type StoredEvent,
} from '../events/index.ts';
import { ConcurrencyError, type AppendResult, type EventStore } from '../eventstore/index.ts';
import {
  applyEvent,
  foldTicket,
  IllegalTransitionError,
  nextStep,
  statusOf,
  machineEventOf,
  type TicketState,
} from '../../machines/index.ts';
import { allowedCommands, decide, type CommandRole, type TicketCommand } from './commands.ts';
import type { TicketActors } from './actors.ts';
import { ticketStreamId, uuidFromName } from './ids.ts';
import { Semaphore } from './semaphore.ts';

export interface SubmitTicket {
  subject?: string | undefined;
  description: string;
  requester: { email: string; name?: string | undefined };
  idempotencyKey?: string | undefined;
  actor: EventMetadata['actor'];
  requestId?: string | undefined;
}

export interface WorkflowOptions {
  store: EventStore;
  actors: TicketActors;
  logger: Logger;
  autoAnswerThreshold: number;
  maxConcurrentTickets: number;
  /** The clock every event is stamped with (tests move it). Default: the system clock. */
  now?: () => Date;
  /** How long after its resolution a ticket may be reopened. Default 7 days. */
  reopenWindowMs?: number;
}

/** The `If-Match` version is not the ticket's current version. */
export class StaleVersionError extends Error {
  constructor(
    readonly ticketId: string,
    readonly expected: number,
    readonly current: number,
  ) {
    super(`ticket ${ticketId} is at version ${current}, not ${expected}`);
    this.name = 'StaleVersionError';
  }
}

export interface ExecuteOptions {
  actor: { id: string; role: CommandRole };
  /** From `If-Match`: the version the caller saw; omitted: the version just read. */
  expectedVersion?: number | undefined;
  requestId?: string | undefined;
  /** Checks the caller may act on this ticket (throws otherwise), on the state the command sees. */
  authorize?: (state: TicketState) => void;
}

export class IdempotencyConflictError extends Error {
  constructor(readonly ticketId: string) {
    super('this Idempotency-Key was already used for a different ticket');
    this.name = 'IdempotencyConflictError';
  }
}

export class TicketNotFoundError extends Error {
  constructor(readonly ticketId: string) {
    super(`ticket ${ticketId} not found`);
    this.name = 'TicketNotFoundError';
  }
}

const systemActor = { id: 'workflow', role: 'system' } as const;

/**
 * Moves tickets through the machine. Each step: load the stream, fold it (pure), ask the machine
 * what comes next, append that as an event with the expected version, and run invoked actors
 * outside the fold, storing their results as events.
 */
export function createWorkflow(options: WorkflowOptions) {
  const { store, actors, logger } = options;
  const now = options.now ?? (() => new Date());
  const reopenWindowMs = options.reopenWindowMs ?? 7 * 24 * 3_600_000;
  const inFlight = new Map<string, Promise<TicketState>>();
  const slots = new Semaphore(options.maxConcurrentTickets);
  let stopping = false;

  async function load(ticketId: string): Promise<{ events: StoredEvent[]; state: TicketState }> {
    const events = await store.readStream(ticketStreamId(ticketId));
    return { events, state: foldTicket(events) };
  }

  /**
   * What the runner holds of a ticket between steps: the state folded from its stream, what the
   * next event's metadata refers to, and its own events decided after the stored ones but not yet
   * appended.
   */
  interface Progress {
    state: TicketState;
    /** The stream's version in the store (the expected version of the next append). */
    storedVersion: number;
    correlationId: string;
    /** The id of the last event, stored or decided: the next one's cause. */
    lastEventId: string | undefined;
    unsaved: AnyNewEvent[];
  }

  function progressOf(events: readonly StoredEvent[], state: TicketState): Progress {
    return {
      state,
      storedVersion: state.version,
      correlationId: events[0]?.metadata.correlationId ?? state.snapshot.context.ticketId,
      lastEventId: events.at(-1)?.id,
      unsaved: [],
    };
  }

  /**
   * Decides one follow-up event and folds it into the state the runner holds; it is appended with
   * the next {@link save}. Consecutive decisions of the runner (a result and the step it implies,
   * such as TicketClassified then AnswerDraftStarted) thus reach the store in one append.
   */
  function decideNext<T extends EventType>(
    current: Progress,
    type: T,
    data: EventData<T>,
  ): Progress {
    const metadata: EventMetadata = {
      actor: systemActor,
      correlationId: current.correlationId,
      ...(current.lastEventId ? { causationId: current.lastEventId } : {}),
    };
    const event = createEvent(type, data, metadata, { timestamp: now() }) as AnyNewEvent;
    const version = current.state.version + 1;
    const meta = { at: event.timestamp, actorId: systemActor.id, version };
    return {
      ...current,
      state: applyEvent(current.state, machineEventOf(event, meta), version),
      lastEventId: event.id,
      unsaved: [...current.unsaved, event],
    };
  }

  /** Appends the runner's decided events at the version they were folded from, as one batch. */
  async function save(ticketId: string, current: Progress): Promise<Progress> {
    if (current.unsaved.length === 0) return current;
    await store.appendToStream(ticketStreamId(ticketId), current.unsaved, current.storedVersion);
    return { ...current, storedVersion: current.state.version, unsaved: [] };
  }

  /**
   * One automatic step; null when the machine has nothing more to do without a person. Decisions
   * are saved before an actor runs (so its start is on record) and when the runner stops.
   */
  async function step(ticketId: string, current: Progress): Promise<Progress | null> {
    const next = nextStep(current.state);
    if (!next) return null;
    switch (next.kind) {
      case 'startClassification':
        return decideNext(current, 'ClassificationStarted', { model: actors.modelName });
      case 'startDraft':
        return decideNext(current, 'AnswerDraftStarted', { model: actors.modelName });
      case 'escalate':
        return decideNext(current, 'TicketEscalated', next.data);
      case 'invoke': {
        const saved = await save(ticketId, current);
        if (next.actor === 'classifyTicket') {
          const outcome = await actors.classifyTicket(next.input);
          return outcome.ok
            ? decideNext(saved, 'TicketClassified', outcome.data)
            : decideNext(saved, 'ClassificationFailed', outcome.failure);
        }
        const outcome = await actors.draftAnswer(next.input);
        return outcome.ok
          ? decideNext(saved, 'AnswerDrafted', outcome.data)
          : decideNext(saved, 'AnswerDraftFailed', outcome.failure);
      }
      default: {
        const unhandled: never = next;
        throw new Error(`unknown step ${JSON.stringify(unhandled)}`);
      }
    }
  }

  async function reload(ticketId: string): Promise<Progress> {
    const { events, state } = await load(ticketId);
    return progressOf(events, state);
  }

  async function drive(ticketId: string, known?: Progress): Promise<TicketState> {
    let current = known ?? (await reload(ticketId));
    for (;;) {
      try {
        const advanced = stopping ? null : await step(ticketId, current);
        if (!advanced) {
          await save(ticketId, current);
          return current.state;
        }
        current = advanced;
      } catch (error) {
        // Another process moved this ticket on first: it owns this step; re-read and go on.
        if (!(error instanceof ConcurrencyError)) throw error;
        current = await reload(ticketId);
      }
    }
  }

  /** Runs the automatic steps of a ticket until a person is needed; one run per ticket at a time. */
  function process(ticketId: string, known?: Progress): Promise<TicketState> {
    const running = inFlight.get(ticketId);
    if (running) return running;
    const run = slots
      .run(() => drive(ticketId, known))
      .catch((error: unknown) => {
        logger.error({ err: error, ticketId }, 'ticket processing failed; it will be resumed');
        throw error;
      })
      .finally(() => inFlight.delete(ticketId));
    inFlight.set(ticketId, run);
    return run;
  }

  return {
    /**
     * Records a new ticket. When this resolves the ticket is durable; processing continues in the
     * background (`settled` resolves when the machine needs nothing more from the runner).
     */
    async submit(command: SubmitTicket): Promise<{
      ticketId: string;
      version: number;
      replayed: boolean;
      settled: Promise<TicketState>;
    }> {
      const ticketId = command.idempotencyKey
        ? uuidFromName(`${command.requester.email.toLowerCase()}\0${command.idempotencyKey}`)
        : randomUUID();
      const correlationId = command.requestId ?? randomUUID();
      const data: EventData<'TicketReceived'> = {
        ticketId,
        ...(command.subject !== undefined ? { subject: command.subject } : {}),
        description: command.description,
        requester: command.requester,
        policy: { autoAnswerThreshold: options.autoAnswerThreshold },
      };
      const event = createEvent(
        'TicketReceived',
        data,
        {
          actor: command.actor,
          correlationId,
          ...(command.requestId ? { requestId: command.requestId } : {}),
        },
        { timestamp: now() },
      );
      let appended: AppendResult;
      try {
        appended = await store.appendToStream(ticketStreamId(ticketId), [event], 'no_stream');
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || !command.idempotencyKey) throw error;
        const { events, state } = await load(ticketId);
        const original = events[0];
        if (
          original?.type !== 'TicketReceived' ||
          original.data.description !== data.description ||
          original.data.subject !== data.subject
        ) {
          throw new IdempotencyConflictError(ticketId);
        }
        const settled = process(ticketId, progressOf(events, state));
        return { ticketId, version: events.length, replayed: true, settled };
      }
      // The runner goes on from what it just wrote: no read of the stream.
      const stored = {
        ...event,
        streamId: ticketStreamId(ticketId),
        version: 1,
        position: appended.lastPosition,
      } as StoredEvent;
      const settled = process(ticketId, progressOf([stored], foldTicket([stored])));
      settled.catch(() => undefined);
      return { ticketId, version: 1, replayed: false, settled };
    },

    process,

    /** The ticket rebuilt from its events, optionally as it was at a version or an instant. */
    async get(ticketId: string, at: { version?: number; time?: Date } = {}) {
      let events = await store.readStream(
        ticketStreamId(ticketId),
        at.version ? { toVersion: at.version } : {},
      );
      if (at.time) {
        const limit = at.time.getTime();
        events = events.filter((e) => Date.parse(e.timestamp) <= limit);
      }
      if (events.length === 0) throw new TicketNotFoundError(ticketId);
      return { events, state: foldTicket(events) };
    },

    /**
     * Runs a person's command: the machine decides whether its event is allowed now, and the event
     * is appended with the version the command saw, so two people acting at once cannot both win.
     */
    async execute(ticketId: string, command: TicketCommand, options: ExecuteOptions) {
      const { events, state } = await load(ticketId);
      if (events.length === 0) throw new TicketNotFoundError(ticketId);
      options.authorize?.(state);
      if (options.expectedVersion !== undefined && options.expectedVersion !== state.version) {
        throw new StaleVersionError(ticketId, options.expectedVersion, state.version);
      }
      const at = now();
      const decided = decide(command, state, { actor: options.actor, now: at, reopenWindowMs });
      const machineEvent = machineEventOf(decided, {
        at: at.toISOString(),
        actorId: options.actor.id,
        version: state.version + 1,
      });
      let next: TicketState;
      try {
        next = applyEvent(state, machineEvent, state.version + 1);
      } catch (error) {
        if (!(error instanceof IllegalTransitionError)) throw error;
        throw new IllegalTransitionError(
          error.status,
          command.type,
          allowedCommands(state, options.actor.role),
        );
      }
      const metadata: EventMetadata = {
        actor: options.actor,
        correlationId: events[0]?.metadata.correlationId ?? ticketId,
        causationId: events.at(-1)!.id,
        ...(options.requestId ? { requestId: options.requestId } : {}),
      };
      const event = createEvent(decided.type, decided.data as never, metadata, {
        timestamp: at,
      }) as AnyNewEvent;
      try {
        await store.appendToStream(ticketStreamId(ticketId), [event], state.version);
      } catch (error) {
        if (error instanceof ConcurrencyError) {
          throw new StaleVersionError(ticketId, state.version, error.actual ?? state.version);
        }
        throw error;
      }
      return { event, state: next };
    },

    /** Resumes tickets whose automatic steps did not finish (the process died, a step failed). */
    async resume(ticketIds: readonly string[]): Promise<number> {
      let resumed = 0;
      for (const ticketId of ticketIds) {
        if (inFlight.has(ticketId)) continue;
        const { events, state } = await load(ticketId);
        if (!nextStep(state)) continue;
        logger.info({ ticketId, status: statusOf(state.snapshot) }, 'resuming ticket');
        process(ticketId, progressOf(events, state)).catch(() => undefined);
        resumed++;
      }
      return resumed;
    },

    /** Stops taking new steps and waits for the running ones. */
    async stop(): Promise<void> {
      stopping = true;
      await Promise.allSettled([...inFlight.values()]);
    },

    inFlightCount: () => inFlight.size,
  };
}

export type Workflow = ReturnType<typeof createWorkflow>;
