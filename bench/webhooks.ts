import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createEvent, type AnyNewEvent } from '../src/events/index.ts';
import { createPostgresEventStore } from '../src/eventstore/index.ts';
import { createProjector } from '../src/projector/index.ts';
import { webhookEndpointsProjection } from '../projections/index.ts';
import { createWebhookService } from '../src/webhooks/index.ts';
import type { BenchContext } from './context.ts';
import { openBenchDb, type DbKind } from './db.ts';
import { sleep } from './stats.ts';

const logger = pino({ level: 'silent' });
const meta = { actor: { id: 'bench', role: 'system' as const }, correlationId: 'bench' };

/** A receiver on loopback that answers 204 at once and notes when each webhook-id arrived. */
async function startReceiver() {
  const arrivals = new Map<string, number>();
  let accepted = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      accepted += 1;
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    accepted: () => accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const ticketEvent = (): AnyNewEvent =>
  createEvent(
    'RequesterReplied',
    { body: 'still broken after the restart, see the attached log' },
    meta,
  ) as AnyNewEvent;

/**
 * Webhook delivery from one process to a local receiver: deliveries per second through a backlog
 * (events appended while delivery was stopped), and event-to-delivery lag (append committed →
 * request received) at a steady 200 events/s. Duplicates (repeats of a webhook-id) are counted.
 */
export async function benchWebhooks(ctx: BenchContext, kind: DbKind): Promise<void> {
  const bench = await openBenchDb(kind, ctx.options.postgresUrl);
  const receiver = await startReceiver();
  const store = createPostgresEventStore(bench.db);
  const projector = createProjector({
    db: bench.db,
    store,
    projections: [webhookEndpointsProjection],
    logger,
  });
  await projector.start();
  const service = createWebhookService({
    db: bench.db,
    store,
    logger,
    now: () => new Date(),
    catchUp: () => projector.catchUp(),
    settings: {
      key: Buffer.alloc(32, 1),
      schedule: [5000],
      jitter: 0.1,
      timeoutMs: 15_000,
      allowHttp: true,
      allowedAddresses: ['127.0.0.1'],
      disableAfterMs: 86_400_000,
      concurrency: 64,
      pollMs: 250,
      leaseMs: 60_000,
      source: 'urn:ticketflow:bench',
      deliver: true,
    },
  });
  try {
    await service.create({ url: receiver.url }, randomUUID(), meta.actor);
    // A backlog: 200 tickets × (quick: 5, else 25) events, appended before delivery starts.
    const perTicket = ctx.options.quick ? 5 : 25;
    for (let t = 0; t < 200; t++) {
      await store.appendToStream(
        `ticket-${randomUUID()}`,
        Array.from({ length: perTicket }, ticketEvent),
        'no_stream',
      );
    }
    const backlog = 200 * perTicket;
    const t0 = performance.now();
    await service.start();
    while (receiver.arrivals.size < backlog) await sleep(5);
    const seconds = (performance.now() - t0) / 1000;
    ctx.add({
      name: `deliveries/s, backlog of ${backlog} events, 200 tickets`,
      unit: 'deliveries/s',
      median: backlog / seconds,
      n: backlog,
      group: 'webhooks',
      db: kind,
      target: '≥ 1000',
      met: backlog / seconds >= 1000,
    });

    // Steady load: one event every 5 ms for (quick: 5, else 20) s, to 50 tickets in turn.
    const streams = Array.from({ length: 50 }, () => `ticket-${randomUUID()}`);
    const appendedAt = new Map<string, number>();
    const appends: Array<Promise<unknown>> = [];
    const durationMs = ctx.options.quick ? 5000 : 20_000;
    const start = performance.now();
    for (let i = 0; performance.now() - start < durationMs; i++) {
      const due = start + i * 5;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const stream = streams[i % streams.length]!;
      const event = ticketEvent();
      // Open loop: the next append does not wait for this one.
      appends.push(
        store
          .appendToStream(stream, [event], 'any')
          .then(() => appendedAt.set(event.id, performance.now())),
      );
    }
    await Promise.all(appends);
    const deadline = performance.now() + 30_000;
    const all = () => [...appendedAt.keys()].every((id) => receiver.arrivals.has(id));
    while (!all() && performance.now() < deadline) await sleep(20);
    const lags = [...appendedAt].map(([id, at]) => (receiver.arrivals.get(id) ?? Infinity) - at);
    ctx.addLatency(
      {
        name: `event-to-delivery lag at 200 events/s (${appendedAt.size} events)`,
        unit: 'ms',
        group: 'webhooks',
        db: kind,
        target: 'p99 < 500',
      },
      lags,
    );
    const last = ctx.runs.at(-1)!;
    last.met = (last.p99 ?? Infinity) < 500;
    const total = backlog + appendedAt.size;
    const duplicates = receiver.accepted() - receiver.arrivals.size;
    ctx.note(
      'webhooks',
      `${kind}: ${total} events, ${receiver.arrivals.size} delivered, ${total - [...appendedAt.keys()].filter((id) => receiver.arrivals.has(id)).length - backlog} lost, ${duplicates} duplicates (${((100 * duplicates) / total).toFixed(2)} %); one process, concurrency 64, receiver on loopback answering 204.`,
    );
  } finally {
    await service.stop();
    await projector.stop();
    await store.close();
    await receiver.close();
    await bench.dispose();
  }
}
