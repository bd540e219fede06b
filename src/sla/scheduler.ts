import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import { createEvent, type AnyNewEvent, type EventMetadata } from '../events/index.ts';
import { ConcurrencyError, type EventStore } from '../eventstore/index.ts';
import {
  applyEvent,
  foldTicket,
  IllegalTransitionError,
  machineEventOf,
  type TicketState,
} from '../../machines/index.ts';
import { ticketStreamId } from '../workflow/ids.ts';
import { dueEvents, foldSla, timersOf, type SlaSettings } from './clock.ts';
import { replaceTimers } from './timers.ts';

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

  /** Re-derives what is due for one ticket from its events and appends it; returns how many events. */
  async function evaluate(ticketId: string, at: Date): Promise<number> {
    const events = await store.readStream(ticketStreamId(ticketId));
    if (events.length === 0) return 0;
    let state: TicketState = foldTicket(events);
    const sla = foldSla(events);
    const toAppend: AnyNewEvent[] = [];
    const metadata: EventMetadata = {
      actor: schedulerActor,
      correlationId: events[0]!.metadata.correlationId,
      causationId: events.at(-1)!.id,
    };
    for (const due of dueEvents(sla, settings, at)) {
      const version = state.version + 1;
      try {
        // The machine decides: a duplicate breach or a clock that stopped meanwhile is refused.
        state = applyEvent(
          state,
          machineEventOf(due, { at: at.toISOString(), actorId: schedulerActor.id, version }),
          version,
        );
      } catch (error) {
        if (error instanceof IllegalTransitionError) continue;
        throw error;
      }
      toAppend.push(
        createEvent(due.type, due.data as never, metadata, {
          id: randomUUID(),
          timestamp: at,
        }) as AnyNewEvent,
      );
    }
    let after = sla;
    if (toAppend.length > 0) {
      try {
        await store.appendToStream(ticketStreamId(ticketId), toAppend, events.length);
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        // Someone moved the ticket on: let the next tick look again at the new history.
        await db.query(`UPDATE tf_sla_timers SET leased_until = NULL WHERE ticket_id = $1`, [
          ticketId,
        ]);
        return 0;
      }
      after = foldSla(await store.readStream(ticketStreamId(ticketId)));
    }
    await db.transaction((tx) =>
      replaceTimers(tx, [{ ticketId, version: after.version, timers: timersOf(after, settings) }], {
        now: at,
        leaseUntil: new Date(at.getTime() + leaseMs),
      }),
    );
    if (toAppend.length > 0) {
      logger.info({ ticketId, events: toAppend.map((e) => e.type) }, 'SLA events emitted');
    }
    return toAppend.length;
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
