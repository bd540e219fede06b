import {
  canCommand,
  commandRoleOf,
  commandRoles,
  type CommandRole,
  type CommandType,
} from './access.ts';
import type { TicketEvent } from './events.ts';
import { hasPendingSuggestion } from './context.ts';
import { allowedEvents, evolveMachineEvent, statusOf, type TicketState } from './fold.ts';
import { ticketMachine, type TicketMachine } from './machine.ts';
import { machineEventOf, type TicketMachineEvent } from './machineEvents.ts';
import type { SupportLevel, TicketActor, TicketStatus } from './types.ts';

/** What agents and requesters ask of a ticket (POST /api/tickets/:id/commands). */
export type TicketCommand =
  | { type: 'claim' }
  | { type: 'assign'; agent: string }
  | { type: 'release'; reason?: string | undefined }
  | { type: 'start' }
  | { type: 'reply'; body: string }
  | { type: 'note'; body: string }
  | { type: 'hold'; message: string }
  | { type: 'resolve'; resolution: string }
  | { type: 'reopen'; reason: string }
  | { type: 'relevel'; level: SupportLevel; reason: string; answer?: string | undefined }
  | { type: 'accept_answer' }
  | { type: 'reject_answer'; comment?: string | undefined }
  | { type: 'close'; reason: 'resolved' | 'withdrawn'; comment?: string | undefined }
  /** Sends the model's suggested answer, as drafted or with the agent's edit (`body`). */
  | { type: 'send_suggestion'; body?: string | undefined }
  | { type: 'discard_suggestion'; reason?: string | undefined };

/** Why a command is refused; src/api/problem.ts maps each kind to its HTTP answer. */
export type Refusal =
  | { kind: 'unauthenticated' | 'forbidden' | 'not_found'; command: CommandType }
  | { kind: 'invalid'; title: string; detail: string; field?: string }
  | { kind: 'stale'; expected: number; current: number }
  | { kind: 'not_allowed'; status: TicketStatus; command: string; allowed: string[] };

export type Decision = { ok: true; events: TicketEvent[] } | { ok: false; refusal: Refusal };

export interface DecideContext {
  actor: TicketActor & { kind: 'user' };
  now: Date;
  reopenWindowMs: number;
  /** From `If-Match`: the version the caller saw. */
  expectedVersion?: number | undefined;
  /** `assign`: the levels the named agent serves (empty when there is no such agent). */
  assigneeLevels?: readonly SupportLevel[] | undefined;
  /** The rules in force; the current machine unless a test or a migration says otherwise. */
  rules?: TicketMachine;
}

/** The machine refuses this event in the ticket's state (its guards included). */
export class IllegalTransitionError extends Error {
  constructor(
    readonly status: TicketStatus,
    readonly eventType: string,
    readonly allowed: string[],
  ) {
    super(`${eventType} is not allowed in state ${status}`);
    this.name = 'IllegalTransitionError';
  }
}

/** Whether the rules allow this event now. */
export function allows(state: TicketState, event: TicketMachineEvent, rules = ticketMachine) {
  const { value, context } = state.snapshot;
  return rules.resolveState({ value, context }).can(event);
}

/**
 * Folds an event the rules allow now, or throws IllegalTransitionError: the check every new
 * event passes before it is stored. (Stored history is folded with `evolve`, which never throws.)
 */
export function applyEvent(
  state: TicketState,
  event: TicketMachineEvent,
  version: number,
  rules = ticketMachine,
): TicketState {
  if (!allows(state, event, rules)) {
    throw new IllegalTransitionError(
      statusOf(state.snapshot),
      event.type,
      allowedEvents(state.snapshot),
    );
  }
  return evolveMachineEvent(state, event, version);
}

/**
 * Decides what a person's command does to a ticket: the events to append, or why not. Pure. The
 * order of the checks is the order of the answers: who may (401/403/404), the version the caller
 * saw (412), the command's own rules (422), then whether the machine allows it now (409).
 */
export function decide(command: TicketCommand, state: TicketState, ctx: DecideContext): Decision {
  const c = state.snapshot.context;
  const access = canCommand(ctx.actor, command.type, {
    requesterEmail: c.requester.email,
    level: c.level,
  });
  if (access !== 'ok') return refuse({ kind: access, command: command.type });
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== state.version) {
    return refuse({ kind: 'stale', expected: ctx.expectedVersion, current: state.version });
  }
  const invalid = invalidCommand(command, state, ctx);
  if (invalid) return refuse(invalid);
  const event = eventFor(command, state, ctx);
  const meta = { at: ctx.now.toISOString(), actorId: ctx.actor.email, version: state.version + 1 };
  if (!allows(state, machineEventOf(event, meta), ctx.rules)) {
    const role = commandRoleOf(ctx.actor);
    return refuse({
      kind: 'not_allowed',
      status: statusOf(state.snapshot),
      command: command.type,
      allowed: allowedCommands(state, role),
    });
  }
  return { ok: true, events: [event] };
}

const refuse = (refusal: Refusal): Decision => ({ ok: false, refusal });

/** Rules of the command itself, before the machine is asked. */
function invalidCommand(
  command: TicketCommand,
  state: TicketState,
  ctx: DecideContext,
): Refusal | null {
  const level = state.snapshot.context.level;
  if (command.type === 'assign' && (level === null || !ctx.assigneeLevels?.includes(level))) {
    return {
      kind: 'invalid',
      title: 'Invalid assignee',
      detail: `${command.agent} is not an agent of level ${level ?? '?'}`,
    };
  }
  if (command.type === 'relevel' && command.level === 1 && !command.answer?.trim()) {
    return {
      kind: 'invalid',
      title: 'Invalid request',
      detail: 'moving a ticket down to level 1 needs an answer for the requester',
      field: 'body.answer',
    };
  }
  return null;
}

/** The event a command stands for. */
function eventFor(command: TicketCommand, state: TicketState, ctx: DecideContext): TicketEvent {
  const me = ctx.actor.email;
  switch (command.type) {
    case 'claim':
      return { type: 'TicketClaimed', data: { agent: me } };
    case 'assign':
      return {
        type: 'TicketAssigned',
        data: { agent: command.agent.toLowerCase(), previous: state.snapshot.context.assignee },
      };
    case 'release':
      return {
        type: 'TicketReleased',
        data: { agent: me, ...(command.reason ? { reason: command.reason } : {}) },
      };
    case 'start':
      return { type: 'WorkStarted', data: {} };
    case 'reply':
      return commandRoleOf(ctx.actor) === 'agent'
        ? { type: 'AgentReplied', data: { body: command.body } }
        : { type: 'RequesterReplied', data: { body: command.body } };
    case 'note':
      return { type: 'InternalNoteAdded', data: { body: command.body } };
    case 'hold':
      return { type: 'TicketPutOnHold', data: { message: command.message } };
    case 'resolve':
      return {
        type: 'TicketResolved',
        data: {
          resolution: command.resolution,
          reopenUntil: new Date(ctx.now.getTime() + ctx.reopenWindowMs).toISOString(),
        },
      };
    case 'reopen':
      return { type: 'TicketReopened', data: { reason: command.reason } };
    case 'relevel':
      return {
        type: 'TicketRelevelled',
        data: {
          from: state.snapshot.context.level ?? 1,
          to: command.level,
          reason: command.reason,
          ...(command.answer ? { answer: command.answer } : {}),
        },
      };
    case 'accept_answer':
      return { type: 'TicketClosed', data: { reason: 'answer_accepted', closedBy: 'requester' } };
    case 'reject_answer':
      return { type: 'AnswerRejected', data: command.comment ? { comment: command.comment } : {} };
    case 'close':
      return {
        type: 'TicketClosed',
        data: {
          reason: command.reason,
          closedBy: 'requester',
          ...(command.comment ? { comment: command.comment } : {}),
        },
      };
    case 'send_suggestion': {
      const suggestion = state.snapshot.context.suggestion;
      const drafted = suggestion?.answer ?? '';
      const body = command.body ?? drafted;
      return {
        type: 'SuggestionSent',
        data: {
          body,
          citations: suggestion?.citations ?? [],
          edited: body.trim() !== drafted.trim(),
        },
      };
    }
    case 'discard_suggestion':
      return {
        type: 'SuggestionDiscarded',
        data: command.reason ? { reason: command.reason } : {},
      };
    default: {
      const unhandled: never = command;
      throw new Error(`unknown command ${JSON.stringify(unhandled)}`);
    }
  }
}

const commandsOfEvent: Partial<Record<string, CommandType[]>> = {
  TicketClaimed: ['claim'],
  TicketAssigned: ['assign'],
  TicketReleased: ['release'],
  WorkStarted: ['start'],
  AgentReplied: ['reply'],
  RequesterReplied: ['reply'],
  InternalNoteAdded: ['note'],
  TicketPutOnHold: ['hold'],
  TicketResolved: ['resolve'],
  TicketReopened: ['reopen'],
  TicketRelevelled: ['relevel'],
  AnswerRejected: ['reject_answer'],
  SuggestionSent: ['send_suggestion'],
  SuggestionDiscarded: ['discard_suggestion'],
};

/** The commands the machine takes in the ticket's state (guards may still refuse some), by role. */
export function allowedCommands(state: TicketState, role?: CommandRole): CommandType[] {
  const status = statusOf(state.snapshot);
  const commands = new Set<CommandType>();
  for (const type of allowedEvents(state.snapshot)) {
    if (type === 'TicketClosed') {
      commands.add('close');
      if (status === 'answered') commands.add('accept_answer');
    }
    if (type === 'AgentReplied' || type === 'RequesterReplied') {
      if (!role || (type === 'AgentReplied') === (role === 'agent')) commands.add('reply');
      continue;
    }
    for (const command of commandsOfEvent[type] ?? []) commands.add(command);
  }
  // The one rule that depends on nothing but the ticket: a suggestion must be waiting.
  if (!hasPendingSuggestion(state.snapshot.context)) {
    commands.delete('send_suggestion');
    commands.delete('discard_suggestion');
  }
  const roles: Record<CommandType, readonly CommandRole[]> = commandRoles;
  return [...commands].filter((c) => !role || roles[c].includes(role)).sort();
}
