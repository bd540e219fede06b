import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../support/auth.ts';
import { databaseKinds } from '../support/databases.ts';
import { settledEventCount, startTestApp, type TestApp } from '../support/harness.ts';

type Answer = { status: number; headers: Record<string, string>; body: Record<string, unknown> };

function expectProblem(res: Answer, status: number, title?: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: title ?? expect.any(String) });
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const uuid = '0b6f3a5e-8f7e-4c1a-9d2b-3c4d5e6f7a8b';

/** Input the old code answered with a 500 (found by test/api/fuzz.test.ts); each is a 4xx now. */
describe.each(databaseKinds)('bad input on %s', (kind) => {
  let app: TestApp;
  let auditor: { Authorization: string };
  let requester: { email: string; auth: { Authorization: string } };
  let admin: { Authorization: string };
  let ticketId: string;
  beforeAll(async () => {
    app = await startTestApp(kind);
    auditor = (await tokenFor(app, 'auditor')).auth;
    admin = (await tokenFor(app, 'admin')).auth;
    requester = await tokenFor(app, 'requester');
    const created = await app.http
      .post('/api/tickets')
      .set(requester.auth)
      .set('Prefer', 'wait=10')
      .send({ description: 'The printer jams on every page' });
    ticketId = String(created.body.id);
  });
  afterAll(async () => {
    await app.close();
  });

  const countEvents = () => settledEventCount(app);

  it.each(['/api/tickets/%ZZ', '/api/tickets/%E0%A4%A/events', '/api/users/%C0%AF'])(
    'answers a broken percent-encoding in the path (%s) with 400',
    async (path) => {
      expectProblem(await app.http.get(path).set(admin), 400, 'Malformed URL');
    },
  );

  it('answers any http-errors 4xx from the body parser with its own status', async () => {
    const res = await app.http
      .post('/api/tickets')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('{"not":"gzip"}');
    expectProblem(res, 400);
    const inflated = await app.http
      .post('/api/tickets')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send(gzipSync('{"description":"x"'));
    expectProblem(inflated, 400);
  });

  it.each([
    ['a number as timestamp', ['1', uuid]],
    ['a year as timestamp', ['2020', uuid]],
    ['year 0000', ['0000-01-01T00:00:00Z', uuid]],
    ['a year before 0', ['-000001-01-01T00:00:00.000Z', uuid]],
    ['a year past 9999', ['+275760-09-13T00:00:00.000Z', uuid]],
    ['an offset past 15:59', ['2020-01-01T00:00:00+16:00', uuid]],
    ['a date with no time', ['2020-01-01', uuid]],
    ['36 dashes as id', ['2020-01-01T00:00:00Z', '-'.repeat(36)]],
    ['36 zeros as id', ['2020-01-01T00:00:00Z', '0'.repeat(36)]],
    ['three parts', ['2020-01-01T00:00:00Z', uuid, 'x']],
  ])('refuses a cursor with %s as "Invalid cursor"', async (_name, value) => {
    const res = await app.http.get(`/api/tickets?cursor=${cursorOf(value)}`).set(auditor);
    expectProblem(res, 400, 'Invalid cursor');
  });

  it('still pages with the cursors it hands out, whatever the offset of their time', async () => {
    for (const createdAt of ['2020-01-01T00:00:00.123456+00:00', '2020-01-01T00:00:00+15:59']) {
      const res = await app.http
        .get(`/api/tickets?cursor=${cursorOf([createdAt, uuid])}`)
        .set(auditor);
      expect(res.status).toBe(200);
    }
  });

  it('answers HEAD on the event stream at once instead of holding it open', async () => {
    const integrator = (await tokenFor(app, 'integrator')).auth;
    const res = await app.http.head('/api/events/stream').set(integrator).timeout(3000);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
  });

  it('refuses a state at year 0000 with 422', async () => {
    const res = await app.http
      .get(`/api/tickets/${ticketId}/state?at=0000-01-01T00:00:00Z`)
      .set(requester.auth);
    expectProblem(res, 422);
  });

  const unstorable = ['NUL', 'a\u0000b'] as const;
  const loneHigh = ['a lone high surrogate', 'x\ud800y'] as const;
  const loneLow = ['a lone low surrogate', '\udfffx'] as const;
  describe.each([unstorable, loneHigh, loneLow])('text with %s', (_name, bad) => {
    const refused = async (res: Answer, before: number) => {
      expectProblem(res, 422, 'Invalid request');
      expect(JSON.stringify(res.body.errors)).toContain('NUL character or a lone surrogate');
      expect(await countEvents()).toBe(before);
    };

    it.each([
      ['description', { description: bad, requester: { email: 'nul@example.com' } }],
      ['subject', { subject: bad, description: 'ok', requester: { email: 'nul@example.com' } }],
      ['requester name', { description: 'ok', requester: { email: 'nul@example.com', name: bad } }],
    ])('in a ticket %s is a 422 that writes nothing', async (_field, body) => {
      const before = await countEvents();
      await refused(await app.http.post('/api/tickets').send(body), before);
    });

    it('in a command is a 422 that writes nothing', async () => {
      const before = await countEvents();
      const res = await app.http
        .post(`/api/tickets/${ticketId}/commands`)
        .set(requester.auth)
        .send({ type: 'reply', body: bad });
      await refused(res, before);
    });

    it("in a user's name or a token label is a 422 that writes nothing", async () => {
      const before = await countEvents();
      const user = await app.http
        .post('/api/users')
        .set(admin)
        .send({ email: 'named@example.com', role: 'requester', name: bad });
      await refused(user, before);
      const victim = await tokenFor(app, 'requester');
      const { userId } = (await app.tf.users.load(victim.email)).user!;
      const afterSetup = await countEvents();
      const token = await app.http
        .post(`/api/users/${userId}/tokens`)
        .set(admin)
        .send({ label: bad });
      await refused(token, afterSetup);
    });
  });
});
