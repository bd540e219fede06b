import { createHash } from 'node:crypto';
import type { ErasedFields, StoredEvent } from '../events/index.ts';
import {
  actorInputOf,
  evolve,
  initialTicketState,
  statusOf,
  type SupportLevel,
  type TicketContext,
  type TicketState,
  type TicketStatus,
} from '../../machines/index.ts';
import { diffFields, type FieldChange } from './diff.ts';

/**
 * A ticket's history as an auditor reads it: one entry per stored event, with who acted, the
 * state before and after (folded by the ticket module, never re-decided), what changed, and for a
 * model's step its decision record. Pure: the events in, the timeline out (docs/audit.md).
 */

/** person: someone with a token or an email; automation: the product's own processes; model: a model's step. */
export type ActorKind = 'person' | 'automation' | 'model';

export interface StateSummary {
  status: TicketStatus;
  level: SupportLevel | null;
  assignee: string | null;
}

export interface OverrideLink {
  type: 'TicketRelevelled' | 'AnswerRejected';
  version: number;
  eventId: string;
  at: string;
  actorId: string;
}

export interface DecisionRecord {
  step: 'classification' | 'draft';
  outcome: 'decided' | 'failed';
  /** The model as the adapter named it (for Ollama the model tag; the local model its artefact version). */
  model: string;
  promptVersion: string | null;
  promptHash: string | null;
  /**
   * SHA-256 (hex) of the text the model received: `JSON.stringify(actorInputOf(context))` of the
   * ticket folded up to the event before. Events do not record it, so it is always computed
   * (`source: 'computed_from_fold'`); the fold is deterministic, so anyone can recompute it.
   */
  input: { sha256: string; source: 'recorded' | 'computed_from_fold' };
  /** The level, category and confidence decided (classification), or null. */
  classification: { level: SupportLevel; category: string; confidence: number } | null;
  /** The model's probability per level as `TicketClassified.scores` records it; null when not recorded. */
  scoresPerLevel: Record<string, number> | null;
  /** The auto-answer threshold of the ticket's policy in force at the decision. */
  threshold: number;
  /**
   * Knowledge-base articles: those retrieved for a draft with their scores, as `AnswerDrafted`
   * records them (`source: 'retrieved'`); for events written before it did, the draft's
   * citations (`source: 'citations'`) with `score: null`.
   */
  articles: {
    source: 'retrieved' | 'citations';
    items: Array<{ id: string; title: string; score: number | null }>;
  };
  failure: { reason: string; message: string } | null;
  latencyMs: number;
  /** Later human overrides of this decision: a re-level (of either step) or a rejected answer (of a draft). */
  overriddenBy: OverrideLink[];
}

export interface TimelineEntry {
  version: number;
  eventId: string;
  type: string;
  at: string;
  actor: { id: string; role: string; kind: ActorKind };
  /** The event's data as stored (a note's body, a re-level's reason; the model's output). */
  data: unknown;
  before: StateSummary;
  after: StateSummary;
  /** Fields of the folded ticket this event changed. */
  changes: FieldChange[];
  /** True when the ticket module could not place the event (damaged history: docs/architecture.md). */
  anomaly: boolean;
  decision: DecisionRecord | null;
  /** Personal fields erased (docs/privacy.md): they read `[erased:<id>]`; who erased them and when. */
  erased?: ErasedFields[];
}

export interface Timeline {
  ticketId: string;
  /** The version the timeline ends at (the last event included). */
  version: number;
  entries: TimelineEntry[];
}

const modelSteps: Record<string, DecisionRecord['step']> = {
  TicketClassified: 'classification',
  ClassificationFailed: 'classification',
  AnswerDrafted: 'draft',
  AnswerDraftFailed: 'draft',
};

const overridesOf: Record<DecisionRecord['step'], ReadonlyArray<OverrideLink['type']>> = {
  classification: ['TicketRelevelled'],
  draft: ['TicketRelevelled', 'AnswerRejected'],
};

export const actorKindOf = (event: StoredEvent): ActorKind =>
  event.metadata.actor.role !== 'system'
    ? 'person'
    : Object.hasOwn(modelSteps, event.type)
      ? 'model'
      : 'automation';

function summaryOf(state: TicketState): StateSummary {
  const c = state.snapshot.context;
  return {
    status: statusOf(state.snapshot),
    level: c.level ?? c.escalation?.level ?? c.classification?.level ?? null,
    assignee: c.assignee,
  };
}

/** SHA-256 of the exact input the model actors receive for this ticket (see DecisionRecord.input). */
export const modelInputHash = (context: TicketContext): string =>
  createHash('sha256')
    .update(JSON.stringify(actorInputOf(context)))
    .digest('hex');

const stringOr = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const numberOr = (value: unknown, fallback: number): number =>
  typeof value === 'number' ? value : fallback;
/** The recorded scores when each level has a number (read defensively, like the rest). */
function scoresOf(value: unknown): Record<string, number> | null {
  if (typeof value !== 'object' || value === null) return null;
  const entries = Object.entries(value).filter(([, v]) => typeof v === 'number');
  return entries.length > 0 ? (Object.fromEntries(entries) as Record<string, number>) : null;
}

/** The decision record of a model's step, from its event and the ticket before it. */
function decisionOf(event: StoredEvent, before: TicketContext): DecisionRecord | null {
  const step = modelSteps[event.type];
  if (!step) return null;
  // Read defensively: a damaged event still yields a record (the anomaly flag says the rest).
  const data = (event.data ?? {}) as Record<string, unknown>;
  const failed = event.type === 'ClassificationFailed' || event.type === 'AnswerDraftFailed';
  const citations = Array.isArray(data.citations)
    ? (data.citations as Array<{ id: string; title: string }>)
    : [];
  const retrieved = Array.isArray(data.retrieved)
    ? (data.retrieved as Array<{ id: string; title: string; score: number }>)
    : null;
  return {
    step,
    outcome: failed ? 'failed' : 'decided',
    model: stringOr(data.model) ?? 'unknown',
    promptVersion: stringOr(data.promptVersion),
    promptHash: stringOr(data.promptHash),
    input: { sha256: modelInputHash(before), source: 'computed_from_fold' },
    classification:
      event.type === 'TicketClassified'
        ? {
            level: data.level as SupportLevel,
            category: String(data.category),
            confidence: numberOr(data.confidence, 0),
          }
        : null,
    scoresPerLevel: event.type === 'TicketClassified' ? scoresOf(data.scores) : null,
    threshold: before.policy.autoAnswerThreshold,
    articles: retrieved
      ? { source: 'retrieved', items: retrieved }
      : {
          source: 'citations',
          items: citations.map((c) => ({ id: c.id, title: c.title, score: null })),
        },
    failure: failed ? { reason: String(data.reason), message: String(data.message) } : null,
    latencyMs: numberOr(data.latencyMs, 0),
    overriddenBy: [],
  };
}

/**
 * Links each decision to the human overrides that came after it and before the next decision of
 * the same step (a ticket reopened and classified again starts a new record).
 */
function linkOverrides(entries: TimelineEntry[]): void {
  entries.forEach((entry, index) => {
    const decision = entry.decision;
    if (!decision) return;
    for (const later of entries.slice(index + 1)) {
      if (later.decision?.step === decision.step) break;
      const type = overridesOf[decision.step].find((t) => t === later.type);
      if (type) {
        decision.overriddenBy.push({
          type,
          version: later.version,
          eventId: later.eventId,
          at: later.at,
          actorId: later.actor.id,
        });
      }
    }
  });
}

/** The timeline of a ticket's stored events (in stream order), optionally only up to a version or instant. */
export function buildTimeline(
  ticketId: string,
  events: readonly StoredEvent[],
  until: { version?: number | undefined; at?: Date | undefined } = {},
): Timeline {
  const chosen = events.filter(
    (e) =>
      (until.version === undefined || e.version <= until.version) &&
      (until.at === undefined || Date.parse(e.timestamp) <= until.at.getTime()),
  );
  let state = initialTicketState();
  const entries: TimelineEntry[] = [];
  for (const event of chosen) {
    const next = evolve(state, event);
    entries.push({
      version: event.version,
      eventId: event.id,
      type: event.type,
      at: event.timestamp,
      actor: { ...event.metadata.actor, kind: actorKindOf(event) },
      data: event.data,
      before: summaryOf(state),
      after: summaryOf(next),
      changes: diffFields(state.snapshot.context, next.snapshot.context),
      anomaly: next.anomalies.length > state.anomalies.length,
      decision: decisionOf(event, state.snapshot.context),
      ...(event.erased ? { erased: event.erased } : {}),
    });
    state = next;
  }
  linkOverrides(entries);
  return { ticketId, version: chosen.at(-1)?.version ?? 0, entries };
}
