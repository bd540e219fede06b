import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { loadConfig } from '../../src/config/index.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';

const desk = 'https://desk.example.com';
const stranger = 'https://evil.example.net';

function expectSecurityHeaders(res: Response) {
  expect(res.headers['content-security-policy']).toMatch(/(^|;)default-src 'self'(;|$)/);
  expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline|upgrade-insecure/);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
}

const preflight = (app: TestApp, origin: string) =>
  app.http
    .options('/api/tickets')
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization,content-type');

describe('security headers and CORS, closed by default', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite');
  });
  afterAll(async () => {
    await app.close();
  });

  it('sets the security headers on a 200, a 404 and a problem', async () => {
    const ok = await app.http.get('/health');
    expect(ok.status).toBe(200);
    expectSecurityHeaders(ok);
    const missing = await app.http.get('/nowhere');
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing);
    const problem = await app.http
      .post('/api/tickets')
      .set('Content-Type', 'application/json')
      .send('{"description":');
    expect(problem.status).toBe(400);
    expect(problem.headers['content-type']).toMatch(/application\/problem\+json/);
    expectSecurityHeaders(problem);
    const unauthorized = await app.http.get('/api/users').set('Authorization', 'Bearer nope');
    expect(unauthorized.status).toBe(401);
    expectSecurityHeaders(unauthorized);
  });

  it('allows no origin at all', async () => {
    const res = await preflight(app, desk);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-headers']).toBeUndefined();
    const simple = await app.http.get('/health').set('Origin', desk);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS with CORS_ORIGINS configured', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite', { env: { CORS_ORIGINS: `${desk}, http://localhost:5173` } });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers a configured origin’s preflight and requests', async () => {
    const res = await preflight(app, desk);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(desk);
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const listed = await app.http.get('/api/tickets').set('Origin', desk);
    expect(listed.status).toBe(401);
    expect(listed.headers['access-control-allow-origin']).toBe(desk);
    expect(listed.headers['access-control-expose-headers']).toMatch(/Location/);
    expectSecurityHeaders(listed);
  });

  it('gives an unknown origin no allow-origin', async () => {
    const res = await preflight(app, stranger);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await app.http.get('/health').set('Origin', stranger);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('network configuration', () => {
  it('listens on loopback unless HOST says otherwise', () => {
    expect(loadConfig({}).HOST).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it('takes CORS origins as exact origins only', () => {
    expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: `${desk},http://localhost:5173` }).CORS_ORIGINS).toEqual([
      desk,
      'http://localhost:5173',
    ]);
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: `${desk}/` })).toThrow(/CORS_ORIGINS/);
  });
});
