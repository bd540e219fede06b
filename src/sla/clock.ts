import type { VersionedEvent } from '../events/index.ts';
import {
  statusAfter,
  statusesTagged,
  type SlaClock,
  type SupportLevel,
  type TicketEvent,
  type TicketStatus,
} from '../../machines/index.ts';
import { addBusinessMs, businessMsBetween, type BusinessCalendar } from './calendar.ts';

/** Targets for one support level. */
export interface LevelPolicy {
  firstResponseMinutes: number;
  resolutionMinutes: number;
  /** Count only business hours (see calendar.ts). */
  businessHours: boolean;
}

export interface SlaSettings {
  levels: Record<SupportLevel, LevelPolicy>;
  /** A warning is due at this share of the target (0.8: at 80 %). */
  warningRatio: number;
  calendar: BusinessCalendar;
  /** A resolved ticket closes by itself this long after its resolution. */
  autoCloseAfterMs: number;
}

export const slaClocks: readonly SlaClock[] = ['first_response', 'resolution'];

/** Statuses in which SLA clocks run (an agent owes the requester something): the machine's `sla` tag. */
const runningStatuses = new Set(statusesTagged('sla'));

interface ClockRun {
  /** Closed running intervals [start, end] (ISO). */
  intervals: Array<[string, string]>;
  /** When the clock last started running; null while it stands still. */
  since: string | null;
}

/** What the SLA needs to know about a ticket, folded from its events (pure, policy-free). */
export interface SlaState {
  status: TicketStatus;
  level: SupportLevel | null;
  responded: boolean;
  clocks: Record<SlaClock, ClockRun>;
  warned: SlaClock[];
  breached: SlaClock[];
  resolvedAt: string | null;
  version: number;
}

export const initialSlaState = (): SlaState => ({
  status: 'new',
  level: null,
  responded: false,
  clocks: {
    first_response: { intervals: [], since: null },
    resolution: { intervals: [], since: null },
  },
  warned: [],
  breached: [],
  resolvedAt: null,
  version: 0,
});

/**
 * One event's effect on the clocks. The resolution clock runs while the ticket waits for an agent
 * (escalated, assigned, in progress, reopened); the first-response clock runs in the same states
 * until an agent first answers in public. Waiting on the requester, resolved or closed: paused.
 */
export function evolveSla(state: SlaState, event: VersionedEvent): SlaState {
  const next: SlaState = {
    ...state,
    status: statusAfter(state.status, event),
    clocks: {
      first_response: {
        ...state.clocks.first_response,
        intervals: [...state.clocks.first_response.intervals],
      },
      resolution: { ...state.clocks.resolution, intervals: [...state.clocks.resolution.intervals] },
    },
    version: event.version,
  };
  switch (event.type) {
    case 'TicketClassified':
      next.level = event.data.level;
      break;
    case 'TicketEscalated':
      next.level = event.data.level;
      break;
    case 'TicketRelevelled':
      next.level = event.data.to;
      if (event.data.answer) next.responded = true;
      break;
    case 'AgentReplied':
    case 'SuggestionSent':
    case 'TicketPutOnHold':
      next.responded = true;
      break;
    case 'TicketResolved':
      next.responded = true;
      next.resolvedAt = event.timestamp;
      break;
    case 'TicketReopened':
      next.resolvedAt = null;
      break;
    case 'SlaWarning':
      if (!next.warned.includes(event.data.clock)) next.warned = [...next.warned, event.data.clock];
      break;
    case 'SlaBreached':
      if (!next.breached.includes(event.data.clock))
        next.breached = [...next.breached, event.data.clock];
      break;
    default:
      break;
  }
  const running = runningStatuses.has(next.status);
  for (const clock of slaClocks) {
    const run = next.clocks[clock];
    const shouldRun = running && (clock === 'resolution' || !next.responded);
    if (run.since && !shouldRun) {
      run.intervals.push([run.since, event.timestamp]);
      run.since = null;
    } else if (!run.since && shouldRun) {
      run.since = event.timestamp;
    }
  }
  return next;
}

export const foldSla = (events: readonly VersionedEvent[]): SlaState =>
  events.reduce(evolveSla, initialSlaState());

export type TimerKind = `${SlaClock}:warning` | `${SlaClock}:breach` | 'auto_close';

export interface SlaTimer {
  kind: TimerKind;
  dueAt: string;
}

const calendarOf = (settings: SlaSettings, level: SupportLevel) =>
  settings.levels[level].businessHours ? settings.calendar : null;

const targetMinutes = (settings: SlaSettings, level: SupportLevel, clock: SlaClock) =>
  clock === 'first_response'
    ? settings.levels[level].firstResponseMinutes
    : settings.levels[level].resolutionMinutes;

function usedBefore(run: ClockRun, cal: BusinessCalendar | null): number {
  return run.intervals.reduce(
    (sum, [a, b]) => sum + businessMsBetween(Date.parse(a), Date.parse(b), cal),
    0,
  );
}

/** The instants at which something becomes due for this ticket (only running clocks have any). */
export function timersOf(state: SlaState, settings: SlaSettings): SlaTimer[] {
  const timers: SlaTimer[] = [];
  const level = state.level;
  if (level) {
    const cal = calendarOf(settings, level);
    for (const clock of slaClocks) {
      const run = state.clocks[clock];
      if (!run.since || state.breached.includes(clock)) continue;
      const target = targetMinutes(settings, level, clock) * 60_000;
      const used = usedBefore(run, cal);
      const since = Date.parse(run.since);
      if (!state.warned.includes(clock)) {
        const at = addBusinessMs(since, settings.warningRatio * target - used, cal);
        timers.push({ kind: `${clock}:warning`, dueAt: new Date(at).toISOString() });
      }
      timers.push({
        kind: `${clock}:breach`,
        dueAt: new Date(addBusinessMs(since, target - used, cal)).toISOString(),
      });
    }
  }
  if (state.status === 'resolved' && state.resolvedAt) {
    const at = Date.parse(state.resolvedAt) + settings.autoCloseAfterMs;
    timers.push({ kind: 'auto_close', dueAt: new Date(at).toISOString() });
  }
  return timers;
}

export type DueEvent = Extract<
  TicketEvent,
  { type: 'SlaWarning' | 'SlaBreached' | 'TicketClosed' }
>;

/**
 * The events due at `now`. When a clock's warning and breach are both due (the server was down),
 * only the breach is emitted: a warning after the fact helps nobody.
 */
export function dueEvents(state: SlaState, settings: SlaSettings, now: Date): DueEvent[] {
  const due = timersOf(state, settings).filter((t) => Date.parse(t.dueAt) <= now.getTime());
  const events: DueEvent[] = [];
  for (const clock of slaClocks) {
    const breach = due.find((t) => t.kind === `${clock}:breach`);
    const warning = due.find((t) => t.kind === `${clock}:warning`);
    const level = state.level!;
    const base = { clock, level, targetMinutes: targetMinutes(settings, level, clock) };
    if (breach) events.push({ type: 'SlaBreached', data: { ...base, dueAt: breach.dueAt } });
    else if (warning) events.push({ type: 'SlaWarning', data: { ...base, dueAt: warning.dueAt } });
  }
  if (due.some((t) => t.kind === 'auto_close')) {
    events.push({
      type: 'TicketClosed',
      data: {
        reason: 'auto_close',
        closedBy: 'system',
        comment: 'closed automatically after resolution',
      },
    });
  }
  return events;
}
