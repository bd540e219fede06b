import { z } from 'zod';
import { proofBundleSchema } from '../audit/index.ts';
import { commandBody } from './commands.ts';
import { streamQuery } from './events.ts';
import { queueParams, queueQuery } from './queues.ts';
import { reportQuery, reportSchema } from './reports.ts';
import * as out from './responses.ts';
import {
  createTicketBody,
  eventsQuery,
  listTicketsQuery,
  stateQuery,
  ticketIdParam,
} from './schemas.ts';
import { createUserBody, grantBody, tokenBody, tokenParam, userParam } from './users.ts';
import {
  createWebhookBody,
  deliveriesQuery,
  deliveryParam,
  recoverBody,
  updateWebhookBody,
  webhookParam,
} from './webhooks.ts';
import { erasureBody, exportBody } from './privacy.ts';

/**
 * Every route the product serves, described for the OpenAPI document (src/api/openapi.ts) with the
 * very zod schemas the routes validate with and send. A route missing here fails
 * test/api/openapi.int.test.ts.
 */

/** What a route answers with: a JSON body (a named schema), another media type, or nothing. */
export type Answer =
  | { description: string; json: string }
  | { description: string; media: string[] }
  | { description: string };

/** A request header a route reads. */
export interface HeaderParam {
  name: string;
  description: string;
  required?: boolean;
}

export interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express's path pattern, as the router has it (`/api/tickets/:id`). */
  path: string;
  summary: string;
  tag: string;
  /** Who may call: anyone (no token needed), or a bearer token (some routes also serve anonymous). */
  auth: 'public' | 'optional' | 'bearer';
  params?: z.ZodObject;
  query?: z.ZodType;
  headers?: HeaderParam[];
  /** The request body: a name in `requestSchemas`. */
  body?: keyof typeof requestSchemas;
  /** Success answers by status. */
  answers: Record<number, Answer>;
  /** Problem statuses this route answers with besides the common ones (src/api/problemTypes.ts). */
  problems: number[];
}

/** Request bodies, named as the document's components (io: input). */
export const requestSchemas = {
  CreateTicket: createTicketBody,
  Command: commandBody,
  CreateUser: createUserBody,
  GrantRole: grantBody,
  IssueToken: tokenBody,
  CreateWebhook: createWebhookBody,
  UpdateWebhook: updateWebhookBody,
  RecoverWebhook: recoverBody,
  Erasure: erasureBody,
  PersonalDataExportRequest: exportBody,
};

/** Response bodies, named as the document's components (io: output). */
export const responseSchemas = {
  Problem: out.problemSchema,
  TicketView: out.ticketViewSchema,
  TicketState: out.ticketStateSchema,
  TicketList: out.ticketListSchema,
  TicketEvents: out.ticketEventsSchema,
  StoredEvent: out.storedEventSchema,
  EventPage: out.eventPageSchema,
  CommandResult: out.commandResultSchema,
  ResponseList: out.responseListSchema,
  Queue: out.queueSchema,
  UserList: out.userListSchema,
  User: out.userSchema,
  TokenList: out.tokenListSchema,
  Erasure: out.erasureSchema,
  PersonalDataExport: out.personalDataExportSchema,
  IssuedToken: out.issuedTokenSchema,
  Health: out.healthSchema,
  Ready: out.readySchema,
  Timeline: out.timelineSchema,
  ProofBundle: proofBundleSchema,
  EventPageOrCloudEvents: z.union([out.eventPageSchema, out.cloudEventPageSchema]),
  Webhook: out.webhookSchema,
  CreatedWebhook: out.createdWebhookSchema,
  UpdatedWebhook: out.updatedWebhookSchema,
  WebhookList: out.webhookListSchema,
  WebhookRecovery: out.recoveryResultSchema,
  WebhookRetry: out.retryResultSchema,
  WebhookAttempts: out.webhookAttemptPageSchema,
  Report: reportSchema,
} satisfies Record<string, z.ZodType>;

const json = (description: string, name: keyof typeof responseSchemas): Answer => ({
  description,
  json: name,
});
const ifMatch: HeaderParam = {
  name: 'If-Match',
  description: 'The ticket version you saw ("<version>", its ETag): required of agents',
};

export const operations: Operation[] = [
  {
    method: 'get',
    path: '/health',
    summary: 'Liveness: the process answers',
    tag: 'Operations',
    auth: 'public',
    answers: { 200: json('Alive', 'Health') },
    problems: [],
  },
  {
    method: 'get',
    path: '/ready',
    summary: 'Readiness: database reachable and process started',
    tag: 'Operations',
    auth: 'public',
    answers: { 200: json('Ready', 'Ready'), 503: json('Not ready', 'Ready') },
    problems: [],
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'Operations',
    auth: 'public',
    answers: { 200: { description: 'Prometheus exposition', media: ['text/plain'] } },
    problems: [],
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    tag: 'Operations',
    auth: 'public',
    answers: { 200: { description: 'OpenAPI 3.1', media: ['application/json'] } },
    problems: [],
  },
  {
    method: 'get',
    path: '/api/docs',
    summary: 'A reference page that renders this document',
    tag: 'Operations',
    auth: 'public',
    answers: { 200: { description: 'HTML', media: ['text/html'] } },
    problems: [],
  },
  {
    method: 'get',
    path: '/api/docs/:asset',
    summary: "The reference page's script and stylesheet",
    tag: 'Operations',
    auth: 'public',
    params: z.object({ asset: z.enum(['docs.js', 'docs.css']) }),
    answers: { 200: { description: 'The file', media: ['text/javascript', 'text/css'] } },
    problems: [404],
  },
  {
    method: 'post',
    path: '/api/tickets',
    summary: 'File a ticket (anonymous, or a requester with their token)',
    tag: 'Tickets',
    auth: 'optional',
    headers: [
      { name: 'Idempotency-Key', description: 'Retries with the same key file one ticket' },
      { name: 'Prefer', description: 'wait=N: wait up to N seconds for the ticket to settle' },
    ],
    body: 'CreateTicket',
    answers: { 201: json('Filed (Location names it)', 'TicketView') },
    problems: [403, 413, 415, 422],
  },
  {
    method: 'get',
    path: '/api/tickets',
    summary: 'List tickets, newest first (requesters: their own)',
    tag: 'Tickets',
    auth: 'bearer',
    query: listTicketsQuery,
    answers: { 200: json('A page', 'TicketList') },
    problems: [403, 422],
  },
  {
    method: 'get',
    path: '/api/tickets/:id',
    summary: 'One ticket (ETag: its version)',
    tag: 'Tickets',
    auth: 'optional',
    params: ticketIdParam,
    answers: { 200: json('The ticket', 'TicketView') },
    problems: [403, 404, 422],
  },
  {
    method: 'get',
    path: '/api/tickets/:id/events',
    summary: "The ticket's events (internal notes only for agents and auditors)",
    tag: 'Tickets',
    auth: 'optional',
    params: ticketIdParam,
    answers: { 200: json('Its stream', 'TicketEvents') },
    problems: [403, 404, 422],
  },
  {
    method: 'get',
    path: '/api/tickets/:id/responses',
    summary: 'What was said on the ticket',
    tag: 'Tickets',
    auth: 'optional',
    params: ticketIdParam,
    answers: { 200: json('Its responses', 'ResponseList') },
    problems: [403, 404, 422],
  },
  {
    method: 'get',
    path: '/api/tickets/:id/state',
    summary: 'The ticket replayed up to a version or a time',
    tag: 'Tickets',
    auth: 'optional',
    params: ticketIdParam,
    query: stateQuery,
    answers: { 200: json('The state then', 'TicketState') },
    problems: [403, 404, 422],
  },
  {
    method: 'get',
    path: '/api/tickets/:id/timeline',
    summary: "Each event with who, when, the state before and after, and the model's decisions",
    tag: 'Tickets',
    auth: 'optional',
    params: ticketIdParam,
    query: stateQuery,
    answers: {
      200: json('The timeline (requesters: without notes or agents’ identities)', 'Timeline'),
    },
    problems: [403, 404, 422],
  },
  {
    method: 'post',
    path: '/api/tickets/:id/commands',
    summary: 'Act on a ticket: claim, reply, resolve, close...',
    tag: 'Tickets',
    auth: 'bearer',
    params: ticketIdParam,
    headers: [ifMatch],
    body: 'Command',
    answers: { 200: json('Done: the ticket and the event', 'CommandResult') },
    problems: [403, 404, 409, 412, 413, 415, 422, 428],
  },
  {
    method: 'get',
    path: '/api/queues/:level',
    summary: "A level's open tickets, most urgent first",
    tag: 'Queues',
    auth: 'bearer',
    params: queueParams,
    query: queueQuery,
    answers: { 200: json('The queue', 'Queue') },
    problems: [403, 422],
  },
  ...userOperations(),
  ...privacyOperations(),
  {
    method: 'get',
    path: '/api/events',
    summary: 'The global log, in commit order',
    tag: 'Events',
    auth: 'bearer',
    query: eventsQuery,
    answers: {
      200: json(
        'A page of events (?format=cloudevents: CloudEvents 1.0)',
        'EventPageOrCloudEvents',
      ),
    },
    problems: [403, 422],
  },
  {
    method: 'get',
    path: '/api/events/stream',
    summary: 'The global log as server-sent events (id: position, event: type, data: StoredEvent)',
    tag: 'Events',
    auth: 'bearer',
    query: streamQuery,
    headers: [{ name: 'Last-Event-ID', description: 'Resume after this position' }],
    answers: { 200: { description: 'An endless event stream', media: ['text/event-stream'] } },
    problems: [403, 422],
  },
  ...webhookOperations(),
];

function webhookOperations(): Operation[] {
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

function privacyOperations(): Operation[] {
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

function userOperations(): Operation[] {
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
