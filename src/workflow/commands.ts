import type { EventData, TicketEventType } from '../events/index.ts';
import type { SupportLevel } from '../llm/types.ts';
import { allowedEvents, statusOf, type TicketState } from '../../machines/index.ts';

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
  | { type: 'close'; reason: 'resolved' | 'withdrawn'; comment?: string | undefined };

export type CommandType = TicketCommand['type'];
export type CommandRole = 'agent' | 'requester';

/** Who may send each command (the machine then decides whether it is allowed now). */
export const commandRoles: Record<CommandType, readonly CommandRole[]> = {
  claim: ['agent'],
  assign: ['agent'],
  release: ['agent'],
  start: ['agent'],
  reply: ['agent', 'requester'],
  note: ['agent'],
  hold: ['agent'],
  resolve: ['agent'],
  reopen: ['agent', 'requester'],
  relevel: ['agent'],
  accept_answer: ['requester'],
  reject_answer: ['requester'],
  close: ['requester'],
};

export type DecidedEvent = {
  [T in TicketEventType]: { type: T; data: EventData<T> };
}[TicketEventType];

export interface DecideContext {
  actor: { id: string; role: CommandRole };
  now: Date;
  reopenWindowMs: number;
}

/** The event a command stands for. Pure; whether the machine allows it is checked by the caller. */
export function decide(
  command: TicketCommand,
  state: TicketState,
  ctx: DecideContext,
): DecidedEvent {
  const me = ctx.actor.id;
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
      return ctx.actor.role === 'agent'
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
    default: {
      const unhandled: never = command;
      throw new Error(`unknown command ${JSON.stringify(unhandled)}`);
    }
  }
}

const commandsOfEvent: Partial<Record<TicketEventType, CommandType[]>> = {
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
};

/** The commands the machine accepts in the ticket's state (guards may still refuse some), by role. */
export function allowedCommands(state: TicketState, role?: CommandRole): CommandType[] {
  const status = statusOf(state.snapshot);
  const commands = new Set<CommandType>();
  for (const type of allowedEvents(state.snapshot)) {
    if (type === 'TicketClosed') commands.add(status === 'answered' ? 'accept_answer' : 'close');
    if (type === 'AgentReplied' || type === 'RequesterReplied') {
      if (!role || (type === 'AgentReplied') === (role === 'agent')) commands.add('reply');
      continue;
    }
    for (const command of commandsOfEvent[type as TicketEventType] ?? []) commands.add(command);
  }
  return [...commands].filter((c) => !role || commandRoles[c].includes(role)).sort();
}
