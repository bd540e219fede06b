import { z } from 'zod';
import { proofBundleSchema } from '../audit/index.ts';
import { commandBody } from './commands.ts';
import { reportSchema } from './reports.ts';
import * as out from './responses.ts';
import * as hooks from './webhookResponses.ts';
import { createTicketBody } from './schemas.ts';
import { createUserBody, grantBody, tokenBody } from './users.ts';
import { createWebhookBody, recoverBody, updateWebhookBody } from './webhooks.ts';
import { erasureBody, exportBody } from './privacy.ts';

/**
 * The vocabulary of the OpenAPI description (src/api/operations.ts): what an operation is, and the
 * request and response bodies by the names the document gives them.
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
  EventPageOrCloudEvents: z.union([out.eventPageSchema, hooks.cloudEventPageSchema]),
  Webhook: hooks.webhookSchema,
  CreatedWebhook: hooks.createdWebhookSchema,
  UpdatedWebhook: hooks.updatedWebhookSchema,
  WebhookList: hooks.webhookListSchema,
  WebhookRecovery: hooks.recoveryResultSchema,
  WebhookRetry: hooks.retryResultSchema,
  WebhookAttempts: hooks.webhookAttemptPageSchema,
  Report: reportSchema,
} satisfies Record<string, z.ZodType>;

export const json = (description: string, name: keyof typeof responseSchemas): Answer => ({
  description,
  json: name,
});
export const ifMatch: HeaderParam = {
  name: 'If-Match',
  description: 'The ticket version you saw ("<version>", its ETag): required of agents',
};
