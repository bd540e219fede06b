import { statusOf, type TicketState } from '../../machines/index.ts';
import type { EventData } from '../events/index.ts';

/**
 * The requester as TicketReceived recorded them. The machine keeps the event's requester as is, so
 * `verified` is there when the event had it; absent (older events) counts as verified.
 */
function requesterOf(state: TicketState) {
  const recorded: EventData<'TicketReceived'>['requester'] = state.snapshot.context.requester;
  return { ...recorded, verified: recorded.verified ?? true };
}

/**
 * The model's classification as the view shows it: the injection screen's patterns stay in the
 * events and the escalation's reason (an attacker learns nothing from the view about which
 * pattern caught them; agents and auditors read the events and the timeline).
 */
function classificationOf(state: TicketState) {
  const c = state.snapshot.context.classification;
  return (
    c && {
      level: c.level,
      category: c.category,
      confidence: c.confidence,
      rationale: c.rationale,
      model: c.model,
    }
  );
}

/**
 * The ticket as the API shows it, derived from the folded state. `internal` (agents and auditors)
 * adds what only they see: the model's suggested answer and what became of it.
 */
export function toTicketView(state: TicketState, { internal = false } = {}) {
  const c = state.snapshot.context;
  return {
    ...(internal ? { suggestion: c.suggestion } : {}),
    id: c.ticketId,
    status: statusOf(state.snapshot),
    version: state.version,
    subject: c.subject ?? null,
    description: c.description,
    requester: requesterOf(state),
    level: c.level ?? c.escalation?.level ?? c.classification?.level ?? null,
    category: c.classification?.category ?? null,
    confidence: c.classification?.confidence ?? null,
    classification: classificationOf(state),
    answer: c.agentAnswer
      ? { text: c.agentAnswer.body, citations: [], by: c.agentAnswer.by }
      : c.draft
        ? { text: c.draft.answer, citations: c.draft.citations, model: c.draft.model }
        : null,
    escalation: c.escalation,
    assignee: c.assignee,
    firstResponseAt: c.firstResponseAt,
    resolution: c.resolution,
    closed: c.closed,
    sla: c.sla,
    createdAt: c.receivedAt,
    updatedAt: c.updatedAt,
  };
}

export type TicketView = ReturnType<typeof toTicketView>;
