import type { EventStore } from '../eventstore/index.ts';
import { ticketIdOfStream, ticketStreamPrefix, type StoredEvent } from '../events/index.ts';
import {
  groupGaps,
  type GapGroup,
  type GapOptions,
  type GapReason,
  type GapTicket,
} from '../kb/index.ts';
import type { KnowledgeBase } from '../llm/index.ts';

/** The events that say whether a ticket lacked an article, and what it was about. */
const GAP_EVENT_TYPES = [
  'TicketReceived',
  'TicketClassified',
  'AnswerDraftFailed',
  'TicketEscalated',
  'AnswerRejected',
] as const;

/** A ticket that escalated or was rejected in a way an article might have prevented. */
export type GapCandidate = Omit<GapTicket, 'bestArticle'>;

/**
 * Folds the ticket events into the tickets that may lack an article, in the order they were filed:
 * - no article was found (`AnswerDraftFailed` `no_grounding`, then `TicketEscalated` `draft_failed`);
 * - level 1, escalated for `low_confidence` (the caller keeps it only if no article fits);
 * - the requester rejected the answer (`AnswerRejected`): the cited articles did not answer it.
 * Level 2-3 escalations need an agent whatever the articles say, and a draft that failed for a
 * timeout or an unavailable model says nothing about the knowledge base: neither counts.
 */
export function gapCandidates(events: readonly StoredEvent[]): GapCandidate[] {
  const tickets = new Map<
    string,
    {
      subject?: string | undefined;
      description: string;
      category: string;
      noGrounding: boolean;
      reason?: GapReason;
    }
  >();
  for (const event of events) {
    if (event.type === 'TicketReceived') {
      const { subject, description } = event.data;
      tickets.set(event.streamId, {
        subject,
        description,
        category: 'unclassified',
        noGrounding: false,
      });
      continue;
    }
    const ticket = tickets.get(event.streamId);
    if (!ticket) continue;
    if (event.type === 'TicketClassified') ticket.category = event.data.category;
    else if (event.type === 'AnswerDraftFailed')
      ticket.noGrounding ||= event.data.reason === 'no_grounding';
    else if (event.type === 'TicketEscalated') {
      if (event.data.reason === 'draft_failed' && ticket.noGrounding)
        ticket.reason ??= 'no_grounding';
      if (event.data.reason === 'low_confidence') ticket.reason ??= 'low_confidence';
    } else if (event.type === 'AnswerRejected') ticket.reason ??= 'rejected';
  }
  const out: GapCandidate[] = [];
  for (const [streamId, t] of tickets) {
    if (!t.reason) continue;
    out.push({
      ticketId: ticketIdOfStream(streamId),
      subject: t.subject,
      description: t.description,
      category: t.category,
      reason: t.reason,
    });
  }
  return out;
}

export interface KbGapsReport {
  /** Tickets counted as gaps (the sum of the groups' sizes). */
  tickets: number;
  /** Escalated level-1 tickets left out because an article does fit (the model was only unsure). */
  coveredLowConfidence: number;
  groups: GapGroup[];
}

/**
 * Reads every ticket stream through the event store port, keeps the tickets that lacked a good
 * article (a `low_confidence` ticket only if the best article scores below `minScore`), and
 * groups them by topic. `kb` must return weak matches too (built with `minScore: 0`).
 */
export async function findKbGaps(
  store: EventStore,
  kb: KnowledgeBase,
  options: GapOptions & { minScore?: number } = {},
): Promise<KbGapsReport> {
  const events: StoredEvent[] = [];
  for (let after = 0; ;) {
    const page = await store.readAll({
      after,
      limit: 1000,
      streamPrefix: ticketStreamPrefix,
      types: GAP_EVENT_TYPES,
    });
    if (page.events.length === 0) break;
    events.push(...page.events);
    after = page.lastPosition;
  }
  const minScore = options.minScore ?? 0.4;
  const gaps: GapTicket[] = [];
  let coveredLowConfidence = 0;
  for (const candidate of gapCandidates(events)) {
    const query = [candidate.subject, candidate.description].filter(Boolean).join('\n');
    const [best] = await kb.search(query, 1);
    if (candidate.reason === 'low_confidence' && best && best.score >= minScore) {
      coveredLowConfidence++;
      continue;
    }
    gaps.push({ ...candidate, bestArticle: best && { id: best.id, score: best.score } });
  }
  return { tickets: gaps.length, coveredLowConfidence, groups: groupGaps(gaps, options) };
}

/** The report for people: one block per topic, the largest first. */
export function formatKbGaps(report: KbGapsReport, limit: number): string[] {
  const lines = [
    `${report.tickets} tickets without a good article in ${report.groups.length} topics` +
      (report.coveredLowConfidence > 0
        ? ` (${report.coveredLowConfidence} unsure escalations left out: an article fits them)`
        : ''),
  ];
  for (const g of report.groups.slice(0, limit)) {
    const reasons = Object.entries(g.reasons)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    lines.push('', `${g.tickets}  ${g.topic}  (${reasons})`);
    for (const e of g.examples) {
      const near = e.bestArticle ? `  [closest: ${e.bestArticle.id} ${e.bestArticle.score}]` : '';
      lines.push(`    ${e.ticketId}  ${e.excerpt}${near}`);
    }
  }
  if (report.groups.length > limit) {
    lines.push('', `… ${report.groups.length - limit} smaller topics (--limit N, or --json)`);
  }
  return lines;
}
