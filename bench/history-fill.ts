/**
 * A help desk's history for the growth-of-reads group (bench/history.ts): a fixed backlog of open
 * tickets, the newest, and a history of closed or resolved ones behind it that grows. Every ticket
 * is a legal history walked through the machine (bench/fixtures.ts), cloned under fresh ids with
 * its own requester and its own time, and appended whole through the store, as the workflow does.
 */
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../src/eventstore/index.ts';
import type { AnyNewEvent } from '../src/events/index.ts';
import { foldTicket, statusesTagged } from '../machines/index.ts';
import { asStored, buildTicketStream, rng, type TicketStream } from './fixtures.ts';

export interface HistoryTemplates {
  /** Histories that end closed or resolved: the bulk of any help desk's log. */
  closed: TicketStream[];
  /** Histories that end in a state agents work (the machine's `agent` tag): the open backlog. */
  open: TicketStream[];
}

/** How many requesters the tickets come from (the requester filter's selectivity). */
export const requesterCount = 20_000;
export const requesterEmail = (i: number) => `employee${i % requesterCount}@example.com`;

let cached: HistoryTemplates | null = null;

/** 150 closed and 150 open histories of 4-16 events (about 10 on average). */
export function historyTemplates(): HistoryTemplates {
  if (cached) return cached;
  const r = rng(15);
  const agentStates = new Set<string>(statusesTagged('agent'));
  const closed: TicketStream[] = [];
  const open: TicketStream[] = [];
  for (let tries = 0; tries < 20_000 && (closed.length < 150 || open.length < 150); tries++) {
    const t = buildTicketStream(r, r.int(4, 16));
    const status = String(foldTicket(asStored(t)).snapshot.value);
    if ((status === 'closed' || status === 'resolved') && closed.length < 150) closed.push(t);
    else if (agentStates.has(status) && open.length < 150) open.push(t);
  }
  cached = { closed, open };
  return cached;
}

/**
 * The template under fresh ids, its requester `requester`, and its events moved in time so that
 * the ticket was received at `receivedAt` (the gaps between its events are kept).
 */
export function cloneAt(stream: TicketStream, receivedAt: number, requester: string): TicketStream {
  const ticketId = randomUUID();
  const shift = receivedAt - Date.parse(stream.events[0]!.timestamp);
  const events = stream.events.map((e) => {
    const copy = {
      ...e,
      id: randomUUID(),
      timestamp: new Date(Date.parse(e.timestamp) + shift).toISOString(),
      metadata: { ...e.metadata, correlationId: ticketId },
    } as AnyNewEvent;
    if (copy.type === 'TicketReceived')
      copy.data = {
        ...copy.data,
        ticketId,
        requester: { ...copy.data.requester, email: requester },
      };
    return copy;
  });
  return { ticketId, streamId: `ticket-${ticketId}`, events };
}

/** When the `i`-th ticket was received: the backlog is the last hours, history one ticket per 30 s before it. */
export function receivedAt(kind: 'open' | 'closed', i: number, now: number): number {
  return kind === 'open' ? now - i * 60_000 : now - 86_400_000 - i * 30_000;
}

/**
 * Appends tickets `from`..`to`-1 of one kind (`concurrency` appends in flight, one append per
 * ticket). Returns the events written.
 */
export async function appendTickets(
  store: EventStore,
  kind: 'open' | 'closed',
  from: number,
  to: number,
  now: number,
  concurrency: number,
): Promise<number> {
  const pool = historyTemplates()[kind];
  let next = from;
  let events = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to) {
        const i = next++;
        const t = cloneAt(pool[i % pool.length]!, receivedAt(kind, i, now), requesterEmail(i));
        events += t.events.length;
        await store.appendToStream(t.streamId, t.events, 'no_stream');
      }
    }),
  );
  return events;
}
