import { randomUUID } from 'node:crypto';
import type { EventStore } from '../src/eventstore/index.ts';
import type { AnyNewEvent } from '../src/events/index.ts';
import { buildTicketStream, cloneStream, eventBatch, rng, type TicketStream } from './fixtures.ts';

let templates: TicketStream[] | null = null;
/** A few hundred legal ticket histories built through the machine, reused under fresh ids. */
export function ticketTemplates(): TicketStream[] {
  const r = rng(7);
  templates ??= Array.from({ length: 200 }, () => buildTicketStream(r, r.int(5, 50)));
  return templates;
}

/**
 * Appends whole ticket histories (one append per ticket, `concurrency` at once) until `events`
 * events are in. Returns the count written.
 */
export async function prefillTickets(
  store: EventStore,
  events: number,
  concurrency: number,
): Promise<number> {
  const pool = ticketTemplates();
  let written = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (written < events) {
        const t = cloneStream(pool[i++ % pool.length]!);
        written += t.events.length;
        await store.appendToStream(t.streamId, t.events, 'no_stream');
      }
    }),
  );
  return written;
}

/** Fast fill: batches of `batch` valid events per stream through appendToStream. */
export async function prefillBulk(
  store: EventStore,
  events: number,
  concurrency: number,
  batch = 100,
): Promise<number> {
  const template = eventBatch(rng(11), randomUUID(), batch);
  let written = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (written < events) {
        const n = Math.min(batch, events - written);
        written += n;
        const fresh = template.slice(0, n).map((e) => ({ ...e, id: randomUUID() }) as AnyNewEvent);
        await store.appendToStream(`ticket-${randomUUID()}`, fresh, 'no_stream');
      }
    }),
  );
  return written;
}

/** Reads the whole log (or `maxEvents` of it) in pages; returns events read and seconds. */
export async function readAllPages(
  store: EventStore,
  pageSize: number,
  after = 0,
  maxEvents = Infinity,
) {
  const t0 = performance.now();
  let read = 0;
  let position = after;
  for (;;) {
    const { events, lastPosition } = await store.readAll({ after: position, limit: pageSize });
    read += events.length;
    position = lastPosition;
    if (events.length < pageSize || read >= maxEvents) break;
  }
  return { read, seconds: (performance.now() - t0) / 1000, lastPosition: position };
}
