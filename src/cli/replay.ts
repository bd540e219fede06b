import type { EventStore } from '../eventstore/index.ts';
import { buildTimeline, formatTimeline } from '../audit/index.ts';
import { ticketStreamId } from '../events/index.ts';

export interface ReplayOptions {
  ticketId: string;
  version?: number | undefined;
  at?: Date | undefined;
  json: boolean;
}

/**
 * `replay TICKET [--version N | --at ISO] [--json]`: the ticket's timeline, as
 * `GET /api/tickets/:id/timeline` gives it to an auditor. Returns false when the ticket has no events.
 */
export async function replayTicket(
  store: EventStore,
  options: ReplayOptions,
  out: Pick<Console, 'log'>,
): Promise<boolean> {
  const events = await store.readStream(ticketStreamId(options.ticketId));
  if (events.length === 0) return false;
  const timeline = buildTimeline(options.ticketId, events, {
    version: options.version,
    at: options.at,
  });
  out.log(options.json ? JSON.stringify(timeline, null, 2) : formatTimeline(timeline));
  return true;
}
