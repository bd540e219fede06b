import type { Logger } from 'pino';
import type { Response } from 'express';
import type { EventStore, Subscription } from '../eventstore/index.ts';
import { ticketStreamPrefix } from '../workflow/index.ts';

type Listener = (ticketId: string) => void;

/**
 * One subscription to the log per process, shared by every open page: it follows ticket streams
 * from the head, brings the read models up to date after each batch (so a queue page fetched on
 * the signal already shows the change), then tells the pages that watch those tickets. It runs
 * only while someone listens, so an idle or stopping server holds no subscription.
 */
export function createLiveHub(deps: {
  store: EventStore;
  catchUp: () => Promise<void>;
  logger: Logger;
}) {
  const listeners = new Set<Listener>();
  let subscription: Subscription | undefined;

  async function run(sub: Subscription) {
    const changed = new Set<string>();
    try {
      for await (const item of sub) {
        if (item.kind === 'event')
          changed.add(item.event.streamId.slice(ticketStreamPrefix.length));
        if (item.kind !== 'caughtUp' || changed.size === 0) continue;
        await deps.catchUp().catch(() => undefined);
        for (const id of changed) for (const listener of listeners) listener(id);
        changed.clear();
      }
    } catch (error) {
      deps.logger.warn({ err: error }, 'live updates stopped');
    } finally {
      if (subscription === sub) subscription = undefined;
    }
  }

  async function start() {
    const from = await deps.store.headPosition();
    if (subscription || listeners.size === 0) return;
    subscription = deps.store.subscribe({ from, filter: { streamPrefix: ticketStreamPrefix } });
    void run(subscription);
  }

  return {
    /** Calls `listener` with each ticket id that changed, until the returned function is called. */
    listen(listener: Listener): () => void {
      listeners.add(listener);
      if (!subscription)
        void start().catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'live updates failed'),
        );
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && subscription) {
          const sub = subscription;
          subscription = undefined;
          void sub.close();
        }
      };
    },
  };
}

export type LiveHub = ReturnType<typeof createLiveHub>;

/**
 * Server-sent events for one page: `event: changed` when a ticket it shows changes (htmx's SSE
 * extension turns it into a refresh of the part that shows it), a heartbeat comment otherwise.
 */
export function streamChanges(res: Response, hub: LiveHub, shows: (ticketId: string) => boolean) {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const stop = hub.listen((ticketId) => {
    if (shows(ticketId)) res.write(`event: changed\ndata: ${ticketId}\n\n`);
  });
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
  res.on('close', () => {
    clearInterval(heartbeat);
    stop();
  });
}
