import type { Citation, SupportLevel } from './types.ts';
import type { EscalationReason, SlaClock, TicketEventData, TicketPolicy } from './events.ts';

/** A failed model step, as its failure event records it. */
export interface StepFailure {
  reason: string;
  message: string;
}

/** Everything the ticket knows, built by the machine's actions from the stored events. */
export interface TicketContext {
  ticketId: string;
  subject?: string | undefined;
  description: string;
  requester: { email: string; name?: string | undefined; verified?: boolean | undefined };
  policy: TicketPolicy;
  receivedAt: string;
  updatedAt: string;
  classification: {
    level: SupportLevel;
    category: string;
    confidence: number;
    rationale: string;
    model: string;
    /** The injection screen's patterns the ticket matched: never answered by the model alone. */
    injectionSuspected: string[];
  } | null;
  classificationFailure: StepFailure | null;
  draft: { answer: string; citations: Citation[]; model: string } | null;
  draftFailure: StepFailure | null;
  /** The model's grounded draft for agents (the suggestion band), and what became of it. */
  suggestion: {
    answer: string;
    citations: Citation[];
    model: string;
    status: 'pending' | 'sent' | 'discarded';
  } | null;
  suggestionFailure: StepFailure | null;
  escalation: { level: SupportLevel; reason: EscalationReason; detail: string } | null;
  closed: { reason: string; at: string } | null;
  /** The level the ticket is at now: classified, escalated, then as agents re-level it. */
  level: SupportLevel | null;
  /** The agent working on it (an email), from claim or assignment until release or re-level. */
  assignee: string | null;
  /** When an agent first answered the requester in public (reply, hold message, answer, resolution). */
  firstResponseAt: string | null;
  /** An agent's answer given when re-levelling down to level 1. */
  agentAnswer: { body: string; by: string; at: string } | null;
  resolution: { text: string; by: string; at: string; reopenUntil: string } | null;
  reopenCount: number;
  /** SLA warnings and breaches already recorded: each is emitted once. */
  sla: { warned: SlaClock[]; breached: SlaClock[] };
}

/** What the model's actors receive: only the ticket's text. */
export interface ClassifyInput {
  ticketId: string;
  subject?: string | undefined;
  description: string;
}

export const emptyContext: TicketContext = {
  ticketId: '',
  description: '',
  requester: { email: '' },
  policy: { autoAnswerThreshold: 0.7 },
  receivedAt: '',
  updatedAt: '',
  classification: null,
  classificationFailure: null,
  draft: null,
  draftFailure: null,
  suggestion: null,
  suggestionFailure: null,
  escalation: null,
  closed: null,
  level: null,
  assignee: null,
  firstResponseAt: null,
  agentAnswer: null,
  resolution: null,
  reopenCount: 0,
  sla: { warned: [], breached: [] },
};

/** The input of both model actors. */
export const actorInputOf = (context: TicketContext): ClassifyInput => ({
  ticketId: context.ticketId,
  subject: context.subject,
  description: context.description,
});

const injectionSuspected = (context: TicketContext): boolean =>
  (context.classification?.injectionSuspected.length ?? 0) > 0;

/**
 * True when the ticket may be answered without a person: level 1, confident, drafting not failed,
 * and nothing in it tried to instruct the model.
 */
export function canAutoAnswer(context: TicketContext): boolean {
  const c = context.classification;
  return (
    c !== null &&
    !injectionSuspected(context) &&
    c.level === 1 &&
    c.confidence >= context.policy.autoAnswerThreshold &&
    context.draftFailure === null
  );
}

/**
 * True when a level-1 ticket below the auto-answer threshold is still confident enough for the
 * model to draft an answer that agents may send (and no suggestion was tried yet).
 */
export function canSuggest(context: TicketContext): boolean {
  const c = context.classification;
  const floor = context.policy.suggestThreshold;
  return (
    c !== null &&
    floor !== undefined &&
    !injectionSuspected(context) &&
    c.level === 1 &&
    c.confidence >= floor &&
    !canAutoAnswer(context) &&
    context.suggestion === null &&
    context.suggestionFailure === null
  );
}

/** A suggestion drafted for agents that nobody has sent or discarded yet. */
export const hasPendingSuggestion = (context: TicketContext): boolean =>
  context.suggestion?.status === 'pending';

/** Why a ticket that cannot be auto-answered goes to a person, in the words of the record. */
export function escalationFor(context: TicketContext): TicketEventData<'TicketEscalated'> {
  const c = context.classification;
  if (context.classificationFailure || !c) {
    const f = context.classificationFailure;
    return {
      level: 2,
      reason: 'classification_failed',
      detail: `classification failed (${f?.reason ?? 'unknown'}): ${f?.message ?? 'no result'}`,
    };
  }
  if (injectionSuspected(context)) {
    return {
      level: c.level,
      reason: 'injection_suspected',
      detail:
        `prompt injection suspected (${c.injectionSuspected.join(', ')}): a person decides; the model read it as level ${c.level} (${c.category})`.slice(
          0,
          500,
        ),
    };
  }
  if (context.draftFailure) {
    return {
      level: c.level,
      reason: 'draft_failed',
      detail: `no grounded answer (${context.draftFailure.reason}): ${context.draftFailure.message}`,
    };
  }
  if (c.level !== 1) {
    return {
      level: c.level,
      reason: 'level_requires_agent',
      detail: `level ${c.level} (${c.category}) needs an agent: ${c.rationale}`.slice(0, 500),
    };
  }
  const suggested = context.suggestion ? '; a suggested answer is attached for agents' : '';
  return {
    level: 1,
    reason: 'low_confidence',
    detail: `confidence ${c.confidence.toFixed(2)} below threshold ${context.policy.autoAnswerThreshold.toFixed(2)}${suggested}`,
  };
}
