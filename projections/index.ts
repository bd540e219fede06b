import type { Migration } from '../src/db/index.ts';
import type { Projection } from '../src/projector/index.ts';
import type { SlaSettings } from '../src/sla/index.ts';
import { ticketsProjection } from './tickets.ts';
import { statusHistoryProjection } from './statusHistory.ts';
import { responsesProjection } from './responses.ts';
import { usersProjection } from './users.ts';
import { supportLevelsProjection } from './supportLevels.ts';
import { tokensProjection } from './tokens.ts';
import { slaTimersMigrations, slaTimersProjection } from './slaTimers.ts';
import { webhookEndpointsProjection } from './webhookEndpoints.ts';
import { analyticsMigrations, analyticsProjection } from './analytics.ts';

export {
  ticketsProjection,
  evolveTicketRow,
  listTickets,
  ticketsAwaitingWorkflow,
  type TicketRow,
  type TicketListFilter,
  type TicketListItem,
} from './tickets.ts';
export { publicResponseKinds, responsesOf, type ResponseKind } from './responses.ts';
export { queueOf, type QueueFilter, type QueueItem } from './queues.ts';
export {
  webhookEndpointsProjection,
  getWebhookEndpoint,
  listWebhookEndpoints,
  type WebhookEndpointRow,
} from './webhookEndpoints.ts';
export * from './analyticsQueries.ts';

/** Every read model of the product; the SLA timers depend on the configured SLA policy. */
export function createProjections(sla: SlaSettings): readonly Projection[] {
  return [
    usersProjection,
    supportLevelsProjection,
    ticketsProjection,
    responsesProjection,
    statusHistoryProjection,
    tokensProjection,
    webhookEndpointsProjection,
    slaTimersProjection(sla),
    analyticsProjection(sla),
  ];
}

/** Every read model's migrations (they do not depend on the configuration). */
export const projectionMigrations: readonly Migration[] = [
  usersProjection,
  supportLevelsProjection,
  ticketsProjection,
  responsesProjection,
  statusHistoryProjection,
  tokensProjection,
  webhookEndpointsProjection,
]
  .flatMap((p) => p.migrations)
  .concat(slaTimersMigrations, analyticsMigrations);
