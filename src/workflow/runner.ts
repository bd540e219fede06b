import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventMetadata } from '../events/index.ts';
import {
  ConcurrencyError,
  handleCommand,
  loadStream,
  type EventStore,
  type LoadedStream,
} from '../eventstore/index.ts';
import {
  commandRoleOf,
  decide,
  decideActorResult,
  decideAutomaticSteps,
  foldTicket,
  initialTicketState,
  hasTag,
  pendingActor,
  statusOf,
  ticketMachineVersion,
  type SupportLevel,
  type TicketActor,
  type TicketCommand,
  type TicketMachine,
  type TicketState,
  type Decided,
  type WorkflowContext,
} from '../../machines/index.ts';
import { Semaphore } from '../shared/index.ts';
import {
  CommandRefusedError,
  IdempotencyConflictError,
  StaleVersionError,
  TicketNotFoundError,
  ticketDecider,
} from './tickets.ts';
import { runInvokedActor } from './actorRunner.ts';
import { ticketStreamId } from './ids.ts';
import { requestFingerprint, type IdempotencyKeys } from './idempotency.ts';

export interface SubmitTicket {
  subject?: string | undefined;
  description: string;
  /** `verified`: whether the caller proved the email (a token); absent counts as proved. */
  requester: { email: string; name?: string | undefined; verified?: boolean | undefined };
  idempotencyKey?: string | undefined;
  actor: EventMetadata['actor'];
  requestId?: string | undefined;
}

export interface WorkflowOptions {
  store: EventStore;
  /**
   * The ticket machine whose rules decide, with its actors provided
   * (`ticketMachine.provide({ actors })`).
   */
  machine: TicketMachine;
  /** The model the actors call, recorded when a step starts. */
  modelName: string;
  logger: Logger;
  autoAnswerThreshold: number;
  /** Level-1 confidence from which agents get a suggested answer (below the auto-answer threshold). */
  suggestThreshold?: number | undefined;
  maxConcurrentTickets: number;
  /** Where an Idempotency-Key finds the ticket it was first used for. */
  idempotency: IdempotencyKeys;
  /** The clock every event is stamped with (tests move it). Default: the system clock. */
  now?: () => Date;
  /** How long after its resolution a ticket may be reopened. Default 7 days. */
  reopenWindowMs?: number;
}

export interface ExecuteOptions {
  actor: TicketActor & { kind: 'user' };
  /** From `If-Match`: the version the caller saw; omitted: the version just read. */
  expectedVersion?: number | undefined;
  requestId?: string | undefined;
  /** `assign`: the levels the named agent serves (empty when there is no such agent). */
  assigneeLevels?: readonly SupportLevel[] | undefined;
}

const systemActor = { id: 'workflow', role: 'system' } as const;
const newStream: LoadedStream<TicketState> = {
  state: initialTicketState(),
  version: 0,
  correlationId: undefined,
  lastEventId: undefined,
};

/** Workflow steps are safe to decide again on a fresh stream; this bounds how often. */
const stepRetries = 5;

/**
 * Moves tickets through the machine. Each step goes through the one command handler: the ticket
 * module decides what comes next from the folded stream, and it is appended at the version it was
 * decided on. The actors the machine invokes run here, outside the fold, and their results are
 * stored as events, so a replay never runs them again.
 */
export function createWorkflow(options: WorkflowOptions) {
  const { store, machine, logger } = options;
  const now = options.now ?? (() => new Date());
  const reopenWindowMs = options.reopenWindowMs ?? 7 * 24 * 3_600_000;
  const inFlight = new Map<string, Promise<TicketState>>();
  const slots = new Semaphore(options.maxConcurrentTickets);
  const stopping = new AbortController();

  /**
   * One automatic write. The events are stamped with the instant they were decided at, and the
   * state the decision folded is the stream's state after the append (no second fold). The handler
   * decides again on a fresh stream if another process moved the ticket.
   */
  const writeStep = (
    ticketId: string,
    known: LoadedStream<TicketState>,
    decideStep: (state: TicketState, ctx: WorkflowContext) => Decided,
  ) => {
    const at = now();
    const ctx = { at, actorId: systemActor.id, modelName: options.modelName, rules: machine };
    return handleCommand(
      store,
      ticketStreamId(ticketId),
      ticketDecider,
      (state) => decideStep(state, ctx),
      {
        actor: systemActor,
        now: () => at,
        known,
        retries: stepRetries,
        machineVersion: ticketMachineVersion,
      },
    );
  };

  /** Moves the ticket on until a person is needed; a step whose actor was stopped is left to resume. */
  async function drive(ticketId: string, known?: LoadedStream<TicketState>): Promise<TicketState> {
    let stream = known ?? (await loadStream(store, ticketStreamId(ticketId), ticketDecider));
    // A damaged history (events the machine cannot place) is for people to look at, not to build on.
    while (!stopping.signal.aborted && stream.state.anomalies.length === 0) {
      const pending = pendingActor(stream.state);
      if (!pending) {
        const step = await writeStep(ticketId, stream, decideAutomaticSteps);
        stream = step.stream;
        if (step.appended.length === 0) break;
        continue;
      }
      const outcome = await runInvokedActor(machine, pending, {
        stop: stopping.signal,
        modelName: options.modelName,
      });
      if (!outcome) break;
      const step = await writeStep(ticketId, stream, (s, ctx) =>
        decideActorResult(s, pending.actor, outcome, ctx),
      );
      stream = step.stream;
    }
    return stream.state;
  }

  /**
   * A new ticket's id: always random, since an id is a capability (docs/auth.md). A request with
   * an Idempotency-Key gets the id of the key's first use (or, after a crash before that append,
   * the id reserved for it to write); the key with another request is refused.
   */
  async function ticketIdFor(command: SubmitTicket): Promise<string> {
    const ticketId = randomUUID();
    if (!command.idempotencyKey) return ticketId;
    const reservation = await options.idempotency.reserve(
      {
        scope: command.requester.email,
        key: command.idempotencyKey,
        fingerprint: requestFingerprint({
          ...command,
          verified: command.requester.verified ?? true,
        }),
      },
      ticketId,
    );
    if (reservation.kind === 'different_request') throw new IdempotencyConflictError();
    return reservation.ticketId;
  }

  /** Runs the automatic steps of a ticket until a person is needed; one run per ticket at a time. */
  function advance(ticketId: string, known?: LoadedStream<TicketState>): Promise<TicketState> {
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

  async function read(ticketId: string, at: { version?: number; time?: Date } = {}) {
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
      const ticketId = await ticketIdFor(command);
      const received = {
        type: 'TicketReceived' as const,
        data: {
          ticketId,
          ...(command.subject !== undefined ? { subject: command.subject } : {}),
          description: command.description,
          requester: command.requester,
          policy: {
            autoAnswerThreshold: options.autoAnswerThreshold,
            ...(options.suggestThreshold !== undefined &&
            options.suggestThreshold < options.autoAnswerThreshold
              ? { suggestThreshold: options.suggestThreshold }
              : {}),
          },
        },
      };
      // A new stream, or (a key used again) the stream its first use wrote: nothing to append.
      const { stream, appended } = await handleCommand(
        store,
        ticketStreamId(ticketId),
        ticketDecider,
        (_, version) => (version === 0 ? [received] : []),
        {
          actor: command.actor,
          now,
          requestId: command.requestId,
          correlationId: command.requestId ?? randomUUID(),
          machineVersion: ticketMachineVersion,
          retries: command.idempotencyKey ? 1 : 0,
          known: newStream,
        },
      );
      // The runner goes on from what it just wrote: no read of the stream.
      const settled = advance(ticketId, stream);
      settled.catch(() => undefined);
      return { ticketId, version: stream.version, replayed: appended.length === 0, settled };
    },

    process: advance,

    /** The ticket rebuilt from its events, optionally as it was at a version or an instant. */
    get: read,

    /**
     * Runs a person's command through the one command handler: the ticket module decides (who
     * may, the version they saw, the machine's rules), and the event is appended at the version
     * the decision saw, so two people acting at once cannot both win.
     */
    async execute(ticketId: string, command: TicketCommand, opts: ExecuteOptions) {
      const at = now();
      const decideCommand = (state: TicketState, version: number) => {
        if (version === 0) throw new TicketNotFoundError(ticketId);
        const decision = decide(command, state, {
          actor: opts.actor,
          now: at,
          reopenWindowMs,
          expectedVersion: opts.expectedVersion,
          assigneeLevels: opts.assigneeLevels,
          rules: machine,
        });
        if (decision.ok) return decision.events;
        const { refusal } = decision;
        if (refusal.kind === 'stale') {
          throw new StaleVersionError(ticketId, refusal.expected, refusal.current);
        }
        throw new CommandRefusedError(ticketId, refusal);
      };
      try {
        const { stream, appended } = await handleCommand(
          store,
          ticketStreamId(ticketId),
          ticketDecider,
          decideCommand,
          {
            actor: { id: opts.actor.email, role: commandRoleOf(opts.actor) },
            now: () => at,
            requestId: opts.requestId,
            machineVersion: ticketMachineVersion,
            // Without If-Match the command is decided again on the fresh stream.
            retries: opts.expectedVersion === undefined ? 3 : 0,
          },
        );
        return { event: appended[0]!, state: stream.state };
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        const expected = opts.expectedVersion ?? Number(error.expected);
        throw new StaleVersionError(ticketId, expected, error.actual ?? expected);
      }
    },

    /** Resumes tickets whose automatic steps did not finish (the process died, a step failed). */
    async resume(ticketIds: readonly string[]): Promise<number> {
      let resumed = 0;
      for (const ticketId of ticketIds) {
        if (inFlight.has(ticketId)) continue;
        const stream = await loadStream(store, ticketStreamId(ticketId), ticketDecider);
        if (!hasTag(stream.state, 'automatic') || stream.state.anomalies.length > 0) continue;
        logger.info({ ticketId, status: statusOf(stream.state.snapshot) }, 'resuming ticket');
        advance(ticketId, stream).catch(() => undefined);
        resumed++;
      }
      return resumed;
    },

    /**
     * Stops taking new steps. Model calls in flight are stopped and their steps left to the
     * crash-resume path (the ticket is durable and its state says which actor to run again).
     */
    async stop(): Promise<void> {
      stopping.abort();
      await Promise.allSettled([...inFlight.values()]);
    },

    inFlightCount: () => inFlight.size,
  };
}

export type Workflow = ReturnType<typeof createWorkflow>;
