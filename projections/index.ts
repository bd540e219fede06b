import type { Projection } from '../src/projector/types.ts';
import { ticketsProjection } from './tickets.ts';
import { statusHistoryProjection } from './statusHistory.ts';
import { responsesProjection } from './responses.ts';
import { usersProjection } from './users.ts';
import { supportLevelsProjection } from './supportLevels.ts';

export { ticketsProjection, statusAfterEvent, evolveTicketRow, type TicketRow } from './tickets.ts';

/** Every read model of the product. */
export const projections: readonly Projection[] = [
  usersProjection,
  supportLevelsProjection,
  ticketsProjection,
  responsesProjection,
  statusHistoryProjection,
];
