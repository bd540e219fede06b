import { reportQuery } from './reports.ts';
import { ticketIdParam } from './schemas.ts';
import { deliveriesQuery, deliveryParam, webhookParam } from './webhooks.ts';
import { tokenParam, userParam } from './users.ts';
import { json, type Operation } from './operationSchemas.ts';

/**
 * The operations of the product's staff and integrators: webhooks, personal data, users and tokens,
 * the audit log and reports (the ticket-facing ones are in src/api/operations.ts).
 */

export function webhookOperations(): Operation[] {
  const base = { tag: 'Webhooks', auth: 'bearer' as const };
  const one = { ...base, params: webhookParam };
  return [
    {
      ...base,
      method: 'post',
      path: '/api/webhooks',
      summary: 'Register a webhook endpoint (admins, integrators): its secret is shown once',
      body: 'CreateWebhook',
      answers: { 201: json('The endpoint and its secret', 'CreatedWebhook') },
      problems: [403, 413, 415, 422],
    },
    {
      ...base,
      method: 'get',
      path: '/api/webhooks',
      summary: 'Webhook endpoints (an integrator sees only its own)',
      answers: { 200: json('The endpoints', 'WebhookList') },
      problems: [403],
    },
    {
      ...one,
      method: 'get',
      path: '/api/webhooks/:id',
      summary: 'One webhook endpoint',
      answers: { 200: json('The endpoint', 'Webhook') },
      problems: [403, 404, 422],
    },
    {
      ...one,
      method: 'patch',
      path: '/api/webhooks/:id',
      summary: 'Change an endpoint, enable or disable it, rotate or retire a secret',
      body: 'UpdateWebhook',
      answers: { 200: json('The endpoint (and a rotated-in secret, once)', 'UpdatedWebhook') },
      problems: [403, 404, 413, 415, 422],
    },
    {
      ...one,
      method: 'delete',
      path: '/api/webhooks/:id',
      summary: 'Delete an endpoint',
      answers: { 204: { description: 'Deleted' } },
      problems: [403, 404, 422],
    },
    {
      ...one,
      method: 'post',
      path: '/api/webhooks/:id/recover',
      summary: 'Re-send the events after a position or from a time on',
      body: 'RecoverWebhook',
      answers: { 202: json('What is queued', 'WebhookRecovery') },
      problems: [403, 404, 413, 415, 422],
    },
    {
      ...base,
      method: 'post',
      path: '/api/webhooks/:id/deliveries/:deliveryId/retry',
      summary: 'Retry one delivery now',
      params: deliveryParam,
      answers: { 202: json('Queued', 'WebhookRetry') },
      problems: [403, 404, 422],
    },
    {
      ...one,
      method: 'get',
      path: '/api/webhooks/:id/deliveries',
      summary: 'Delivery attempts, newest first (cursor pagination)',
      query: deliveriesQuery,
      answers: { 200: json('A page of attempts', 'WebhookAttempts') },
      problems: [403, 404, 422],
    },
  ];
}

export function privacyOperations(): Operation[] {
  const base = { tag: 'Privacy', auth: 'bearer' as const };
  return [
    {
      ...base,
      method: 'post',
      path: '/api/privacy/erasures',
      summary: "Erase a person's personal data: destroy their key, purge copies (admins)",
      body: 'Erasure',
      answers: { 200: json('Erased, or nothing held', 'Erasure') },
      problems: [403, 413, 415, 422],
    },
    {
      ...base,
      method: 'post',
      path: '/api/privacy/exports',
      summary: 'Everything held about a person, as JSON (admins)',
      body: 'PersonalDataExportRequest',
      answers: { 200: json('The export', 'PersonalDataExport') },
      problems: [403, 413, 415, 422],
    },
  ];
}

export function userOperations(): Operation[] {
  const base = { tag: 'Users', auth: 'bearer' as const };
  return [
    {
      ...base,
      method: 'get',
      path: '/api/users',
      summary: 'Users (admins, auditors)',
      answers: { 200: json('Up to 1000 users', 'UserList') },
      problems: [403],
    },
    {
      ...base,
      method: 'post',
      path: '/api/users',
      summary: 'Create a user with a role (admins)',
      body: 'CreateUser',
      answers: { 201: json('Created', 'User') },
      problems: [403, 409, 413, 415, 422],
    },
    {
      ...base,
      method: 'get',
      path: '/api/users/:id',
      summary: 'One user',
      params: userParam,
      answers: { 200: json('The user', 'User') },
      problems: [403, 404, 422],
    },
    {
      ...base,
      method: 'post',
      path: '/api/users/:id/roles',
      summary: 'Grant a role (admins)',
      params: userParam,
      body: 'GrantRole',
      answers: { 200: json('The user', 'User') },
      problems: [403, 404, 413, 415, 422],
    },
    {
      ...base,
      method: 'get',
      path: '/api/users/:id/tokens',
      summary: "A user's tokens (never the tokens themselves)",
      params: userParam,
      answers: { 200: json('Their tokens', 'TokenList') },
      problems: [403, 404, 422],
    },
    {
      ...base,
      method: 'post',
      path: '/api/users/:id/tokens',
      summary: 'Issue a token (admins): shown once',
      params: userParam,
      body: 'IssueToken',
      answers: { 201: json('The token', 'IssuedToken') },
      problems: [403, 404, 413, 415, 422],
    },
    {
      ...base,
      method: 'delete',
      path: '/api/users/:id/tokens/:tokenId',
      summary: 'Revoke a token (admins)',
      params: tokenParam,
      answers: { 204: { description: 'Revoked' } },
      problems: [403, 404, 422],
    },
    {
      method: 'get',
      path: '/api/audit/checkpoint',
      summary: 'The newest signed checkpoint of the Merkle log (a C2SP signed note)',
      tag: 'Audit',
      auth: 'bearer',
      answers: { 200: { description: 'The checkpoint note', media: ['text/plain'] } },
      problems: [401, 403, 404],
    },
    {
      method: 'get',
      path: '/api/audit/tickets/:id/proof',
      summary:
        "A ticket's events with their inclusion proofs and the checkpoint, to verify offline",
      tag: 'Audit',
      auth: 'bearer',
      params: ticketIdParam,
      answers: {
        200: json('The proof bundle (npm run cli -- verify BUNDLE --key KEY)', 'ProofBundle'),
      },
      problems: [401, 403, 404, 422],
    },
    {
      method: 'get',
      path: '/api/reports/summary',
      summary:
        'Analytics (auditors, admins): per period and level, variants, cost and benefit (docs/analytics.md)',
      tag: 'Reports',
      auth: 'bearer',
      query: reportQuery,
      answers: { 200: json('The report', 'Report') },
      problems: [401, 403, 422],
    },
    {
      method: 'get',
      path: '/api/reports/volume.svg',
      summary: 'Tickets in per period as a chart (auditors, admins)',
      tag: 'Reports',
      auth: 'bearer',
      query: reportQuery,
      answers: { 200: { description: 'A stacked bar chart', media: ['image/svg+xml'] } },
      problems: [401, 403, 422],
    },
  ];
}
