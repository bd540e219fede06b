import { z } from 'zod';
import { citationSchema, supportLevelSchema } from './types.ts';

/**
 * The events of a ticket's stream: each type's zod schema and current schema version
 * (docs/events.md documents each). A new type needs a transition in the machine, and
 * `machineEventOf` maps it generically (machines/machineEvents.ts).
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
  'injection_suspected',
  'manual',
]);
export type EscalationReason = z.infer<typeof escalationReasonSchema>;

export const policySchema = z.object({
  autoAnswerThreshold: z.number().min(0).max(1),
  /**
   * Level-1 tickets at or above this confidence (and below the auto-answer threshold) escalate with
   * the model's grounded draft attached for agents. Absent (tickets before it existed): no band.
   */
  suggestThreshold: z.number().min(0).max(1).optional(),
});
export type TicketPolicy = z.infer<typeof policySchema>;

export const slaClockSchema = z.enum(['first_response', 'resolution']);
export type SlaClock = z.infer<typeof slaClockSchema>;

const draftFailure = {
  reason: failureReasonSchema,
  message: z.string(),
  model: z.string(),
  latencyMs: z.number().nonnegative(),
};

const slaClockEvent = z.object({
  clock: slaClockSchema,
  level: supportLevelSchema,
  targetMinutes: z.number().positive(),
  /** When the clock reaches (warning: the warning share of) its target. */
  dueAt: z.iso.datetime(),
});

export const ticketEventSchemas = {
  TicketReceived: z.object({
    ticketId: z.uuid(),
    subject: z.string().optional(),
    description: z.string(),
    requester: z.object({
      email: z.string(),
      name: z.string().optional(),
      /**
       * Whether the requester proved the email (filed with their own token: true) or not
       * (anonymous: false). Absent on events written before it existed, when both paths wrote the
       * same event: read as true (docs/events.md).
       */
      verified: z.boolean().optional(),
    }),
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
    /**
     * The injection screen's patterns the ticket matched (docs/llm.md, "Prompt injection"): the
     * level is kept for routing, but no automatic answer or suggestion follows. Absent: none matched,
     * or written before the screen kept the level (it failed the classification then).
     */
    injectionSuspected: z.array(z.string()).optional(),
    /**
     * The model's probability per level, when it has a distribution (the local model; Ollama
     * gives one level and a confidence). Absent on events written before it was recorded.
     */
    scores: z
      .object({
        '1': z.number().min(0).max(1),
        '2': z.number().min(0).max(1),
        '3': z.number().min(0).max(1),
      })
      .optional(),
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
    /**
     * The articles the knowledge base retrieved for the draft, best first, with their search
     * scores (the decision record, docs/audit.md). Absent on events written before it was recorded.
     */
    retrieved: z
      .array(z.object({ id: z.string(), title: z.string(), score: z.number() }))
      .optional(),
    ...modelTrace,
  }),
  AnswerDraftFailed: z.object(draftFailure),
  // Suggested answers for agents (docs/events.md, "Suggested answers").
  SuggestionDraftStarted: z.object({ model: z.string() }),
  SuggestionDrafted: z.object({
    answer: z.string(),
    citations: z.array(citationSchema),
    ...modelTrace,
  }),
  SuggestionDraftFailed: z.object(draftFailure),
  /** An agent sent the model's suggested answer to the requester, as drafted or edited. */
  SuggestionSent: z.object({
    body: z.string(),
    citations: z.array(citationSchema),
    edited: z.boolean(),
  }),
  SuggestionDiscarded: z.object({ reason: z.string().optional() }),
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
} as const;

export type TicketEventType = keyof typeof ticketEventSchemas;
export type TicketEventData<T extends TicketEventType> = z.infer<(typeof ticketEventSchemas)[T]>;
export const ticketEventTypes = Object.keys(ticketEventSchemas) as TicketEventType[];
export const isTicketEventType = (type: string): type is TicketEventType =>
  Object.hasOwn(ticketEventSchemas, type);

/** A ticket event decided and not yet stored: its type and data. */
export type TicketEvent = {
  [T in TicketEventType]: { type: T; data: TicketEventData<T> };
}[TicketEventType];

/**
 * An event as stored, as far as the fold reads it (the store's `StoredEvent` is one). Its type is
 * any string: a stream may hold what no ticket event type names, and history must still read.
 */
export interface RecordedEvent {
  type: string;
  data: unknown;
  version: number;
  timestamp: string;
  metadata: { actor: { id: string } };
}

/** The current schema version of each ticket event type; stored with every event. */
export const ticketEventSchemaVersions: Record<TicketEventType, number> = {
  TicketReceived: 1,
  ClassificationStarted: 1,
  TicketClassified: 1,
  ClassificationFailed: 1,
  AnswerDraftStarted: 1,
  AnswerDrafted: 1,
  AnswerDraftFailed: 1,
  SuggestionDraftStarted: 1,
  SuggestionDrafted: 1,
  SuggestionDraftFailed: 1,
  SuggestionSent: 1,
  SuggestionDiscarded: 1,
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
};
