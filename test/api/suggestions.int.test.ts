import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../support/auth.ts';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';

type Auth = { Authorization: string };

/**
 * A level-1 ticket below the auto-answer threshold but above the suggestion threshold escalates
 * with the model's grounded draft attached; an agent sends it in one command (or discards it),
 * and the requester never sees the suggestion, only the reply.
 */
describe.each(databaseKinds)('suggested answers on %s', (kind) => {
  let app: TestApp;
  let una: Auth; // agent of level 1
  let ann: Auth; // the requester

  beforeAll(async () => {
    app = await startTestApp(kind);
    una = (await tokenFor(app, 'agent', { email: 'una@example.com', levels: [1] })).auth;
    ann = (await tokenFor(app, 'requester', { email: 'ann@example.com' })).auth;
  });
  afterAll(() => app.close());

  const file = async () => {
    const res = await app.http
      .post('/api/tickets')
      .set(ann)
      .set('Prefer', 'wait=10')
      .send({ description: 'The VPN drops sometimes in the afternoon' })
      .expect(201);
    return res.body as { id: string; version: number };
  };
  const command = (id: string, body: object, version: number) =>
    app.http
      .post(`/api/tickets/${id}/commands`)
      .set(una)
      .set('If-Match', `"${version}"`)
      .send(body);

  it('escalates with the draft for agents, hidden from the requester', async () => {
    const { id } = await file();
    const forRequester = await app.http.get(`/api/tickets/${id}`).set(ann).expect(200);
    expect(forRequester.body).toMatchObject({ status: 'escalated', level: 1 });
    expect(forRequester.body.escalation.detail).toContain('a suggested answer is attached');
    expect(forRequester.body).not.toHaveProperty('suggestion');
    const forAgent = await app.http.get(`/api/tickets/${id}`).set(una).expect(200);
    expect(forAgent.body.suggestion).toEqual({
      answer: 'Please follow "Connect to the VPN".',
      citations: [{ id: 'vpn-connect', title: 'Connect to the VPN' }],
      model: expect.any(String),
      status: 'pending',
    });
    const types = async (who: Auth) =>
      (await app.http.get(`/api/tickets/${id}/events`).set(who).expect(200)).body.events.map(
        (e: { type: string }) => e.type,
      );
    expect(await types(una)).toEqual([
      'TicketReceived',
      'ClassificationStarted',
      'TicketClassified',
      'SuggestionDraftStarted',
      'SuggestionDrafted',
      'TicketEscalated',
    ]);
    expect(await types(ann)).toEqual([
      'TicketReceived',
      'ClassificationStarted',
      'TicketClassified',
      'TicketEscalated',
    ]);
    const timeline = await app.http.get(`/api/tickets/${id}/timeline`).set(ann).expect(200);
    expect(timeline.body.entries.map((e: { type: string }) => e.type)).toEqual([
      'TicketReceived',
      'ClassificationStarted',
      'TicketClassified',
      'TicketEscalated',
    ]);
    expect(JSON.stringify(timeline.body)).not.toContain('Connect to the VPN');
  });

  it('is sent by an agent in one command, recorded as the model’s draft accepted', async () => {
    const { id, version } = await file();
    const claimed = await command(id, { type: 'claim' }, version).expect(200);
    const sent = await command(id, { type: 'send_suggestion' }, claimed.body.ticket.version);
    expect(sent.status).toBe(200);
    expect(sent.body.event).toMatchObject({
      type: 'SuggestionSent',
      data: {
        body: 'Please follow "Connect to the VPN".',
        citations: [{ id: 'vpn-connect', title: 'Connect to the VPN' }],
        edited: false,
      },
      metadata: { actor: { id: 'una@example.com', role: 'agent' } },
    });
    expect(sent.body.ticket).toMatchObject({
      status: 'in_progress',
      suggestion: { status: 'sent' },
    });
    await app.tf.projector.catchUp();
    const replies = await app.http.get(`/api/tickets/${id}/responses`).set(ann).expect(200);
    expect(replies.body.items).toEqual([
      expect.objectContaining({
        kind: 'agent_reply',
        body: 'Please follow "Connect to the VPN".',
        citations: [{ id: 'vpn-connect', title: 'Connect to the VPN' }],
        author: 'una@example.com',
      }),
    ]);
    // Once sent, it is not there to send again.
    const again = await command(id, { type: 'send_suggestion' }, sent.body.ticket.version);
    expect(again.status).toBe(409);
    expect(again.body.allowed).not.toContain('send_suggestion');
  });

  it('is discarded with a reason, and is then not sent', async () => {
    const { id, version } = await file();
    const discarded = await command(
      id,
      { type: 'discard_suggestion', reason: 'the article is about another VPN' },
      version,
    ).expect(200);
    expect(discarded.body.event).toMatchObject({
      type: 'SuggestionDiscarded',
      data: { reason: 'the article is about another VPN' },
    });
    const claimed = await command(id, { type: 'claim' }, discarded.body.ticket.version).expect(200);
    const sent = await command(id, { type: 'send_suggestion' }, claimed.body.ticket.version);
    expect(sent.status).toBe(409);
  });
});
