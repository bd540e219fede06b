import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusOf, type TicketMachineEvent } from '../../machines/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';
import { fold, simplePaths, transitionPaths, type GraphPath } from '../machines/graph.ts';

/**
 * The machine's graph driven through the HTTP API: for every transition a person can cause, the
 * shortest path to it; plus simple paths chosen until every step they contain is covered. The
 * automatic prefix (classification, drafting, escalation) is produced by the model for a text
 * that leads there; every later step is a command sent by the agent or requester it names.
 */
const automatic = new Set([
  'TicketReceived',
  'ClassificationStarted',
  'xstate.done.actor.classifyTicket',
  'xstate.error.actor.classifyTicket',
  'AnswerDraftStarted',
  'xstate.done.actor.draftAnswer',
  'xstate.error.actor.draftAnswer',
  'TicketEscalated',
]);
/** Caused by the SLA scheduler, not by a command: test/sla covers them. */
const scheduled = (e: TicketMachineEvent) =>
  e.type === 'SlaWarning' ||
  e.type === 'SlaBreached' ||
  (e.type === 'TicketClosed' && e.data.reason === 'auto_close');

interface HttpPath {
  name: string;
  start: { status: 'answered' | 'escalated'; level: number };
  prefix: TicketMachineEvent[];
  steps: TicketMachineEvent[];
}

function toHttpPath(path: GraphPath): HttpPath | null {
  const firstHuman = path.events.findIndex((e) => !automatic.has(e.type));
  if (firstHuman < 0) return null;
  const prefix = path.events.slice(0, firstHuman);
  const steps = path.events.slice(firstHuman);
  if (steps.some((e) => automatic.has(e.type) || scheduled(e))) return null;
  const s = fold(prefix).snapshot;
  const status = statusOf(s);
  if (status !== 'answered' && status !== 'escalated') return null;
  return {
    name: steps.map((e) => e.type).join(' → '),
    start: { status, level: s.context.level ?? 1 },
    prefix,
    steps,
  };
}

const stepKey = (p: HttpPath, i: number) => {
  const before = statusOf(fold([...p.prefix, ...p.steps.slice(0, i)]).snapshot);
  const after = statusOf(fold([...p.prefix, ...p.steps.slice(0, i + 1)]).snapshot);
  return `${before} -${p.steps[i]!.type}-> ${after}`;
};

function selectPaths(): HttpPath[] {
  const chosen = new Map<string, HttpPath>();
  const add = (p: HttpPath | null) => {
    if (!p) return;
    const key = `${p.start.status}/${p.start.level}/${JSON.stringify(p.steps.map((e) => [e.type, 'data' in e ? e.data : null]))}`;
    chosen.set(key, p);
  };
  transitionPaths().forEach((p) => add(toHttpPath(p)));
  // Simple paths, longest first, each kept if it brings a step not yet driven.
  const covered = new Set<string>();
  const simple = simplePaths()
    .map(toHttpPath)
    .filter((p): p is HttpPath => p !== null);
  for (const p of simple.sort((a, b) => b.steps.length - a.steps.length)) {
    const keys = p.steps.map((_, i) => stepKey(p, i));
    if (keys.every((k) => covered.has(k))) continue;
    keys.forEach((k) => covered.add(k));
    add(p);
  }
  return [...chosen.values()];
}

const texts: Record<string, string> = {
  'answered/1': 'I forgot my password',
  'escalated/1': 'printer jam on floor 2',
  'escalated/2': 'the ERP report shows wrong totals',
  'escalated/3': 'the datacenter network is down',
};

describe.each(databaseKinds)('the machine driven through the API on %s', (kind) => {
  let app: TestApp;
  const auth: Record<string, { Authorization: string }> = {};
  beforeAll(async () => {
    app = await startTestApp(kind, { checkResponses: true });
    auth['agent@example.com'] = (
      await tokenFor(app, 'agent', { email: 'agent@example.com', levels: [1, 2, 3] })
    ).auth;
    auth['lead@example.com'] = (
      await tokenFor(app, 'agent', { email: 'lead@example.com', levels: [1, 2, 3], lead: true })
    ).auth;
    auth.requester = (await tokenFor(app, 'requester', { email: 'ann@example.com' })).auth;
  });
  afterAll(async () => {
    await app?.close();
  });

  /** The command (and who sends it) that stands for a machine event. */
  function commandFor(e: TicketMachineEvent): { who: string; body: Record<string, unknown> } {
    switch (e.type) {
      case 'TicketClaimed':
        return { who: e.data.agent, body: { type: 'claim' } };
      case 'TicketAssigned':
        return { who: 'lead@example.com', body: { type: 'assign', agent: e.data.agent } };
      case 'TicketReleased':
        return { who: e.data.agent, body: { type: 'release' } };
      case 'WorkStarted':
        return { who: e.meta.actorId, body: { type: 'start' } };
      case 'AgentReplied':
        return { who: e.meta.actorId, body: { type: 'reply', body: e.data.body } };
      case 'InternalNoteAdded':
        return { who: e.meta.actorId, body: { type: 'note', body: e.data.body } };
      case 'TicketPutOnHold':
        return { who: e.meta.actorId, body: { type: 'hold', message: e.data.message } };
      case 'TicketResolved':
        return { who: e.meta.actorId, body: { type: 'resolve', resolution: e.data.resolution } };
      case 'TicketRelevelled':
        return {
          who: e.meta.actorId,
          body: {
            type: 'relevel',
            level: e.data.to,
            reason: e.data.reason,
            ...(e.data.answer ? { answer: e.data.answer } : {}),
          },
        };
      case 'RequesterReplied':
        return { who: 'requester', body: { type: 'reply', body: e.data.body } };
      case 'TicketReopened':
        return { who: 'requester', body: { type: 'reopen', reason: e.data.reason } };
      case 'AnswerRejected':
        return { who: 'requester', body: { type: 'reject_answer', comment: e.data.comment } };
      case 'TicketClosed':
        return e.data.reason === 'answer_accepted'
          ? { who: 'requester', body: { type: 'accept_answer' } }
          : { who: 'requester', body: { type: 'close', reason: e.data.reason } };
      default:
        throw new Error(`no command for ${e.type}`);
    }
  }

  const paths = selectPaths();
  /** One ticket per path, all created at once (the model's part runs concurrently). */
  const tickets = new Map<
    HttpPath,
    Promise<{ id: string; version: number; status: string; level: number }>
  >();
  beforeAll(() => {
    for (const path of paths) {
      const created = app.http
        .post('/api/tickets')
        .set('Prefer', 'wait=20')
        .send({
          description: texts[`${path.start.status}/${path.start.level}`],
          requester: { email: 'ann@example.com' },
        })
        .then((res) => res.body);
      created.catch(() => undefined);
      tickets.set(path, created);
    }
  });

  it('drives every transition a person can cause', () => {
    const driven = new Set(paths.flatMap((p) => p.steps.map((_, i) => stepKey(p, i))));
    const human = transitionPaths()
      .map(toHttpPath)
      .filter((p): p is HttpPath => p !== null)
      .map((p) => stepKey(p, p.steps.length - 1));
    expect(human.filter((k) => !driven.has(k))).toEqual([]);
    expect(driven.size).toBeGreaterThan(30);
  });

  // Each path has its own ticket, created above.
  it.for(paths.map((p) => [`${p.start.status} (level ${p.start.level}) → ${p.name}`, p] as const))(
    '%s',
    async ([, path], { expect }) => {
      const created = { body: await tickets.get(path)! };
      expect(created.body).toMatchObject({ status: path.start.status, level: path.start.level });
      let version = created.body.version;
      for (const [i, event] of path.steps.entries()) {
        const { who, body } = commandFor(event);
        const res = await app.http
          .post(`/api/tickets/${created.body.id}/commands`)
          .set(auth[who]!)
          .set('If-Match', `"${version}"`)
          .send(body);
        const expected = statusOf(fold([...path.prefix, ...path.steps.slice(0, i + 1)]).snapshot);
        expect(res.status, `${event.type}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(res.body.ticket.status).toBe(expected);
        expect(res.body.event.type).toBe(event.type);
        version = res.body.ticket.version;
      }
    },
  );
});
