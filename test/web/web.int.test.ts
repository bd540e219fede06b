import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { settledEventCount, startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';
import { webSession } from '../support/webSession.ts';

/** The web UI's sessions, cookies, CSRF and headers, over HTTP (the browser tests do the rest). */
describe.each(databaseKinds)('the web UI on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('opens a server-side session in an HttpOnly, Secure, SameSite=Strict cookie, and never echoes the token', async () => {
    const { token } = await tokenFor(app, 'agent', { email: 'cookie@example.com', levels: [2] });
    const page = await app.http.get('/signin');
    const csrfCookie = String(page.headers['set-cookie']);
    expect(csrfCookie).toMatch(
      /^__Host-tf_csrf=[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict/,
    );
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(page.text)![1]!;
    const res = await app.http
      .post('/signin')
      .set('Cookie', csrfCookie.split(';')[0]!)
      .type('form')
      .send({ _csrf: csrf, token });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/queues/2');
    const session = String(res.headers['set-cookie']);
    expect(session).toMatch(
      /^__Host-tf_session=[\w-]{43}; Max-Age=43200; Path=\/; Expires=.*; HttpOnly; Secure; SameSite=Strict/,
    );
    expect(JSON.stringify(res.headers)).not.toContain(token);
    // The table holds hashes only.
    const { rows } = await app.db.query<Record<string, string>>('SELECT * FROM tf_web_sessions');
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(session.split(';')[0]!.split('=')[1]!);
  });

  it('refuses a form without its CSRF token, or from another site, and writes nothing', async () => {
    const { token } = await tokenFor(app, 'requester', { email: 'csrf@example.com' });
    const s = await webSession(app.http, token);
    const before = await settledEventCount(app);
    const send = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      app.http.post('/tickets').set('Cookie', s.cookie).set(headers).type('form').send(fields);
    expect((await send({ description: 'vpn down' })).status).toBe(403);
    expect((await send({ description: 'vpn down', _csrf: 'x'.repeat(43) })).status).toBe(403);
    const foreign = await send(
      { description: 'vpn down', _csrf: s.csrf },
      { Origin: 'https://evil.example' },
    );
    expect(foreign.status).toBe(403);
    expect(foreign.headers['content-type']).toMatch(/^text\/html/);
    expect(
      (await send({ description: 'vpn down', _csrf: s.csrf }, { 'Sec-Fetch-Site': 'cross-site' }))
        .status,
    ).toBe(403);
    expect(await settledEventCount(app)).toBe(before);
    // With it, the same form works.
    expect((await send({ description: 'vpn down', _csrf: s.csrf })).status).toBe(303);
  });

  it('ends every session of a revoked token, and on sign-out', async () => {
    const { token, email } = await tokenFor(app, 'auditor', { email: 'ends@example.com' });
    const s = await webSession(app.http, token);
    expect((await app.http.get('/audit').set('Cookie', s.cookie)).status).toBe(200);
    const { userId, user } = await app.tf.users.load(email);
    await app.tf.users.revokeToken(userId, [...user!.tokens.keys()][0]!, {
      id: 't',
      role: 'admin',
    });
    await app.tf.projector.catchUp();
    expect((await app.http.get('/audit').set('Cookie', s.cookie)).status).toBe(401);

    const other = await tokenFor(app, 'auditor', { email: 'out@example.com' });
    const t = await webSession(app.http, other.token);
    expect((await app.http.get('/audit').set('Cookie', t.cookie)).status).toBe(200);
    const out = await app.http
      .post('/signout')
      .set('Cookie', t.cookie)
      .type('form')
      .send({ _csrf: t.csrf });
    expect(out.status).toBe(303);
    expect((await app.http.get('/audit').set('Cookie', t.cookie)).status).toBe(401);
  });

  it('serves pages under the same CSP as the API, and the assets from the product itself', async () => {
    const page = await app.http.get('/');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-store');
    const scripts = [...page.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(3);
    expect(page.text).not.toMatch(/<script>|<style>| style="| on\w+="/);
    for (const src of scripts) {
      expect(src).toMatch(/^\/assets\//);
      const asset = await app.http.get(src).set('Accept-Encoding', 'gzip');
      expect(asset.status).toBe(200);
      expect(asset.headers['content-encoding']).toBe('gzip');
      expect(asset.headers['cache-control']).toContain('immutable');
    }
    const api = await app.http.get('/api/tickets');
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(api.headers['set-cookie']).toBeUndefined();
  });

  it('answers a missing or malformed page with an HTML page, never a 5xx', async () => {
    for (const path of [
      '/tickets/not-a-uuid',
      '/tickets/00000000-0000-4000-8000-000000000000',
      '/queues/9',
      '/audit/tickets/x',
    ]) {
      const res = await app.http.get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.headers['content-type'], path).toMatch(/^text\/html/);
    }
  });
});
