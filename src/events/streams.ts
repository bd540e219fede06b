/** How ticket streams are named: `ticket-<ticket id>`. Writers and read models share this. */
export const ticketStreamPrefix = 'ticket-';

export const ticketStreamId = (ticketId: string) => `${ticketStreamPrefix}${ticketId}`;

/** The ticket id of a ticket stream (`ticket-<id>` → `<id>`). */
export const ticketIdOfStream = (streamId: string) => streamId.slice(ticketStreamPrefix.length);
