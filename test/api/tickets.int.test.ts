import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { settledEventCount, startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';

const requester = { email: 'ann@example.com', name: 'Ann' };

function expectProblem(
  res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
  status: number,
) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: expect.any(String), type: expect.any(String) });
}

describe.each(databaseKinds)('tickets API on %s', (kind) => {
  let app: TestApp;
  /** Listing tickets and reading the global log need a token (docs/auth.md); an auditor may read both. */
  let auditor: { Authorization: string };
  beforeAll(async () => {
    app = await startTestApp(kind, { checkResponses: true });
    auditor = (await tokenFor(app, 'auditor')).auth;
  });
  afterAll(async () => {
    await app.close();
  });

  const countEvents = () => settledEventCount(app);

  it('answers a password ticket within Prefer: wait, citing an article', async () => {
    const res = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ subject: 'Login', description: "I forgot my password and can't log in", requester });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/tickets/${res.body.id}`);
    expect(res.headers['preference-applied']).toBe('wait=10');
    expect(res.body).toMatchObject({ status: 'answered', level: 1, version: 5 });
    expect(res.body.answer.citations[0].id).toBe('password-reset');
  });

  it('escalates an outage as level 3 with the reason', async () => {
    const res = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ description: 'The whole datacenter network is down, no server responds', requester });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'escalated',
      level: 3,
      escalation: { reason: 'level_requires_agent' },
    });
  });

  it('lists the events of a ticket in order and replays any version', async () => {
    const created = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ description: 'vpn does not connect', requester });
    const events = await app.http.get(`/api/tickets/${created.body.id}/events`);
    expect(events.status).toBe(200);
    expect(events.body.events.map((e: { version: number }) => e.version)).toEqual([1, 2, 3, 4, 5]);
    expect(events.body.events[0]).toMatchObject({
      type: 'TicketReceived',
      schemaVersion: 1,
      metadata: { actor: { role: 'requester' } },
    });
    const v1 = await app.http.get(`/api/tickets/${created.body.id}/state?version=1`);
    expect(v1.body).toMatchObject({ status: 'received', version: 1, level: null });
    const v3 = await app.http.get(`/api/tickets/${created.body.id}/state?version=3`);
    expect(v3.body).toMatchObject({ status: 'classified', level: 1 });
    const atReceipt = await app.http
      .get(`/api/tickets/${created.body.id}/state`)
      .query({ at: events.body.events[0].timestamp });
    expect(atReceipt.body.version).toBeGreaterThanOrEqual(1);
    const before = await app.http
      .get(`/api/tickets/${created.body.id}/state`)
      .query({ at: '2000-01-01T00:00:00Z' });
    expectProblem(before, 404);
    const tooFar = await app.http.get(`/api/tickets/${created.body.id}/state?version=99`);
    expectProblem(tooFar, 404);
  });

  it('gives the same ticket for the same Idempotency-Key', async () => {
    const send = () =>
      app.http
        .post('/api/tickets')
        .set('Idempotency-Key', 'abc-123')
        .send({ description: 'printer offline', requester });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const other = await app.http
      .post('/api/tickets')
      .set('Idempotency-Key', 'abc-123')
      .send({ description: 'something else', requester });
    expectProblem(other, 422);
  });

  it('lists tickets with filters and cursor pagination', async () => {
    for (let i = 0; i < 3; i++) {
      await app.http
        .post('/api/tickets')
        .set('Prefer', 'wait=5')
        .send({ description: `datacenter outage ${i}`, requester });
    }
    await app.tf.projector.catchUp();
    const page1 = await app.http.get('/api/tickets?status=escalated&level=3&limit=2').set(auditor);
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(
      page1.body.items.every(
        (t: { status: string; level: number }) => t.status === 'escalated' && t.level === 3,
      ),
    ).toBe(true);
    const page2 = await app.http
      .get(`/api/tickets?status=escalated&level=3&limit=2&cursor=${page1.body.nextCursor}`)
      .set(auditor);
    expect(page2.status).toBe(200);
    const ids = [...page1.body.items, ...page2.body.items].map((t: { id: string }) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(4);
  });

  it('creates 50 distinct tickets from 50 concurrent requests, each answered or escalated', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        app.http
          .post('/api/tickets')
          .set('Prefer', 'wait=20')
          .send({ description: i % 2 ? `forgot password ${i}` : `server down ${i}`, requester }),
      ),
    );
    expect(responses.every((r) => r.status === 201)).toBe(true);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(50);
    expect(responses.every((r) => ['answered', 'escalated'].includes(r.body.status))).toBe(true);
  });

  describe('bad input: a 4xx problem, and nothing written', () => {
    const cases: Array<
      [string, (h: TestApp['http']) => ReturnType<TestApp['http']['post']>, number]
    > = [
      [
        'malformed JSON',
        (h) =>
          h.post('/api/tickets').set('Content-Type', 'application/json').send('{"description": '),
        400,
      ],
      ['missing description', (h) => h.post('/api/tickets').send({ requester }), 422],
      [
        'wrong-typed description',
        (h) => h.post('/api/tickets').send({ description: 42, requester }),
        422,
      ],
      [
        'invalid email',
        (h) => h.post('/api/tickets').send({ description: 'x', requester: { email: 'nope' } }),
        422,
      ],
      [
        'unknown field',
        (h) => h.post('/api/tickets').send({ description: 'x', requester, level: 1 }),
        422,
      ],
      [
        'blank description',
        (h) => h.post('/api/tickets').send({ description: '   ', requester }),
        422,
      ],
      [
        'oversize body',
        (h) => h.post('/api/tickets').send({ description: 'x'.repeat(70_000), requester }),
        413,
      ],
      [
        'not JSON',
        (h) => h.post('/api/tickets').set('Content-Type', 'text/plain').send('hello'),
        415,
      ],
      [
        'bad Idempotency-Key',
        (h) =>
          h
            .post('/api/tickets')
            .set('Idempotency-Key', 'é'.repeat(3))
            .send({ description: 'x', requester }),
        400,
      ],
    ];
    it.each(cases)('%s', async (_name, request, status) => {
      const before = await countEvents();
      const res = await request(app.http);
      expectProblem(res, status);
      expect(await countEvents()).toBe(before);
    });

    it.each([
      ['unknown ticket id', '/api/tickets/8b0c6a0e-2f7e-4a53-9d59-3f1e2c7a9b01', 404],
      ['malformed ticket id', '/api/tickets/not-a-uuid', 422],
      ['bad cursor', '/api/tickets?cursor=garbage', 400],
      ['bad limit', '/api/tickets?limit=100000', 422],
      ['unknown query parameter', '/api/tickets?colour=red', 422],
      [
        'bad state version',
        '/api/tickets/8b0c6a0e-2f7e-4a53-9d59-3f1e2c7a9b01/state?version=abc',
        422,
      ],
      ['unknown events position', '/api/events?after=999999999', 400],
      ['unknown event type', '/api/events?types=Nope', 400],
      ['unknown route', '/api/nothing-here', 404],
    ])('%s', async (_name, url, status) => {
      expectProblem(await app.http.get(url).set(auditor), status);
    });
  });

  it('serves the global log in order, resumable from a position', async () => {
    const all = await app.http.get('/api/events?limit=1000').set(auditor);
    expect(all.status).toBe(200);
    const positions = all.body.events.map((e: { position: number }) => e.position);
    expect(positions.length).toBeGreaterThan(10);
    const tail = await app.http.get(`/api/events?after=${positions[4]}&limit=3`).set(auditor);
    expect(tail.body.events.map((e: { position: number }) => e.position)).toEqual(
      positions.slice(5, 8),
    );
    const received = await app.http.get('/api/events?types=TicketReceived&limit=1000').set(auditor);
    expect(received.body.events.every((e: { type: string }) => e.type === 'TicketReceived')).toBe(
      true,
    );
  });

  it('reports health, readiness and metrics', async () => {
    expect((await app.http.get('/health')).body).toEqual({ status: 'ok' });
    expect((await app.http.get('/ready')).status).toBe(200);
    const metrics = await app.http.get('/metrics');
    expect(metrics.text).toMatch(/ticketflow_tickets\{status="answered"\} \d+/);
    expect(metrics.text).toMatch(/ticketflow_projection_lag_positions\{projection="tickets"\}/);
  });
});
