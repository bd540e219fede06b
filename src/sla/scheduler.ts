import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import {
  ConcurrencyError,
  handleCommand,
  type Decider,
  type EventStore,
} from '../eventstore/index.ts';
import {
  decideDueEvents,
  evolve,
  initialTicketState,
  ticketMachineVersion,
  type TicketState,
} from '../../machines/index.ts';
import { ticketStreamId } from '../workflow/index.ts';
import {
  dueEvents,
  evolveSla,
  initialSlaState,
  timersOf,
  type SlaSettings,
  type SlaState,
} from './clock.ts';
import { replaceTimers } from './timers.ts';

/** A ticket's stream folded twice at once: the ticket, and its SLA clocks. */
const ticketWithClocks: Decider<{ ticket: TicketState; sla: SlaState }> = {
  initial: () => ({ ticket: initialTicketState(), sla: initialSlaState() }),
  evolve: (state, event) => ({
    ticket: evolve(state.ticket, event),
    sla: evolveSla(state.sla, event),
  }),
};

export interface SlaSchedulerOptions {
  db: Database;
  store: EventStore;
  settings: SlaSettings;
  logger: Logger;
  now?: () => Date;
  pollMs?: number;
  /** How long a claimed timer belongs to this process before another may take it. */
  leaseMs?: number;
  batchSize?: number;
}

const schedulerActor = { id: 'sla-scheduler', role: 'system' } as const;

/**
 * Emits SLA warnings, breaches and auto-closes when they fall due. Due instants come from the
 * `tf_sla_timers` projection; a process claims due rows (`FOR UPDATE SKIP LOCKED` plus a lease,
 * so several processes never take the same row), re-derives what is due from the ticket's events,
 * and appends it with the expected version. A conflict means someone else moved the ticket:
 * the timer is released and re-evaluated on the next tick. The machine refuses a second
 * warning or breach of the same clock, so each is emitted once.
 */
export function createSlaScheduler(options: SlaSchedulerOptions) {
  const { db, store, settings, logger } = options;
  const now = options.now ?? (() => new Date());
  const leaseMs = options.leaseMs ?? 30_000;
  const batchSize = options.batchSize ?? 50;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  async function claimDue(at: Date): Promise<string[]> {
    const { rows } = await db.query<{ ticket_id: string }>(
      `UPDATE tf_sla_timers SET leased_until = $2
       WHERE (ticket_id, kind) IN (
         SELECT ticket_id, kind FROM tf_sla_timers
         WHERE due_at <= $1 AND (leased_until IS NULL OR leased_until <= $1)
         ORDER BY due_at LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING ticket_id`,
      [at.toISOString(), new Date(at.getTime() + leaseMs).toISOString(), batchSize],
    );
    return [...new Set(rows.map((r) => r.ticket_id))];
  }

  /**
   * Re-derives what is due for one ticket from its events and appends what the ticket's rules
   * allow (a duplicate breach or a clock that stopped meanwhile is dropped); returns how many.
   */
  async function evaluate(ticketId: string, at: Date): Promise<number> {
    let handled;
    try {
      handled = await handleCommand(
        store,
        ticketStreamId(ticketId),
        ticketWithClocks,
        ({ ticket, sla }, version) =>
          version === 0
            ? []
            : decideDueEvents(ticket, dueEvents(sla, settings, at), {
                at,
                actorId: schedulerActor.id,
              }).events,
        { actor: schedulerActor, now: () => at, retries: 3, machineVersion: ticketMachineVersion },
      );
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      // The ticket keeps moving: let the next tick look again at the new history.
      await db.query(`UPDATE tf_sla_timers SET leased_until = NULL WHERE ticket_id = $1`, [
        ticketId,
      ]);
      return 0;
    }
    const { stream, appended } = handled;
    if (stream.version === 0) return 0;
    await db.transaction((tx) =>
      replaceTimers(
        tx,
        [{ ticketId, version: stream.version, timers: timersOf(stream.state.sla, settings) }],
        { now: at, leaseUntil: new Date(at.getTime() + leaseMs) },
      ),
    );
    if (appended.length > 0) {
      logger.info({ ticketId, events: appended.map((e) => e.type) }, 'SLA events emitted');
    }
    return appended.length;
  }

  async function tickOnce(): Promise<number> {
    const at = now();
    let count = 0;
    for (;;) {
      const ids = await claimDue(at);
      for (const id of ids) {
        try {
          count += await evaluate(id, at);
        } catch (error) {
          logger.error(
            { err: error, ticketId: id },
            'SLA evaluation failed; retried after the lease',
          );
        }
      }
      if (ids.length < batchSize) break;
    }
    return count;
  }

  /** Emits everything due now; concurrent calls share one run. Returns the events emitted. */
  function tick(): Promise<number> {
    running ??= tickOnce().finally(() => (running = null));
    return running;
  }

  return {
    tick,
    start() {
      timer = setInterval(() => {
        tick().catch((error: unknown) => logger.error({ err: error }, 'SLA tick failed'));
      }, options.pollMs ?? 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}

export type SlaScheduler = ReturnType<typeof createSlaScheduler>;
