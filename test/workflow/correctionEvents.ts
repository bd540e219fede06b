import { createEvent, type AnyNewEvent } from '../../src/events/index.ts';

const customer = {
  actor: { id: 'ann@example.com', role: 'requester' as const },
  correlationId: 'c',
};
const agent = { actor: { id: 'bob@example.com', role: 'agent' as const }, correlationId: 'c' };

/** A ticket as the requester sent it. */
export function received(ticketId: string, description: string, subject?: string): AnyNewEvent {
  return createEvent(
    'TicketReceived',
    {
      ticketId,
      subject,
      description,
      requester: { email: 'ann@example.com' },
      policy: { autoAnswerThreshold: 0.7 },
    },
    customer,
  ) as AnyNewEvent;
}

/** An agent moving a ticket from one level to another. */
export function relevelled(from: 1 | 2 | 3, to: 1 | 2 | 3): AnyNewEvent {
  return createEvent(
    'TicketRelevelled',
    { from, to, reason: 'agent knows better', ...(to === 1 ? { answer: 'do this' } : {}) },
    agent,
  ) as AnyNewEvent;
}
