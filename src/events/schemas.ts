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
  TicketClosed: z.object({
    reason: z.enum(['answer_accepted', 'resolved', 'auto_close', 'withdrawn']),
    comment: z.string().optional(),
  }),
} as const;

export type EventType = keyof typeof eventDataSchemas;
export const eventTypes = Object.keys(eventDataSchemas) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;

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
  TicketClosed: 1,
};

export const roleSchema = z.enum(['system', 'requester', 'agent', 'auditor', 'integrator', 'admin']);
export type Role = z.infer<typeof roleSchema>;

export const eventMetadataSchema = z.object({
  actor: z.object({ id: z.string(), role: roleSchema }),
  correlationId: z.string(),
  causationId: z.string().optional(),
  requestId: z.string().optional(),
});
export type EventMetadata = z.infer<typeof eventMetadataSchema>;
