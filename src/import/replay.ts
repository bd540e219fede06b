import {
  allowedEvents,
  applyEvent,
  decide,
  evolve,
  IllegalTransitionError,
  initialTicketState,
  machineEventOf,
  statusOf,
  type SupportLevel,
  type TicketActor,
  type TicketCommand,
  type TicketEvent,
  type TicketState,
  type TicketStatus,
} from '../../machines/index.ts';
import type { LogCase, LogFormat, LogRow, Step } from './types.ts';

/** A decided event of an imported case: when, by whom, and which rows of the log it stands for. */
export interface ReplayedEvent {
  event: TicketEvent;
  at: string;
  actor: { id: string; role: 'agent' | 'system' | 'requester' };
  /** The rows it stands for: its own, and rows after it that asked for nothing new. */
  rows: number[];
  /** Each row's activity; absent on the events that open the ticket (they carry its first row). */
  activities?: string[];
  /** The instant of the last of its rows, when later than its own. */
  until?: string;
}

/** The first activity of a case that the machine refused, and the state the ticket was in. */
export interface Refusal {
  line: number;
  activity: string;
  status: TicketStatus;
  /** The command (or system event) the activity asked for. */
  command: string;
  /** What the machine would have taken in that state. */
  allowed: string[];
}

export interface CaseReplay {
  caseId: string;
  ticketId: string;
  events: ReplayedEvent[];
  /** Rows replayed before the refusal (all of them when the case was accepted whole). */
  acceptedRows: number;
  refused: Refusal | null;
}

export interface ReplayContext {
  format: LogFormat;
  ticketId: string;
  /** How long a resolved ticket may be reopened (the server's REOPEN_WINDOW_HOURS). */
  reopenWindowMs: number;
}

/** The machine refused a step: carries what the conformance report says about it. */
class Refused extends Error {
  constructor(
    readonly status: TicketStatus,
    readonly command: string,
    readonly allowed: string[],
  ) {
    super(`${command} refused in ${status}`);
  }
}

interface Replaying {
  state: TicketState;
  events: ReplayedEvent[];
}

const agentActor = (id: string): TicketActor & { kind: 'user' } => ({
  kind: 'user',
  email: id,
  role: 'agent',
  levels: [1, 2, 3],
  // The log records who held a case, not who handed it over: every agent may assign.
  lead: true,
});

/** Decides a person's command with the ticket module's own `decide` and folds what it decided. */
function command(r: Replaying, row: LogRow, agent: string, cmd: TicketCommand, ctx: ReplayContext) {
  const actor = agentActor(agent);
  const decision = decide(cmd, r.state, {
    actor,
    now: new Date(row.at),
    reopenWindowMs: ctx.reopenWindowMs,
    assigneeLevels: [1, 2, 3],
  });
  if (!decision.ok) {
    const refusal = decision.refusal;
    const allowed = refusal.kind === 'not_allowed' ? refusal.allowed : [];
    throw new Refused(statusOf(r.state.snapshot), cmd.type, allowed);
  }
  // `decide` has checked the rules: folding its events needs no second check.
  for (const event of decision.events) {
    const version = r.state.version + 1;
    const recorded = { type: event.type, data: event.data, version, timestamp: row.at };
    r.state = evolve(r.state, { ...recorded, metadata: { actor: { id: agent } } });
    r.events.push({
      event,
      at: row.at,
      actor: { id: agent, role: 'agent' },
      rows: [row.line],
      activities: [row.activity],
    });
  }
}

/** Folds an event through the rules in force (`applyEvent` refuses what they do not allow). */
function fold(r: Replaying, event: TicketEvent, row: LogRow, actor: ReplayedEvent['actor']) {
  const version = r.state.version + 1;
  const meta = { at: row.at, actorId: actor.id, version };
  try {
    r.state = applyEvent(r.state, machineEventOf(event, meta), version);
  } catch (error) {
    if (!(error instanceof IllegalTransitionError)) throw error;
    throw new Refused(error.status, event.type, error.allowed);
  }
  r.events.push({ event, at: row.at, actor, rows: [row.line], activities: [row.activity] });
}

/** The commands one step asks for in the ticket's present state. */
function applyStep(r: Replaying, step: Step, row: LogRow, ctx: ReplayContext) {
  const c = r.state.snapshot.context;
  const status = statusOf(r.state.snapshot);
  switch (step.kind) {
    case 'take': {
      if (status === 'resolved' || status === 'closed') {
        command(r, row, step.agent, { type: 'reopen', reason: `${row.activity} (imported)` }, ctx);
      }
      const now = statusOf(r.state.snapshot);
      if (r.state.snapshot.context.assignee !== step.agent) {
        const cmd: TicketCommand =
          now === 'escalated' ? { type: 'claim' } : { type: 'assign', agent: step.agent };
        command(r, row, step.agent, cmd, ctx);
      }
      if (statusOf(r.state.snapshot) !== 'in_progress') {
        command(r, row, step.agent, { type: 'start' }, ctx);
      }
      return;
    }
    case 'assign':
      if (c.assignee === step.agent) return;
      command(r, row, step.agent, { type: 'assign', agent: step.agent }, ctx);
      return;
    case 'release':
      // Already in the queue (nobody holds it): nothing changes.
      if (c.assignee === null && status === 'escalated') return;
      command(r, row, c.assignee ?? 'import', { type: 'release', reason: row.activity }, ctx);
      return;
    case 'hold':
      command(r, row, step.agent, { type: 'hold', message: row.activity }, ctx);
      return;
    case 'resolve':
      command(
        r,
        row,
        step.agent,
        { type: 'resolve', resolution: `${row.activity} (imported)` },
        ctx,
      );
      return;
    case 'close':
      fold(r, { type: 'TicketClosed', data: { reason: step.reason, closedBy: 'agent' } }, row, {
        id: `${ctx.format}:import`,
        role: 'system',
      });
      return;
    case 'relevel': {
      const from = c.level ?? 1;
      const to = step.to === 'up' ? (Math.min(3, from + 1) as SupportLevel) : step.to;
      if (to === from) return;
      command(r, row, step.agent, { type: 'relevel', level: to, reason: row.activity }, ctx);
      return;
    }
    case 'note':
      command(r, row, step.agent, { type: 'note', body: step.body }, ctx);
      return;
    default: {
      const unhandled: never = step;
      throw new Error(`unknown step ${JSON.stringify(unhandled)}`);
    }
  }
}

/**
 * The events that open an imported ticket: received, "classified" at the level the log records
 * (model `import`: no model ran, and the policy makes an automatic answer impossible), escalated
 * to that level's queue. Folded through the rules like any other event.
 */
function open(r: Replaying, logCase: LogCase, ctx: ReplayContext, sourceName: string) {
  const first = logCase.rows[0]!;
  const row = { ...first, at: logCase.openedAt };
  const system = { id: `${ctx.format}:import`, role: 'system' as const };
  const requester = logCase.requester ?? `case ${logCase.caseId}`;
  const opening: TicketEvent[] = [
    {
      type: 'TicketReceived',
      data: {
        ticketId: ctx.ticketId,
        subject: `${ctx.format} case ${logCase.caseId}`,
        description: `Imported from ${sourceName}: case ${logCase.caseId} (the log has no text).`,
        requester: { email: `${slug(requester)}@${ctx.format}.import.invalid`, verified: false },
        policy: { autoAnswerThreshold: 1 },
      },
    },
    { type: 'ClassificationStarted', data: { model: 'import' } },
    {
      type: 'TicketClassified',
      data: {
        level: logCase.level,
        category: logCase.category,
        confidence: 0,
        rationale: 'the level the imported log records; no model ran',
        model: 'import',
        promptVersion: 'none',
        promptHash: 'none',
        latencyMs: 0,
        attempts: 1,
      },
    },
    {
      type: 'TicketEscalated',
      data: {
        level: logCase.level,
        reason: 'manual',
        detail: `imported history: ${ctx.format} case ${logCase.caseId}`,
      },
    },
  ];
  for (const event of opening) fold(r, event, row, system);
  // They open the case: the first row's activity belongs to the events that row asks for.
  for (const e of r.events) delete e.activities;
}

/** A row that asked for nothing new (already so) is kept with the event before it. */
function keepWithLast(last: ReplayedEvent, row: LogRow) {
  if (!last.rows.includes(row.line)) {
    last.rows.push(row.line);
    last.activities = [...(last.activities ?? []), row.activity];
  } else if (!last.activities) {
    last.activities = [row.activity]; // the opening's first row, which asked for nothing more
  }
  if (row.at > last.at) last.until = row.at;
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * Replays one case through the ticket machine: the opening, then each row's steps decided by the
 * machine's rules from the state the ticket is in. Stops at the first row it refuses: what was
 * accepted before it is the ticket's history, the refusal is the conformance report's finding.
 * Pure: no I/O, no clock.
 */
export function replayCase(
  logCase: LogCase,
  stepsOf: (row: LogRow, previous: LogRow | null) => Step[],
  ctx: ReplayContext,
  sourceName: string,
): CaseReplay {
  const r: Replaying = { state: initialTicketState(), events: [] };
  open(r, logCase, ctx, sourceName);
  let previous: LogRow | null = null;
  let acceptedRows = 0;
  for (const row of logCase.rows) {
    const before = { state: r.state, count: r.events.length };
    try {
      for (const step of stepsOf(row, previous)) applyStep(r, step, row, ctx);
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      // A row is accepted whole or not at all: its earlier steps are undone.
      r.events.length = before.count;
      return {
        caseId: logCase.caseId,
        ticketId: ctx.ticketId,
        events: r.events,
        acceptedRows,
        refused: {
          line: row.line,
          activity: row.activity,
          status: error.status,
          command: error.command,
          allowed: error.allowed.length ? error.allowed : allowedEvents(before.state.snapshot),
        },
      };
    }
    if (r.events.length === before.count) keepWithLast(r.events.at(-1)!, row);
    previous = row;
    acceptedRows++;
  }
  return {
    caseId: logCase.caseId,
    ticketId: ctx.ticketId,
    events: r.events,
    acceptedRows,
    refused: null,
  };
}
