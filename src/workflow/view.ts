import { statusOf, type TicketState } from '../../machines/index.ts';

/** The ticket as the API shows it, derived from the folded state. */
export function toTicketView(state: TicketState) {
  const c = state.snapshot.context;
  return {
    id: c.ticketId,
    status: statusOf(state.snapshot),
    version: state.version,
    subject: c.subject ?? null,
    description: c.description,
    requester: c.requester,
    level: c.level ?? c.escalation?.level ?? c.classification?.level ?? null,
    category: c.classification?.category ?? null,
    confidence: c.classification?.confidence ?? null,
    classification: c.classification,
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
