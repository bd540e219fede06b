import { z } from 'zod';
import { citationSchema, supportLevelSchema } from '../llm/types.ts';

/**
 * Every event type: its current schema version and the zod schema of its data.
 * Adding a type here without a case in the machine's event mapping fails to compile
 * (see machines/ticket.events.ts), and docs/events.md documents each entry.
 */

const modelTrace = {
  model: z.string(),
  promptVersion: z.string(),
  promptHash: z.string(),
  latencyMs: z.number().nonnegative(),
  promptTokens: z.number().int().nonnegative().optional(),
  completionTokens: z.number().int().nonnegative().optional(),
  attempts: z.number().int().positive().default(1),
};

export const failureReasonSchema = z.enum([
  'timeout',
  'unavailable',
  'invalid_output',
  'no_grounding',
  'error',
]);

export const escalationReasonSchema = z.enum([
  'level_requires_agent',
  'low_confidence',
  'classification_failed',
  'draft_failed',
  'manual',
]);
export type EscalationReason = z.infer<typeof escalationReasonSchema>;

export const policySchema = z.object({
  autoAnswerThreshold: z.number().min(0).max(1),
});
export type TicketPolicy = z.infer<typeof policySchema>;

export const slaClockSchema = z.enum(['first_response', 'resolution']);
export type SlaClock = z.infer<typeof slaClockSchema>;

const slaClockEvent = z.object({
  clock: slaClockSchema,
  level: supportLevelSchema,
  targetMinutes: z.number().positive(),
  /** When the clock reaches (warning: the warning share of) its target. */
  dueAt: z.iso.datetime(),
});

/** Roles a person can be granted (`system` is for the product's own processes only). */
export const userRoleSchema = z.enum(['requester', 'agent', 'auditor', 'integrator', 'admin']);
export type UserRole = z.infer<typeof userRoleSchema>;

export const eventDataSchemas = {
  TicketReceived: z.object({
    ticketId: z.uuid(),
    subject: z.string().optional(),
    description: z.string(),
    requester: z.object({ email: z.string(), name: z.string().optional() }),
    policy: policySchema,
  }),
  ClassificationStarted: z.object({
    model: z.string(),
  }),
  TicketClassified: z.object({
    level: supportLevelSchema,
    category: z.string(),
    confidence: z.number().min(0).max(1),
    rationale: z.string(),
    ...modelTrace,
  }),
  ClassificationFailed: z.object({
    reason: failureReasonSchema,
    message: z.string(),
    model: z.string(),
    latencyMs: z.number().nonnegative(),
  }),
  AnswerDraftStarted: z.object({
    model: z.string(),
  }),
  AnswerDrafted: z.object({
    answer: z.string(),
    citations: z.array(citationSchema),
    ...modelTrace,
  }),
  AnswerDraftFailed: z.object({
    reason: failureReasonSchema,
    message: z.string(),
    model: z.string(),
    latencyMs: z.number().nonnegative(),
  }),
  TicketEscalated: z.object({
    level: supportLevelSchema,
    reason: escalationReasonSchema,
    detail: z.string(),
  }),
  // v2 (docs/events.md, "Schema evolution"): `closedBy` names the party that closed the ticket.
  TicketClosed: z.object({
    reason: z.enum(['answer_accepted', 'resolved', 'auto_close', 'withdrawn']),
    closedBy: z.enum(['requester', 'agent', 'system']),
    comment: z.string().optional(),
  }),
  // Agents' work on escalated tickets (issue 5; docs/events.md, "Agents").
  AnswerRejected: z.object({ comment: z.string().optional() }),
  TicketClaimed: z.object({ agent: z.string() }),
  TicketAssigned: z.object({ agent: z.string(), previous: z.string().nullable() }),
  TicketReleased: z.object({ agent: z.string(), reason: z.string().optional() }),
  WorkStarted: z.object({}),
  AgentReplied: z.object({ body: z.string() }),
  InternalNoteAdded: z.object({ body: z.string() }),
  TicketPutOnHold: z.object({ message: z.string() }),
  RequesterReplied: z.object({ body: z.string() }),
  TicketResolved: z.object({
    resolution: z.string(),
    /** Until when the requester or an agent may reopen it (the policy in force when it was resolved). */
    reopenUntil: z.iso.datetime(),
  }),
  TicketReopened: z.object({ reason: z.string() }),
  TicketRelevelled: z.object({
    from: supportLevelSchema,
    to: supportLevelSchema,
    reason: z.string(),
    /** Required when re-levelling down to 1: the agent's answer to the requester. */
    answer: z.string().optional(),
  }),
  SlaWarning: slaClockEvent,
  SlaBreached: slaClockEvent,
  // Identities and roles, each user in its own stream `user-<id>` (docs/events.md, "Identities").
  UserCreated: z.object({ userId: z.uuid(), email: z.string(), name: z.string().optional() }),
  RoleGranted: z.object({
    userId: z.uuid(),
    role: userRoleSchema,
    /** Agents: the support levels they serve. */
    levels: z.array(supportLevelSchema).optional(),
    /** Agents: a lead may assign tickets to other agents. */
    lead: z.boolean().optional(),
  }),
  TokenIssued: z.object({
    userId: z.uuid(),
    tokenId: z.uuid(),
    role: userRoleSchema,
    /** SHA-256 (hex) of the token; the token itself is shown once and never stored. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    label: z.string().optional(),
  }),
  TokenRevoked: z.object({ userId: z.uuid(), tokenId: z.uuid() }),
} as const;

/** Event types that live in a user's stream, never in a ticket's. */
export const identityEventTypes = [
  'UserCreated',
  'RoleGranted',
  'TokenIssued',
  'TokenRevoked',
] as const;
export type IdentityEventType = (typeof identityEventTypes)[number];

export type EventType = keyof typeof eventDataSchemas;
export const eventTypes = Object.keys(eventDataSchemas) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;
export type TicketEventType = Exclude<EventType, IdentityEventType>;
export const isIdentityEventType = (type: string): type is IdentityEventType =>
  (identityEventTypes as readonly string[]).includes(type);

/** The current schema version of each event type; stored with every event. */
export const eventSchemaVersions: Record<EventType, number> = {
  TicketReceived: 1,
  ClassificationStarted: 1,
  TicketClassified: 1,
  ClassificationFailed: 1,
  AnswerDraftStarted: 1,
  AnswerDrafted: 1,
  AnswerDraftFailed: 1,
  TicketEscalated: 1,
  TicketClosed: 2,
  AnswerRejected: 1,
  TicketClaimed: 1,
  TicketAssigned: 1,
  TicketReleased: 1,
  WorkStarted: 1,
  AgentReplied: 1,
  InternalNoteAdded: 1,
  TicketPutOnHold: 1,
  RequesterReplied: 1,
  TicketResolved: 1,
  TicketReopened: 1,
  TicketRelevelled: 1,
  SlaWarning: 1,
  SlaBreached: 1,
  UserCreated: 1,
  RoleGranted: 1,
  TokenIssued: 1,
  TokenRevoked: 1,
};

export const roleSchema = z.enum([
  'system',
  'requester',
  'agent',
  'auditor',
  'integrator',
  'admin',
]);
export type Role = z.infer<typeof roleSchema>;

export const eventMetadataSchema = z.object({
  actor: z.object({ id: z.string(), role: roleSchema }),
  correlationId: z.string(),
  causationId: z.string().optional(),
  requestId: z.string().optional(),
});
export type EventMetadata = z.infer<typeof eventMetadataSchema>;
