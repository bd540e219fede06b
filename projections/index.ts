import type { Projection } from '../src/projector/types.ts';
import { loadConfig } from '../src/config/index.ts';
import type { SlaSettings } from '../src/sla/clock.ts';
import { slaSettingsFrom } from '../src/sla/settings.ts';
import { ticketsProjection } from './tickets.ts';
import { statusHistoryProjection } from './statusHistory.ts';
import { responsesProjection } from './responses.ts';
import { usersProjection } from './users.ts';
import { supportLevelsProjection } from './supportLevels.ts';
import { tokensProjection } from './tokens.ts';
import { slaTimersProjection } from './slaTimers.ts';

export {
  ticketsProjection,
  statusAfterEvent,
  evolveTicketRow,
  ticketEventTypes,
  type TicketRow,
} from './tickets.ts';
export { publicResponseKinds, type ResponseKind } from './responses.ts';

/** Every read model of the product; the SLA timers depend on the configured SLA policy. */
export function createProjections(sla: SlaSettings): readonly Projection[] {
  return [
    usersProjection,
    supportLevelsProjection,
    ticketsProjection,
    responsesProjection,
    statusHistoryProjection,
    tokensProjection,
    slaTimersProjection(sla),
  ];
}

/** The read models with the default configuration (migrations do not depend on it). */
export const projections: readonly Projection[] = createProjections(
  slaSettingsFrom(loadConfig({})),
);
