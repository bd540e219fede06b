import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';

type Auth = { Authorization: string };
const requester = { email: 'ann@example.com', name: 'Ann' };

describe.each(databaseKinds)('agents move escalated tickets through the API on %s', (kind) => {
  let app: TestApp;
  let sam: Auth; // agent, levels 2-3
  let kim: Auth; // agent, levels 2-3
  let lead: Auth; // lead agent
  let ann: Auth; // the requester
  let l1agent: Auth; // agent of level 1 only

  beforeAll(async () => {
    app = await startTestApp(kind, { checkResponses: true });
    sam = (await tokenFor(app, 'agent', { email: 'sam@example.com', levels: [2, 3] })).auth;
    kim = (await tokenFor(app, 'agent', { email: 'kim@example.com', levels: [2, 3] })).auth;
    lead = (
      await tokenFor(app, 'agent', { email: 'lee@example.com', levels: [1, 2, 3], lead: true })
    ).auth;
    ann = (await tokenFor(app, 'requester', { email: requester.email })).auth;
    l1agent = (await tokenFor(app, 'agent', { email: 'una@example.com', levels: [1] })).auth;
  });
  afterAll(async () => {
    await app?.close();
  });

  async function ticket(
    description: string,
  ): Promise<{ id: string; version: number; status: string }> {
    const res = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ description, requester });
    expect(res.status).toBe(201);
    return res.body;
  }
  const command = (id: string, who: Auth, body: object, version?: number) => {
    const req = app.http.post(`/api/tickets/${id}/commands`).set(who).send(body);
    return version === undefined ? req : req.set('If-Match', `"${version}"`);
  };

  it('takes an escalated ticket through claim, note, hold, requester reply, resolve, reopen and close, each step an event with its author', async () => {
    const t = await ticket('The datacenter network is down in building B');
    expect(t).toMatchObject({ status: 'escalated', level: 3 });
    let v = t.version;
    const step = async (who: Auth, body: object, status: string, useVersion = true) => {
      const res = await command(t.id, who, body, useVersion ? v : undefined);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.ticket.status).toBe(status);
      expect(res.headers.etag).toBe(`"${res.body.ticket.version}"`);
      v = res.body.ticket.version;
      return res.body;
    };
    expect((await step(sam, { type: 'claim' }, 'assigned')).ticket.assignee).toBe(
      'sam@example.com',
    );
    await step(sam, { type: 'note', body: 'Probably the core switch.' }, 'assigned');
    await step(sam, { type: 'start' }, 'in_progress');
    await step(sam, { type: 'hold', message: 'Which floor?' }, 'waiting_on_requester');
    await step(ann, { type: 'reply', body: 'Second floor.' }, 'in_progress', false);
    await step(sam, { type: 'reply', body: 'Replacing the switch now.' }, 'in_progress');
    const resolved = await step(
      sam,
      { type: 'resolve', resolution: 'Switch replaced.' },
      'resolved',
    );
    expect(resolved.ticket.resolution.reopenUntil).toBeTruthy();
    await step(ann, { type: 'reopen', reason: 'Down again.' }, 'reopened', false);
    await step(sam, { type: 'start' }, 'in_progress');
    await step(sam, { type: 'resolve', resolution: 'Replaced the second switch too.' }, 'resolved');
    await step(ann, { type: 'close', reason: 'resolved' }, 'closed', false);

    const events = (await app.http.get(`/api/tickets/${t.id}/events`).set(sam)).body
      .events as Array<{
      type: string;
      version: number;
      metadata: { actor: { id: string; role: string } };
    }>;
    const human = events.slice(4);
    expect(human.map((e) => [e.type, e.metadata.actor.id, e.metadata.actor.role])).toEqual([
      ['TicketClaimed', 'sam@example.com', 'agent'],
      ['InternalNoteAdded', 'sam@example.com', 'agent'],
      ['WorkStarted', 'sam@example.com', 'agent'],
      ['TicketPutOnHold', 'sam@example.com', 'agent'],
      ['RequesterReplied', 'ann@example.com', 'requester'],
      ['AgentReplied', 'sam@example.com', 'agent'],
      ['TicketResolved', 'sam@example.com', 'agent'],
      ['TicketReopened', 'ann@example.com', 'requester'],
      ['WorkStarted', 'sam@example.com', 'agent'],
      ['TicketResolved', 'sam@example.com', 'agent'],
      ['TicketClosed', 'ann@example.com', 'requester'],
    ]);
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));

    // The requester sees the conversation, never the internal note.
    const asAnn = await app.http.get(`/api/tickets/${t.id}/events`).set(ann);
    expect(asAnn.body.events.map((e: { type: string }) => e.type)).not.toContain(
      'InternalNoteAdded',
    );
    await app.tf.projector.catchUp();
    const annSees = await app.http.get(`/api/tickets/${t.id}/responses`).set(ann);
    expect(annSees.body.items.map((r: { kind: string }) => r.kind)).toEqual([
      'agent_reply',
      'requester_reply',
      'agent_reply',
      'resolution',
      'resolution',
    ]);
    const samSees = await app.http.get(`/api/tickets/${t.id}/responses`).set(sam);
    expect(samSees.body.items.map((r: { kind: string }) => r.kind)).toContain('internal_note');
  });

  it('refuses an illegal step with 409, the current state and the commands allowed', async () => {
    const t = await ticket('server down in rack 4');
    const res = await command(t.id, sam, { type: 'resolve', resolution: 'done' }, t.version);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body).toMatchObject({
      state: 'escalated',
      allowed: expect.arrayContaining(['claim', 'relevel', 'note']),
    });
    expect(res.body.allowed).not.toContain('resolve');
  });

  it('lets exactly one of two concurrent claims win; the ticket has one assignee', async () => {
    const t = await ticket('outage of the storage cluster');
    const [a, b] = await Promise.all([
      command(t.id, sam, { type: 'claim' }, t.version),
      command(t.id, kim, { type: 'claim' }, t.version),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses[0]).toBe(200);
    expect([409, 412]).toContain(statuses[1]);
    const after = await app.http.get(`/api/tickets/${t.id}`).set(sam);
    expect(after.body.assignee).toBe(a.status === 200 ? 'sam@example.com' : 'kim@example.com');
    const events = (await app.http.get(`/api/tickets/${t.id}/events`).set(sam)).body.events;
    expect(events.filter((e: { type: string }) => e.type === 'TicketClaimed')).toHaveLength(1);
  });

  it('answers a stale If-Match with 412 and the current version, a missing one with 428, bad input with 422', async () => {
    const t = await ticket('network down on floor 3');
    expect((await command(t.id, sam, { type: 'claim' }, t.version)).status).toBe(200);
    const stale = await command(t.id, sam, { type: 'start' }, t.version);
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ currentVersion: t.version + 1 });
    expect(stale.headers.etag).toBe(`"${t.version + 1}"`);
    expect((await command(t.id, sam, { type: 'start' })).status).toBe(428);
    for (const body of [
      { type: 'fly' },
      { type: 'reply' },
      { type: 'reply', body: '' },
      { type: 'relevel', level: 1, reason: 'x' },
      { type: 'claim', extra: 1 },
    ]) {
      const res = await command(t.id, sam, body, t.version + 1);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    const badIfMatch = await app.http
      .post(`/api/tickets/${t.id}/commands`)
      .set(sam)
      .set('If-Match', 'yesterday')
      .send({ type: 'start' });
    expect(badIfMatch.status).toBe(400);
  });

  it('re-levels 3 → 2 back to the queue, 2 → 3, and down to 1 with an answer the requester can reject', async () => {
    const t = await ticket('core router outage');
    let res = await command(t.id, sam, { type: 'claim' }, t.version);
    res = await command(
      t.id,
      sam,
      { type: 'relevel', level: 2, reason: 'it is the ERP client' },
      res.body.ticket.version,
    );
    expect(res.body.ticket).toMatchObject({ status: 'escalated', level: 2, assignee: null });
    res = await command(
      t.id,
      kim,
      { type: 'relevel', level: 3, reason: 'no, network' },
      res.body.ticket.version,
    );
    expect(res.body.ticket).toMatchObject({ status: 'escalated', level: 3 });
    res = await command(
      t.id,
      kim,
      { type: 'relevel', level: 1, reason: 'how-to', answer: 'Restart the client.' },
      res.body.ticket.version,
    );
    expect(res.body.ticket).toMatchObject({
      status: 'answered',
      level: 1,
      answer: { text: 'Restart the client.' },
    });
    res = await command(t.id, ann, { type: 'reject_answer', comment: 'did not help' });
    expect(res.body.ticket).toMatchObject({ status: 'escalated', level: 1 });
    // Now a level-1 ticket: a level-2/3 agent may not act on it, a level-1 agent may.
    expect((await command(t.id, sam, { type: 'claim' }, res.body.ticket.version)).status).toBe(403);
    expect((await command(t.id, l1agent, { type: 'claim' }, res.body.ticket.version)).status).toBe(
      200,
    );
  });

  it('lets a lead assign to an agent of the level, and only a lead', async () => {
    const t = await ticket('datacenter cooling down');
    expect(
      (await command(t.id, sam, { type: 'assign', agent: 'kim@example.com' }, t.version)).status,
    ).toBe(403);
    const nobody = await command(
      t.id,
      lead,
      { type: 'assign', agent: 'nobody@example.com' },
      t.version,
    );
    expect(nobody.status).toBe(422);
    const wrongLevel = await command(
      t.id,
      lead,
      { type: 'assign', agent: 'una@example.com' },
      t.version,
    );
    expect(wrongLevel.status).toBe(422);
    const res = await command(t.id, lead, { type: 'assign', agent: 'kim@example.com' }, t.version);
    expect(res.status).toBe(200);
    expect(res.body.ticket).toMatchObject({ status: 'assigned', assignee: 'kim@example.com' });
  });

  it('lets the requester accept an automatic answer, which closes the ticket', async () => {
    const t = await ticket('I forgot my password');
    expect(t.status).toBe('answered');
    const res = await command(t.id, ann, { type: 'accept_answer' });
    expect(res.body.ticket).toMatchObject({
      status: 'closed',
      closed: { reason: 'answer_accepted' },
    });
  });

  it('shows a queue per level sorted by SLA due time, filtered by assignee and state', async () => {
    const first = await ticket('outage one in hall A');
    const second = await ticket('outage two in hall B');
    await command(second.id, kim, { type: 'claim' }, second.version);
    await app.tf.projector.catchUp();
    const queue = await app.http.get('/api/queues/3').set(sam);
    expect(queue.status).toBe(200);
    const ids = queue.body.items.map((i: { id: string }) => i.id);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
    const dues = queue.body.items
      .map((i: { sla: { nextDueAt: string | null } }) => i.sla.nextDueAt)
      .filter(Boolean);
    expect(dues).toEqual([...dues].sort());
    const kims = await app.http.get('/api/queues/3?assignee=kim@example.com').set(sam);
    expect(kims.body.items.map((i: { id: string }) => i.id)).toContain(second.id);
    expect(
      kims.body.items.every((i: { assignee: string }) => i.assignee === 'kim@example.com'),
    ).toBe(true);
    const mine = await app.http.get('/api/queues/3?assignee=me&state=assigned').set(kim);
    expect(mine.body.items.map((i: { id: string }) => i.id)).toContain(second.id);
    const unassigned = await app.http.get('/api/queues/3?assignee=none&state=escalated').set(sam);
    expect(
      unassigned.body.items.every(
        (i: { assignee: null; state: string }) => i.assignee === null && i.state === 'escalated',
      ),
    ).toBe(true);
    expect((await app.http.get('/api/queues/3?state=flying').set(sam)).status).toBe(422);
    expect((await app.http.get('/api/queues/1').set(sam)).status).toBe(403);
  });
});
