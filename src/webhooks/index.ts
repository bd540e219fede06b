export {
  createWebhookService,
  type WebhookService,
  type WebhookSettings,
  type EndpointInput,
} from './service.ts';
export { WebhookError, type EndpointState } from './endpoint.ts';
export { webhookMigrations } from './schema.ts';
export { listAttempts, rerenderPendingData, type AttemptRow } from './deliveries.ts';
export { secretKeyFrom, secretPrefix } from './secrets.ts';
export { signatureHeaders } from './signature.ts';
export { createTargetPolicy } from './targets.ts';
export { verdictFor, type RetryPolicy } from './retry.ts';
