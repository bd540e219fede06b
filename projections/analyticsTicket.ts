import type { StoredEvent } from '../src/events/index.ts';
import { businessMsBetween, type SlaSettings } from '../src/sla/index.ts';
import type { SupportLevel } from '../machines/index.ts';

/**
 * One ticket as the reports see it, folded from its events (pure). Imported tickets read their
 * log's own activities (`metadata.import.activity`) for variants and rework; live tickets their
 * event types.
 */
export interface AnalyticsTicket {
  ticket_id: string;
  /** `live`, or the imported log's format. */
  source: string;
  received_at: string;
  /** The level it first reached people or the model at (classification or escalation). */
  level: number | null;
  final_level: number | null;
  auto_answered: boolean;
  answer_accepted: boolean;
  answer_rejected: boolean;
  escalated: boolean;
  reopened: number;
  level_ups: number;
  level_downs: number;
  /** Level changes back to a level the ticket had left (2 → 3 → 2). */
  level_returns: number;
  /** Activities done again in the case (its second and later occurrences). */
  rework: number;
  first_response_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  last_at: string;
  first_response_ms: number | null;
  resolution_ms: number | null;
  sla_first_response_met: boolean | null;
  sla_resolution_met: boolean | null;
  /** The path: activities in order (consecutive repeats of one row collapsed). */
  variant: string;
  model_calls: number;
  model_latency_ms: number;
  model_tokens: number;
  /** What the fold needs beyond the columns. */
  state: {
    activities: string[];
    levels: number[];
    lastRow: number | null;
    answeredAt: string | null;
  };
}

/** Event types that are conversation or bookkeeping rather than an activity of the case. */
const notActivities = new Set([
  'AgentReplied',
  'RequesterReplied',
  'InternalNoteAdded',
  'SlaWarning',
  'SlaBreached',
]);
const modelEvents = new Set([
  'TicketClassified',
  'ClassificationFailed',
  'AnswerDrafted',
  'AnswerDraftFailed',
  'SuggestionDrafted',
  'SuggestionDraftFailed',
]);
const respondingEvents = new Set([
  'AgentReplied',
  'TicketPutOnHold',
  'TicketResolved',
  'SuggestionSent',
  'AnswerDrafted',
]);

const ms = (from: string, to: string) => Date.parse(to) - Date.parse(from);

function newTicket(event: StoredEvent & { type: 'TicketReceived' }): AnalyticsTicket {
  return {
    ticket_id: event.data.ticketId,
    source: event.metadata.import?.format ?? 'live',
    received_at: event.timestamp,
    level: null,
    final_level: null,
    auto_answered: false,
    answer_accepted: false,
    answer_rejected: false,
    escalated: false,
    reopened: 0,
    level_ups: 0,
    level_downs: 0,
    level_returns: 0,
    rework: 0,
    first_response_at: null,
    resolved_at: null,
    closed_at: null,
    last_at: event.timestamp,
    first_response_ms: null,
    resolution_ms: null,
    sla_first_response_met: null,
    sla_resolution_met: null,
    variant: '',
    model_calls: 0,
    model_latency_ms: 0,
    model_tokens: 0,
    state: { activities: [], levels: [], lastRow: null, answeredAt: null },
  };
}

/** The activities an event adds to the path (an imported row counts once, in the log's words). */
function activitiesOf(t: AnalyticsTicket, event: StoredEvent): string[] {
  const origin = event.metadata.import;
  if (origin) {
    const added: string[] = [];
    // The opening events carry the case's first row but no activity: they only open it.
    (origin.activities ?? []).forEach((activity, i) => {
      const row = origin.rows[i] ?? null;
      // A row's several commands share it: it counts once.
      if (row === t.state.lastRow) return;
      t.state.lastRow = row;
      added.push(activity);
    });
    return added;
  }
  return notActivities.has(event.type) ? [] : [event.type];
}

function moveLevel(t: AnalyticsTicket, to: number) {
  const from = t.final_level;
  if (from !== null && from !== to) {
    if (to > from) t.level_ups++;
    else t.level_downs++;
    if (t.state.levels.includes(to)) t.level_returns++;
  }
  if (!t.state.levels.includes(to)) t.state.levels.push(to);
  t.level ??= to;
  t.final_level = to;
}

/** Folds one event into the ticket's row; SLA targets from the configured policy. */
export function evolveAnalytics(
  row: AnalyticsTicket | undefined,
  event: StoredEvent,
  sla: SlaSettings,
): AnalyticsTicket | undefined {
  if (event.type === 'TicketReceived') row = newTicket(event);
  if (!row) return undefined;
  const t: AnalyticsTicket = {
    ...row,
    state: { ...row.state, activities: [...row.state.activities], levels: [...row.state.levels] },
  };
  // An imported event may stand for later rows that changed nothing: the case lasted until them.
  const until = event.metadata.import?.until;
  t.last_at = until && until > event.timestamp ? until : event.timestamp;
  for (const activity of activitiesOf(t, event)) {
    if (t.state.activities.includes(activity)) t.rework++;
    t.state.activities.push(activity);
    t.variant = t.state.activities.join(' → ');
  }
  if (modelEvents.has(event.type) && !event.metadata.import) {
    const data = event.data as {
      latencyMs?: number;
      promptTokens?: number;
      completionTokens?: number;
    };
    t.model_calls++;
    t.model_latency_ms += data.latencyMs ?? 0;
    t.model_tokens += (data.promptTokens ?? 0) + (data.completionTokens ?? 0);
  }
  if (respondingEvents.has(event.type)) t.first_response_at ??= event.timestamp;
  switch (event.type) {
    case 'TicketClassified':
      moveLevel(t, event.data.level);
      break;
    case 'TicketEscalated':
      t.escalated = true;
      moveLevel(t, event.data.level);
      break;
    case 'TicketRelevelled':
      moveLevel(t, event.data.to);
      if (event.data.to === 1 && event.data.answer) t.first_response_at ??= event.timestamp;
      break;
    case 'AnswerDrafted':
      t.auto_answered = true;
      t.state.answeredAt ??= event.timestamp;
      break;
    case 'AnswerRejected':
      t.answer_rejected = true;
      t.escalated = true;
      break;
    case 'TicketResolved':
      t.resolved_at ??= event.timestamp;
      break;
    case 'TicketReopened':
      t.reopened++;
      break;
    case 'TicketClosed':
      t.closed_at ??= event.timestamp;
      if (event.data.reason === 'answer_accepted') {
        t.answer_accepted = true;
        t.resolved_at ??= t.state.answeredAt ?? event.timestamp;
      } else t.resolved_at ??= event.timestamp;
      break;
    default:
      break;
  }
  return withDurations(t, sla);
}

/** Times to first response and resolution, and whether they met the level's SLA targets. */
function withDurations(t: AnalyticsTicket, sla: SlaSettings): AnalyticsTicket {
  t.first_response_ms = t.first_response_at ? ms(t.received_at, t.first_response_at) : null;
  t.resolution_ms = t.resolved_at ? ms(t.received_at, t.resolved_at) : null;
  // SLA targets bind tickets that went to people (an automatic answer has none).
  const level = (t.level ?? null) as SupportLevel | null;
  if (!t.escalated || level === null) return t;
  const policy = sla.levels[level];
  const cal = policy.businessHours ? sla.calendar : null;
  const within = (at: string | null, minutes: number) =>
    at === null
      ? null
      : businessMsBetween(Date.parse(t.received_at), Date.parse(at), cal) <= minutes * 60_000;
  t.sla_first_response_met = within(t.first_response_at, policy.firstResponseMinutes);
  t.sla_resolution_met = within(t.resolved_at, policy.resolutionMinutes);
  return t;
}
