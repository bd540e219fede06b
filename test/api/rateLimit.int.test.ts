import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { rateLimitSettingsFrom } from '../../src/api/rateLimit.ts';
import { databaseKinds } from '../support/databases.ts';
import { settledEventCount, startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';

/** Issue 10, item 4: 500 anonymous tickets in 3 s were all stored. */
const kind = databaseKinds[0]!;

describe('rate limits', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const start = async (env: Record<string, string>) => (app = await startTestApp(kind, { env }));
  const file = (a: TestApp, email: string) =>
    a.http.post('/api/tickets').send({ description: 'printer offline', requester: { email } });

  function expectRefused(res: {
    status: number;
    headers: Record<string, string>;
    body: Record<string, unknown>;
  }) {
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 429, title: 'Too many requests' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['ratelimit']).toMatch(/r=0/);
    expect(res.headers['ratelimit-policy']).toMatch(/q=\d+; w=\d+/);
  }

  it('has defaults that limit anonymous intake and tokens, and trust no proxy', () => {
    const config = loadConfig({});
    expect(rateLimitSettingsFrom(config)).toEqual({
      intakePerAddress: { limit: 20, windowSeconds: 60 },
      intakePerEmail: { limit: 10, windowSeconds: 3600 },
      perToken: { limit: 600, windowSeconds: 60 },
    });
    expect(config.TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).TRUST_PROXY).toBe('loopback');
  });

  it('refuses a burst of anonymous tickets from one address with a 429 problem, writing nothing', async () => {
    const a = await start({ RATE_LIMIT_INTAKE_PER_ADDRESS: '3' });
    for (let i = 0; i < 3; i++) {
      const ok = await file(a, `burst${i}@example.com`);
      expect(ok.status).toBe(201);
      expect(ok.headers['ratelimit']).toMatch(/^"intake-per-address"; r=\d+; t=\d+/);
    }
    const before = await settledEventCount(a);
    // X-Forwarded-For is not trusted by default: a client cannot pick a fresh address.
    const refused = await file(a, 'burst9@example.com').set('X-Forwarded-For', '203.0.113.9');
    expectRefused(refused);
    expect(await settledEventCount(a)).toBe(before);

    // A requester with a token is counted by token, not by address.
    const requester = await tokenFor(a, 'requester');
    const withToken = await a.http
      .post('/api/tickets')
      .set(requester.auth)
      .send({ description: 'printer offline' });
    expect(withToken.status).toBe(201);
  });

  it('counts the forwarded client address when TRUST_PROXY names the proxy', async () => {
    const a = await start({ RATE_LIMIT_INTAKE_PER_ADDRESS: '1', TRUST_PROXY: 'loopback' });
    const from = (ip: string, email: string) => file(a, email).set('X-Forwarded-For', ip);
    expect((await from('203.0.113.1', 'a@example.com')).status).toBe(201);
    expect((await from('203.0.113.2', 'b@example.com')).status).toBe(201);
    expectRefused(await from('203.0.113.1', 'c@example.com'));
  });

  it('limits anonymous tickets per requester email, the same for a registered email and an unknown one', async () => {
    const a = await start({ RATE_LIMIT_INTAKE_PER_EMAIL: '2' });
    const ann = await tokenFor(a, 'requester', { email: 'ann@example.com' });
    const statuses = async (email: string) => {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await file(a, email));
      return results;
    };
    const registered = await statuses('ann@example.com');
    const unknown = await statuses('nobody@example.com');
    expect(registered.map((r) => r.status)).toEqual([201, 201, 429]);
    expect(unknown.map((r) => r.status)).toEqual([201, 201, 429]);
    expectRefused(registered[2]!);
    expect(registered[2]!.body.detail).toBe(unknown[2]!.body.detail);
    // No count on success: it would tell how much others filed under that email.
    expect(registered[0]!.headers['ratelimit']).toBeUndefined();
    // Mixed case is the same email.
    expect((await file(a, 'ANN@example.com')).status).toBe(429);
    // Ann herself, with her token, is not held back by what others filed in her name.
    const own = await a.http.post('/api/tickets').set(ann.auth).send({ description: 'mine' });
    expect(own.status).toBe(201);
  });

  it('limits authenticated calls per token, keyed by the token id, never the token', async () => {
    const a = await start({ RATE_LIMIT_PER_TOKEN: '3' });
    const first = await tokenFor(a, 'auditor', { email: 'aud@example.com' });
    const second = await tokenFor(a, 'auditor', { email: 'aud@example.com' });
    for (let i = 0; i < 3; i++) {
      const ok = await a.http.get('/api/tickets').set(first.auth);
      expect(ok.status).toBe(200);
      expect(ok.headers['ratelimit']).toMatch(/^"per-token"; r=\d+/);
      expect(JSON.stringify(ok.headers)).not.toContain(first.token);
    }
    const refused = await a.http.get('/api/tickets').set(first.auth);
    expectRefused(refused);
    expect(JSON.stringify(refused.headers) + JSON.stringify(refused.body)).not.toContain(
      first.token,
    );
    // Another token of the same user has its own budget; anonymous intake is not touched.
    expect((await a.http.get('/api/tickets').set(second.auth)).status).toBe(200);
    expect((await file(a, 'x@example.com')).status).toBe(201);
  });

  it('turns a limit off with 0', async () => {
    const a = await start({
      RATE_LIMIT_INTAKE_PER_ADDRESS: '0',
      RATE_LIMIT_INTAKE_PER_EMAIL: '0',
      RATE_LIMIT_PER_TOKEN: '0',
    });
    const responses = await Promise.all(
      Array.from({ length: 25 }, () => file(a, 'same@example.com')),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    expect(responses[0]!.headers['ratelimit']).toBeUndefined();
  });
});
