import { randomUUID } from 'node:crypto';
import { createEvent, type AnyNewEvent, type EventMetadata } from '../../src/events/index.ts';

export const metadata: EventMetadata = {
  actor: { id: 'agent-1', role: 'agent' },
  correlationId: 'corr-1',
  causationId: 'cause-1',
};

export function closed(id = randomUUID()): AnyNewEvent {
  return createEvent('TicketClosed', { reason: 'resolved', closedBy: 'agent' }, metadata, {
    id,
    timestamp: new Date('2024-05-01T10:00:00.000Z'),
  });
}
