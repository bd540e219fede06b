import { once } from 'node:events';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { EventStore } from '../eventstore/index.ts';
import { isEventType, toCloudEvent, type EventType, type StoredEvent } from '../events/index.ts';
import { HttpProblem } from './problem.ts';
import { eventsQuery } from './schemas.ts';
import { eventToJson } from './tickets.ts';
import { parse } from './validate.ts';
import { eventPageSchema, type Sent } from './responses.ts';
import { cloudEventPageSchema } from './webhookResponses.ts';

export const streamQuery = z
  .object({
    after: z.coerce.number().int().min(0).optional(),
    types: eventsQuery.shape.types,
    format: eventsQuery.shape.format,
    /** Seconds between heartbeat comments (default 15). */
    heartbeat: z.coerce.number().min(0.05).max(300).default(15),
  })
  .strict();

const lastEventIdSchema = z.coerce.number().int().min(0);

function typesOf(list: string | undefined): EventType[] | undefined {
  const types = list?.split(',');
  const unknown = types?.filter((t) => !isEventType(t));
  if (unknown?.length) {
    throw new HttpProblem({
      title: 'Unknown event type',
      status: 400,
      detail: `unknown: ${unknown.join(', ')}`,
    });
  }
  return types as EventType[] | undefined;
}

async function requirePosition(store: EventStore, position: number): Promise<void> {
  if (!(await store.positionExists(position))) {
    throw new HttpProblem({
      title: 'Invalid position',
      status: 400,
      detail: `no event at position ${position}`,
    });
  }
}

export interface EventRouteOptions {
  /** A connection whose unsent bytes pass this is disconnected (with its last position). */
  sse: { maxBufferBytes: number; drainTimeoutMs: number };
  /** The CloudEvents `source` (`?format=cloudevents`). */
  source: string;
}

/**
 * Writes, waiting for the socket to drain when its buffer is full (back-pressure), but only so
 * long and so much: false when the client does not read (the caller then disconnects it).
 */
async function send(
  res: Response,
  chunk: string,
  limits: EventRouteOptions['sse'],
): Promise<boolean> {
  if (res.write(chunk)) return true;
  if (res.writableLength > limits.maxBufferBytes) return false;
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    once(res, 'drain').then(() => true),
    once(res, 'close').then(() => true),
    new Promise<boolean>(
      (resolve) => (timer = setTimeout(() => resolve(false), limits.drainTimeoutMs)),
    ),
  ]);
  clearTimeout(timer);
  return drained;
}

/** The global log, in commit order, resumable from any position a client has seen. */
export function eventRoutes(store: EventStore, options: EventRouteOptions): Router {
  const asJson = (format: 'ticketflow' | 'cloudevents') => (e: StoredEvent) =>
    format === 'cloudevents' ? toCloudEvent(e, options.source) : eventToJson(e);
  const router = Router();

  router.get('/events', async (req, res) => {
    const q = parse(eventsQuery, req.query, 'query');
    const types = typesOf(q.types);
    await requirePosition(store, q.after);
    const { events, lastPosition } = await store.readAll({
      after: q.after,
      limit: q.limit,
      ...(types ? { types } : {}),
    });
    if (q.format === 'cloudevents') {
      const page = {
        events: events.map((e) => toCloudEvent(e, options.source)),
        lastPosition,
      } satisfies Sent<typeof cloudEventPageSchema>;
      return void res.json(page);
    }
    res.json({ events: events.map(eventToJson), lastPosition } satisfies Sent<
      typeof eventPageSchema
    >);
  });

  /**
   * Server-sent events: `id:` the position, `event:` the type, `data:` the event as GET /api/events
   * gives it. Resumes after `Last-Event-ID` (what a reconnecting EventSource sends) or `?after=`;
   * heartbeat comments keep proxies from closing an idle stream. See docs/eventstore.md.
   */
  router.get('/events/stream', async (req, res) => {
    const q = parse(streamQuery, req.query, 'query');
    const types = typesOf(q.types);
    const lastEventId = req.get('last-event-id');
    let from = q.after ?? 0;
    if (lastEventId !== undefined && lastEventId !== '') {
      const parsed = lastEventIdSchema.safeParse(lastEventId);
      if (!parsed.success) {
        throw new HttpProblem({
          title: 'Invalid Last-Event-ID',
          status: 400,
          detail: 'expected an event position',
        });
      }
      from = parsed.data;
    }
    await requirePosition(store, from);

    const headers = {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    };
    // HEAD has no body: Node would hold the headers back until the end, which never comes.
    if (req.method === 'HEAD') return void res.writeHead(200, headers).end();
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    res.writeHead(200, headers);
    res.write(`retry: 2000\n: resuming after ${from}\n\n`);
    let lastSent = from;
    /** A client that does not read: told where it stands (it resumes with Last-Event-ID), then cut. */
    const disconnectSlow = () => {
      closed.abort();
      res.end(
        `event: disconnect\ndata: ${JSON.stringify({ reason: 'slow reader', lastEventId: lastSent })}\n\n`,
      );
      // If even that cannot be written, the socket goes: no byte more is held for this client.
      setTimeout(() => res.destroy(), 1000).unref();
    };
    const heartbeat = setInterval(() => {
      if (res.writableLength > options.sse.maxBufferBytes) disconnectSlow();
      else res.write(': heartbeat\n\n');
    }, q.heartbeat * 1000);
    const toJson = asJson(q.format);
    const subscription = store.subscribe({
      from,
      batchSize: 100,
      signal: closed.signal,
      ...(types ? { filter: { types } } : {}),
    });
    try {
      for await (const item of subscription) {
        if (closed.signal.aborted) break;
        if (item.kind !== 'event') continue;
        const e = item.event;
        const sent = await send(
          res,
          `id: ${item.position}\nevent: ${e.type}\ndata: ${JSON.stringify(toJson(e))}\n\n`,
          options.sse,
        );
        lastSent = item.position;
        if (!sent) {
          disconnectSlow();
          break;
        }
      }
    } catch (error) {
      req.log?.error({ err: error }, 'event stream failed');
    } finally {
      clearInterval(heartbeat);
      await subscription.close();
      if (!res.writableEnded) res.end();
    }
  });

  return router;
}
