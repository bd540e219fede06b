import type { StoredEvent } from './envelope.ts';

/**
 * An event of the log as a CloudEvents 1.0 event in structured JSON mode
 * (`application/cloudevents+json`). `tfstreamversion` and `tfposition` are extension attributes:
 * the event's version in its stream and its position in the global log (a resume cursor).
 */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: unknown;
  tfstreamversion: number;
  tfposition: number;
}

export const cloudEventContentType = 'application/cloudevents+json';

/** `ticket-<id>` → ['ticket', '<id>']; a stream without a dash is its own subject. */
function splitStream(streamId: string): [string, string] {
  const dash = streamId.indexOf('-');
  return dash < 0 ? ['log', streamId] : [streamId.slice(0, dash), streamId.slice(dash + 1)];
}

/**
 * `io.ticketflow.<stream kind>.<event in snake case>.v<schema version>`, the kind's own word
 * dropped from the front: TicketClassified → io.ticketflow.ticket.classified.v1,
 * SlaBreached → io.ticketflow.ticket.sla_breached.v1, UserCreated → io.ticketflow.user.created.v1.
 */
export function cloudEventType(kind: string, eventType: string, schemaVersion: number): string {
  const words = eventType.split(/(?=[A-Z])/).map((w) => w.toLowerCase());
  if (words.length > 1 && words[0] === kind) words.shift();
  return `io.ticketflow.${kind}.${words.join('_')}.v${schemaVersion}`;
}

export function toCloudEvent(event: StoredEvent, source: string): CloudEvent {
  const [kind, subject] = splitStream(event.streamId);
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: cloudEventType(kind, event.type, event.schemaVersion),
    subject,
    time: event.timestamp,
    datacontenttype: 'application/json',
    data: event.data,
    tfstreamversion: event.version,
    tfposition: event.position,
  };
}
