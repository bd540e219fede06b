import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';

/**
 * Issue 10, item 4: anyone may file a ticket under any email without a token; such a ticket is
 * accepted but recorded as unverified (docs/auth.md, "Unverified requesters").
 */
describe.each(databaseKinds)('unverified requesters on %s', (kind) => {
  let app: TestApp;
  let ann: { auth: { Authorization: string } };
  let auditor: { Authorization: string };
  beforeAll(async () => {
    app = await startTestApp(kind);
    ann = await tokenFor(app, 'requester', { email: 'ann@example.com' });
    auditor = (await tokenFor(app, 'auditor')).auth;
  });
  afterAll(async () => {
    await app?.close();
  });

  const fileAnonymously = (email: string, description = 'vpn broken') =>
    app.http.post('/api/tickets').send({ description, requester: { email } });

  it('records an anonymous ticket as unverified and one filed with a token as verified', async () => {
    const anonymous = await fileAnonymously('ann@example.com');
    const own = await app.http.post('/api/tickets').set(ann.auth).send({ description: 'mine' });
    expect(anonymous.status).toBe(201);
    expect(own.status).toBe(201);
    expect(anonymous.body.requester).toEqual({ email: 'ann@example.com', verified: false });
    expect(own.body.requester).toEqual({ email: 'ann@example.com', verified: true });

    const received = async (id: string) =>
      (await app.http.get(`/api/tickets/${id}/events`)).body.events[0].data.requester;
    expect(await received(anonymous.body.id)).toEqual({
      email: 'ann@example.com',
      verified: false,
    });
    expect(await received(own.body.id)).toEqual({ email: 'ann@example.com', verified: true });
  });

  it("lists only a requester's verified tickets; the unverified one stays reachable by its link", async () => {
    const anonymous = await fileAnonymously('ann@example.com', 'filed by someone else');
    const own = await app.http.post('/api/tickets').set(ann.auth).send({ description: 'by ann' });
    await app.tf.projector.catchUp();

    const listed = await app.http.get('/api/tickets?limit=100').set(ann.auth);
    expect(listed.status).toBe(200);
    const ids = listed.body.items.map((t: { id: string }) => t.id);
    expect(ids).toContain(own.body.id);
    expect(ids).not.toContain(anonymous.body.id);
    expect(
      listed.body.items.every((t: { requester: { verified: boolean } }) => t.requester.verified),
    ).toBe(true);

    expect((await app.http.get(`/api/tickets/${anonymous.body.id}`)).status).toBe(200);

    // Agents and auditors list everything, and see which requesters were not proved.
    const all = await app.http.get('/api/tickets?requester=ann@example.com&limit=100').set(auditor);
    const byId = new Map(
      all.body.items.map((t: { id: string; requester: unknown }) => [t.id, t.requester]),
    );
    expect(byId.get(anonymous.body.id)).toEqual({ email: 'ann@example.com', verified: false });
    expect(byId.get(own.body.id)).toEqual({ email: 'ann@example.com', verified: true });
  });

  it('answers an anonymous ticket alike for a registered email and an unknown one', async () => {
    const normalize = (res: { status: number; headers: Record<string, string>; body: unknown }) => {
      const text = JSON.stringify(res.body)
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
        .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
        .replace(/(ann|nobody-here)@example\.com/g, '<email>');
      const headers = Object.keys(res.headers)
        .filter((h) => !['date', 'x-request-id', 'location', 'content-length'].includes(h))
        .sort();
      return { status: res.status, headers, text };
    };
    // Both settled (Prefer: wait), so the answers differ in nothing the workflow's timing decides.
    const settled = (email: string) =>
      app.http
        .post('/api/tickets')
        .set('Prefer', 'wait=10')
        .send({ description: 'same words', requester: { email } });
    const registered = await settled('ann@example.com');
    const unknown = await settled('nobody-here@example.com');
    expect(registered.status).toBe(201);
    expect(normalize(registered)).toEqual(normalize(unknown));
  });

  it('reads a TicketReceived without the field (written before it existed) as verified', async () => {
    // The workflow writes no `verified` when its caller gives none, as every event before this did.
    const old = await app.tf.workflow.submit({
      description: 'written by an older version',
      requester: { email: 'ann@example.com' },
      actor: { id: 'ann@example.com', role: 'requester' },
    });
    const stored = (await app.tf.workflow.get(old.ticketId)).events[0]!;
    expect(stored.type === 'TicketReceived' && stored.data.requester).toEqual({
      email: 'ann@example.com',
    });
    await app.tf.projector.catchUp();
    const view = await app.http.get(`/api/tickets/${old.ticketId}`);
    expect(view.body.requester).toEqual({ email: 'ann@example.com', verified: true });
    const { rows } = await app.db.query<{ requester_verified: boolean }>(
      'SELECT requester_verified FROM tf_tickets WHERE id = $1',
      [old.ticketId],
    );
    expect(rows).toEqual([{ requester_verified: true }]);
    const listed = await app.http.get('/api/tickets?limit=100').set(ann.auth);
    expect(listed.body.items.map((t: { id: string }) => t.id)).toContain(old.ticketId);
  });
});
