import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  createEvent,
  eventDataSchemas,
  eventTypes,
  type AnyNewEvent,
  type EventMetadata,
  type EventType,
  type StoredEvent,
} from '../src/events/index.ts';
import {
  allows,
  applyEvent,
  initialTicketState,
  toMachineEvent,
  type TicketState,
} from '../machines/index.ts';
import { ticketTexts } from './tickets.ts';
import { rng, type Rng } from '../test/support/rng.ts';

export { rng, type Rng };

const agents = ['agent-7@example.com', 'agent-9@example.com'];
const categories = ['account', 'email', 'network', 'printing', 'software', 'hardware', 'access'];
const articles = [
  { id: 'password-reset', title: 'Reset a forgotten password' },
  { id: 'account-lockout', title: 'Account locked after failed sign-ins' },
  { id: 'vpn-connect', title: 'VPN does not connect' },
  { id: 'add-network-printer', title: 'Add a network printer' },
];
const modelTrace = (r: Rng) => ({
  model: 'local/logreg-tfidf',
  promptVersion: 'classify-v3',
  promptHash: 'sha256:9f2c1e7a4b',
  latencyMs: r.int(1, 40),
  promptTokens: r.int(180, 900),
  completionTokens: r.int(20, 300),
  attempts: 1,
});

/** A JSON-schema sampler for event types this file has no hand-written data for. */
function sample(schema: unknown, r: Rng): unknown {
  const s = (schema ?? {}) as Record<string, unknown>;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return r.pick(s.enum as unknown[]);
  const alt = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (alt?.length) return sample(r.pick(alt), r);
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(
        Object.entries(props).map(([k, v]) => [
          k,
          k === 'agent' || k === 'previous' ? r.pick(agents) : sample(v, r),
        ]),
      );
    }
    case 'array':
      return [sample(s.items, r)];
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : 0;
      const max = typeof s.maximum === 'number' ? s.maximum : min + 100;
      return s.type === 'integer'
        ? r.int(Math.ceil(min), Math.floor(max))
        : min + (max - min) * r.next();
    }
    case 'boolean':
      return r.next() < 0.5;
    case 'string':
      if (s.format === 'uuid') return randomUUID();
      if (s.format === 'email') return `user${r.int(1, 9999)}@example.com`;
      if (s.format === 'date-time') return new Date().toISOString();
      return r.pick([
        'Checked with the requester, following up.',
        'Restarted the service.',
        'See the linked article.',
      ]);
    default:
      return null;
  }
}

const jsonSchemas = new Map<EventType, unknown>();

/** Realistic data for each event type the ticket flow writes today; sampled from zod for the rest. */
function dataFor(type: EventType, ticketId: string, r: Rng): unknown {
  const text = r.pick(ticketTexts);
  switch (type) {
    case 'TicketReceived':
      return {
        ticketId,
        subject: text.subject,
        description: text.description,
        requester: { email: `employee${r.int(1, 5000)}@example.com`, name: 'Alex Example' },
        policy: { autoAnswerThreshold: 0.7 },
      };
    case 'ClassificationStarted':
    case 'AnswerDraftStarted':
      return { model: 'local/logreg-tfidf' };
    case 'TicketClassified': {
      const level = r.next() < 0.6 ? 1 : r.next() < 0.7 ? 2 : 3;
      return {
        level,
        category: r.pick(categories),
        confidence: level === 1 ? 0.72 + 0.27 * r.next() : 0.4 + 0.5 * r.next(),
        rationale:
          'Matches the password and account-access pattern; similar to 14 labelled tickets.',
        ...modelTrace(r),
      };
    }
    case 'ClassificationFailed':
    case 'AnswerDraftFailed':
      return {
        reason: r.pick(['timeout', 'no_grounding', 'invalid_output']),
        message: 'no grounded answer',
        model: 'local/logreg-tfidf',
        latencyMs: r.int(1, 200),
      };
    case 'AnswerDrafted':
      return {
        answer:
          'Open https://passwordreset.example.com, enter your work e-mail, confirm with the code sent to your phone and choose a new password of at least 14 characters. Sign out and back in on every device afterwards.',
        citations: [r.pick(articles)],
        ...modelTrace(r),
      };
    case 'TicketEscalated':
      return {
        level: r.pick([2, 3]),
        reason: 'level_requires_agent',
        detail: 'level 2 (access) needs an agent',
      };
    case 'TicketClosed':
      return ((reason) => ({ reason, closedBy: reason === 'auto_close' ? 'system' : 'requester' }))(
        r.pick(['answer_accepted', 'resolved', 'auto_close']),
      );
    default: {
      let schema = jsonSchemas.get(type);
      if (!schema)
        jsonSchemas.set(type, (schema = z.toJSONSchema(eventDataSchemas[type], { io: 'input' })));
      return sample(schema, r);
    }
  }
}

function metadataFor(type: EventType, ticketId: string, r: Rng): EventMetadata {
  const requester = [
    'TicketReceived',
    'TicketClosed',
    'RequesterReplied',
    'AnswerRejected',
    'TicketReopened',
  ].includes(type);
  const system = [
    'ClassificationStarted',
    'TicketClassified',
    'ClassificationFailed',
    'AnswerDraftStarted',
    'AnswerDrafted',
    'AnswerDraftFailed',
    'TicketEscalated',
    'SlaWarning',
    'SlaBreached',
  ].includes(type);
  return {
    actor: requester
      ? { id: `employee${r.int(1, 5000)}@example.com`, role: 'requester' }
      : system
        ? { id: 'workflow', role: 'system' }
        : { id: r.pick(agents), role: 'agent' },
    correlationId: ticketId,
    requestId: `req-${r.int(1, 1e9)}`,
  };
}

export interface TicketStream {
  ticketId: string;
  streamId: string;
  events: AnyNewEvent[];
}

const stored = (e: AnyNewEvent, streamId: string, version: number, position: number): StoredEvent =>
  ({ ...e, streamId, version, position }) as StoredEvent;

/**
 * A ticket's history as the machine allows it: at each step every event type is tried against
 * `snapshot.can()`, and one that is allowed is chosen (closing only once `targetLength` is
 * reached). With today's machine a ticket has at most ~7 events; when the machine grows (agents'
 * states, reopen), the same walk produces longer, still legal, histories.
 */
export function buildTicketStream(r: Rng, targetLength: number): TicketStream {
  const ticketId = randomUUID();
  const streamId = `ticket-${ticketId}`;
  const events: AnyNewEvent[] = [];
  let state: TicketState = initialTicketState();
  const start = Date.now() - 86_400_000;
  for (let version = 1; version <= Math.max(targetLength, 1); version++) {
    const options: Array<{ event: AnyNewEvent; next: TicketState }> = [];
    for (const type of eventTypes) {
      let event: AnyNewEvent;
      try {
        event = createEvent(
          type,
          dataFor(type, ticketId, r) as never,
          metadataFor(type, ticketId, r),
          {
            timestamp: new Date(start + version * 1500),
          },
        ) as AnyNewEvent;
      } catch {
        continue;
      }
      let machineEvent: ReturnType<typeof toMachineEvent>;
      try {
        machineEvent = toMachineEvent(stored(event, streamId, version, 0));
        if (!allows(state, machineEvent)) continue;
      } catch {
        continue; // not a ticket event (users, tokens), or a guard that cannot judge sampled data
      }
      options.push({ event, next: applyEvent(state, machineEvent, version) });
    }
    if (options.length === 0) break;
    const remaining = targetLength - version;
    const open = options.filter(
      (o) => o.next.snapshot.status !== 'done' && o.event.type !== 'TicketClosed',
    );
    const pool = remaining > 0 && open.length ? open : options;
    const chosen = r.pick(pool);
    events.push(chosen.event);
    state = chosen.next;
    if (
      state.snapshot.status === 'done' ||
      (remaining <= 0 && chosen.event.type === 'TicketClosed')
    )
      break;
  }
  return { ticketId, streamId, events };
}

/** The stored form of a stream (what `readStream` returns), for in-memory folds. */
export function asStored(stream: TicketStream, firstPosition = 1): StoredEvent[] {
  return stream.events.map((e, i) => stored(e, stream.streamId, i + 1, firstPosition + i));
}

/** A single realistic event for appends (fresh id each time). */
export function oneEvent(
  r: Rng,
  ticketId: string,
  type: EventType = 'TicketClassified',
): AnyNewEvent {
  return createEvent(
    type,
    dataFor(type, ticketId, r) as never,
    metadataFor(type, ticketId, r),
  ) as AnyNewEvent;
}

/** `n` realistic events for one stream (types cycle through a ticket's life; data is valid per schema). */
export function eventBatch(r: Rng, ticketId: string, n: number): AnyNewEvent[] {
  const cycle: EventType[] = [
    'TicketReceived',
    'ClassificationStarted',
    'TicketClassified',
    'AnswerDraftStarted',
    'AnswerDrafted',
    'TicketClosed',
  ];
  return Array.from({ length: n }, (_, i) => oneEvent(r, ticketId, cycle[i % cycle.length]!));
}

/** The same history under fresh ids (ticket, stream and event ids), to fill a log quickly with legal tickets. */
export function cloneStream(stream: TicketStream): TicketStream {
  const ticketId = randomUUID();
  const events = stream.events.map((e) => {
    const copy = {
      ...e,
      id: randomUUID(),
      metadata: { ...e.metadata, correlationId: ticketId },
    } as AnyNewEvent;
    if (copy.type === 'TicketReceived') copy.data = { ...copy.data, ticketId };
    return copy;
  });
  return { ticketId, streamId: `ticket-${ticketId}`, events };
}
