import { describe, expect, it } from 'vitest';
import {
  allowedCommands,
  commandRoles,
  decide,
  decideAutomaticSteps,
  statusOf,
  type CommandType,
  type TicketActor,
  type TicketCommand,
  type TicketEvent,
  type TicketStatus,
} from '../../machines/index.ts';
import { given, specNow } from '../support/ticketSpec.ts';

const ticketId = '3f1b6f5e-4a55-4c1e-9a4e-0d8f3c1b2a10';
const trace = { model: 'm', promptVersion: 'v1', promptHash: 'h', latencyMs: 5, attempts: 1 };
const agent = (email: string, extra: Partial<TicketActor & { kind: 'user' }> = {}) =>
  ({ kind: 'user', email, role: 'agent', levels: [1, 2, 3], lead: false, ...extra }) as const;
const ann = {
  kind: 'user',
  email: 'ann@example.com',
  role: 'requester',
  levels: [],
  lead: false,
} as const;
const bob = { ...ann, email: 'bob@example.com' } as const;
const lead = agent('lead@example.com', { lead: true });
const alice = agent('alice@example.com');

const received: TicketEvent = {
  type: 'TicketReceived',
  data: {
    ticketId,
    description: 'The VPN drops every hour',
    requester: { email: 'ann@example.com' },
    policy: { autoAnswerThreshold: 0.7 },
  },
};
const classified = (level: 1 | 2 | 3, confidence: number): TicketEvent[] => [
  { type: 'ClassificationStarted', data: { model: 'm' } },
  {
    type: 'TicketClassified',
    data: { level, category: 'network', confidence, rationale: 'r', ...trace },
  },
];
const escalated2: TicketEvent[] = [
  received,
  ...classified(2, 0.9),
  { type: 'TicketEscalated', data: { level: 2, reason: 'level_requires_agent', detail: 'd' } },
];
const answered: TicketEvent[] = [
  received,
  ...classified(1, 0.9),
  { type: 'AnswerDraftStarted', data: { model: 'm' } },
  {
    type: 'AnswerDrafted',
    data: { answer: 'Restart it', citations: [{ id: 'a', title: 'A' }], ...trace },
  },
];
const claimedByAlice: TicketEvent = { type: 'TicketClaimed', data: { agent: 'alice@example.com' } };
const inProgress = [
  ...escalated2,
  claimedByAlice,
  { type: 'WorkStarted', data: {} } as TicketEvent,
];
const resolved = (reopenUntil: string): TicketEvent[] => [
  ...inProgress,
  { type: 'TicketResolved', data: { resolution: 'fixed', reopenUntil } },
];

describe('deciding a command on a ticket', () => {
  describe('when escalated to level 2', () => {
    it('lets an agent of the level claim it', () =>
      given(...escalated2)
        .when({ type: 'claim' }, { actor: alice })
        .then({ type: 'TicketClaimed', data: { agent: 'alice@example.com' } }));
    it('refuses an agent who does not serve level 2', () =>
      given(...escalated2)
        .when({ type: 'claim' }, { actor: agent('l1@example.com', { levels: [1] }) })
        .thenRefuses({ kind: 'forbidden', command: 'claim' }));
    it('refuses a requester an agent command, and hides another requester’s ticket', () => {
      given(...escalated2)
        .when({ type: 'claim' }, { actor: ann })
        .thenRefuses({ kind: 'forbidden' });
      given(...escalated2)
        .when({ type: 'reply', body: 'hi' }, { actor: bob })
        .thenRefuses({ kind: 'not_found' });
    });
    it('lets only a lead assign, and only to an agent of the level', () => {
      given(...escalated2)
        .when({ type: 'assign', agent: 'bo@example.com' }, { actor: alice, assigneeLevels: [2] })
        .thenRefuses({ kind: 'forbidden' });
      given(...escalated2)
        .when({ type: 'assign', agent: 'bo@example.com' }, { actor: lead, assigneeLevels: [3] })
        .thenRefuses({ kind: 'invalid', title: 'Invalid assignee' });
      given(...escalated2)
        .when({ type: 'assign', agent: 'Bo@Example.com' }, { actor: lead, assigneeLevels: [2] })
        .then({ type: 'TicketAssigned', data: { agent: 'bo@example.com', previous: null } });
    });
    it('refuses a stale version before anything else the state decides', () =>
      given(...escalated2)
        .when({ type: 'claim' }, { actor: alice, expectedVersion: 2 })
        .thenRefuses({ kind: 'stale', expected: 2, current: 4 }));
    it('needs an answer for the requester to move down to level 1', () => {
      given(...escalated2)
        .when({ type: 'relevel', level: 1, reason: 'simple' }, { actor: alice })
        .thenRefuses({ kind: 'invalid', field: 'body.answer' });
      given(...escalated2)
        .when({ type: 'relevel', level: 1, reason: 'simple', answer: 'Do X' }, { actor: alice })
        .then({
          type: 'TicketRelevelled',
          data: { from: 2, to: 1, reason: 'simple', answer: 'Do X' },
        });
    });
    it('refuses work before anyone holds it, naming the commands allowed', () =>
      given(...escalated2)
        .when({ type: 'start' }, { actor: alice })
        .thenRefuses({
          kind: 'not_allowed',
          status: 'escalated',
          allowed: ['assign', 'claim', 'note', 'relevel'],
        }));
  });

  describe('when answered', () => {
    it('closes on the requester’s acceptance', () =>
      given(...answered)
        .when({ type: 'accept_answer' }, { actor: ann })
        .then({
          type: 'TicketClosed',
          data: { reason: 'answer_accepted', closedBy: 'requester' },
        }));
    it('goes back to people on rejection, with the comment', () =>
      given(...answered)
        .when({ type: 'reject_answer', comment: 'no' }, { actor: ann })
        .then({ type: 'AnswerRejected', data: { comment: 'no' } }));
  });

  describe('when in progress', () => {
    it('lets the assignee release it, and nobody else', () => {
      given(...inProgress)
        .when({ type: 'release' }, { actor: alice })
        .then({ type: 'TicketReleased', data: { agent: 'alice@example.com' } });
      given(...inProgress)
        .when({ type: 'release' }, { actor: lead })
        .thenRefuses({ kind: 'not_allowed', status: 'in_progress' });
    });
    it('records a resolution with the reopen window in force now', () =>
      given(...inProgress)
        .when({ type: 'resolve', resolution: 'done' }, { actor: alice, reopenWindowMs: 60_000 })
        .then({
          type: 'TicketResolved',
          data: {
            resolution: 'done',
            reopenUntil: new Date(specNow.getTime() + 60_000).toISOString(),
          },
        }));
  });

  describe('when resolved', () => {
    const later = new Date(specNow.getTime() + 60_000).toISOString();
    const earlier = new Date(specNow.getTime() - 1).toISOString();
    it('reopens within the window', () =>
      given(...resolved(later))
        .when({ type: 'reopen', reason: 'again' }, { actor: ann })
        .then({ type: 'TicketReopened', data: { reason: 'again' } }));
    it('refuses to reopen after the window', () =>
      given(...resolved(earlier))
        .when({ type: 'reopen', reason: 'again' }, { actor: ann })
        .thenRefuses({ kind: 'not_allowed', status: 'resolved' }));
  });
});

describe('suggested answers', () => {
  const inBand: TicketEvent = {
    ...received,
    data: { ...received.data, policy: { autoAnswerThreshold: 0.7, suggestThreshold: 0.5 } },
  } as TicketEvent;
  const suggestion = { answer: 'Restart the VPN client', citations: [{ id: 'vpn', title: 'VPN' }] };
  const withSuggestion: TicketEvent[] = [
    inBand,
    ...classified(1, 0.6),
    { type: 'SuggestionDraftStarted', data: { model: 'm' } },
    { type: 'SuggestionDrafted', data: { ...suggestion, ...trace } },
    {
      type: 'TicketEscalated',
      data: { level: 1, reason: 'low_confidence', detail: 'a suggested answer is attached' },
    },
    claimedByAlice,
  ];
  const at = { at: specNow, actorId: 'workflow', modelName: 'm' };

  it('drafts a suggestion for a level-1 ticket between the two thresholds, then escalates', () => {
    const { state } = given(inBand, ...classified(1, 0.6));
    expect(decideAutomaticSteps(state, at).events).toEqual([
      { type: 'SuggestionDraftStarted', data: { model: 'm' } },
    ]);
    const drafted = given(...withSuggestion.slice(0, 5)).state;
    expect(decideAutomaticSteps(drafted, at).events).toEqual([
      {
        type: 'TicketEscalated',
        data: {
          level: 1,
          reason: 'low_confidence',
          detail: 'confidence 0.60 below threshold 0.70; a suggested answer is attached for agents',
        },
      },
    ]);
  });
  it('escalates below the band without drafting anything', () => {
    const { state } = given(inBand, ...classified(1, 0.4));
    expect(decideAutomaticSteps(state, at).events.map((e) => e.type)).toEqual(['TicketEscalated']);
  });
  it('lets the agent send it as drafted, recorded as the model’s draft accepted', () =>
    given(...withSuggestion)
      .when({ type: 'send_suggestion' }, { actor: alice })
      .then({
        type: 'SuggestionSent',
        data: { body: suggestion.answer, citations: suggestion.citations, edited: false },
      }));
  it('records an edit', () =>
    given(...withSuggestion)
      .when({ type: 'send_suggestion', body: 'Restart it, then sign in again' }, { actor: alice })
      .then({
        type: 'SuggestionSent',
        data: {
          body: 'Restart it, then sign in again',
          citations: suggestion.citations,
          edited: true,
        },
      }));
  it('lets the agent discard it, and then nothing more can be sent', () => {
    given(...withSuggestion)
      .when({ type: 'discard_suggestion', reason: 'wrong product' }, { actor: alice })
      .then({ type: 'SuggestionDiscarded', data: { reason: 'wrong product' } });
    given(...withSuggestion, { type: 'SuggestionDiscarded', data: {} })
      .when({ type: 'send_suggestion' }, { actor: alice })
      .thenRefuses({ kind: 'not_allowed', status: 'assigned' });
  });
  it('refuses a requester', () =>
    given(...withSuggestion)
      .when({ type: 'send_suggestion' }, { actor: ann })
      .thenRefuses({ kind: 'forbidden' }));
});

/**
 * Every command in every state a person acts in. The table is the specification; the test checks
 * the machine against it, so a change to the lifecycle shows up here as a change of this table.
 */
const commandsAllowed: Partial<
  Record<TicketStatus, { agent: CommandType[]; requester: CommandType[] }>
> = {
  answered: { agent: [], requester: ['accept_answer', 'close', 'reject_answer'] },
  escalated: { agent: ['assign', 'claim', 'note', 'relevel'], requester: ['close', 'reply'] },
  assigned: {
    agent: ['assign', 'note', 'release', 'relevel', 'reply', 'start'],
    requester: ['reply'],
  },
  in_progress: {
    agent: ['assign', 'hold', 'note', 'release', 'relevel', 'reply', 'resolve'],
    requester: ['reply'],
  },
  waiting_on_requester: {
    agent: ['assign', 'note', 'reply', 'resolve', 'start'],
    requester: ['reply'],
  },
  resolved: { agent: ['note', 'reopen'], requester: ['close', 'reopen'] },
  reopened: {
    agent: ['assign', 'note', 'release', 'relevel', 'reply', 'start'],
    requester: ['reply'],
  },
  closed: { agent: ['reopen'], requester: ['reopen'] },
};

const historyIn: Partial<Record<TicketStatus, TicketEvent[]>> = {
  answered,
  escalated: escalated2,
  assigned: [...escalated2, claimedByAlice],
  in_progress: inProgress,
  waiting_on_requester: [...inProgress, { type: 'TicketPutOnHold', data: { message: 'which?' } }],
  resolved: resolved('2027-01-01T00:00:00.000Z'),
  reopened: [
    ...resolved('2027-01-01T00:00:00.000Z'),
    { type: 'TicketReopened', data: { reason: 'r' } },
  ],
  closed: [
    ...resolved('2027-01-01T00:00:00.000Z'),
    { type: 'TicketClosed', data: { reason: 'resolved', closedBy: 'requester' } },
  ],
};

const sampleCommand: Record<CommandType, TicketCommand> = {
  claim: { type: 'claim' },
  assign: { type: 'assign', agent: 'bo@example.com' },
  release: { type: 'release' },
  start: { type: 'start' },
  reply: { type: 'reply', body: 'b' },
  note: { type: 'note', body: 'n' },
  hold: { type: 'hold', message: 'm' },
  resolve: { type: 'resolve', resolution: 'r' },
  reopen: { type: 'reopen', reason: 'r' },
  relevel: { type: 'relevel', level: 3, reason: 'r' },
  accept_answer: { type: 'accept_answer' },
  reject_answer: { type: 'reject_answer' },
  close: { type: 'close', reason: 'resolved' },
  send_suggestion: { type: 'send_suggestion' },
  discard_suggestion: { type: 'discard_suggestion' },
};

describe('every command in every state', () => {
  const rows = Object.entries(commandsAllowed).flatMap(([status, byRole]) =>
    (['agent', 'requester'] as const).flatMap((role) =>
      (Object.keys(commandRoles) as CommandType[]).map(
        (command) => [status, role, command, byRole[role].includes(command)] as const,
      ),
    ),
  );
  it.each(rows)('%s: %s %s → allowed %s', (status, role, command, allowed) => {
    const { state } = given(...historyIn[status as TicketStatus]!);
    expect(statusOf(state.snapshot)).toBe(status);
    // Alice leads, serves every level and holds the ticket where someone does.
    const actor = role === 'agent' ? agent('alice@example.com', { lead: true }) : ann;
    const decision = decide(sampleCommand[command], state, {
      actor,
      now: specNow,
      reopenWindowMs: 3_600_000,
      assigneeLevels: [1, 2, 3],
    });
    expect(decision.ok).toBe(allowed);
    expect(allowedCommands(state, role).includes(command)).toBe(allowed);
  });
});
