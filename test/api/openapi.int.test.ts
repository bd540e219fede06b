import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument, openApiPath, problemTypes } from '../../src/api/openapi.ts';
import { tokenFor } from '../support/auth.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { documentViolations, webUiPath } from '../support/openapi.ts';
import { listRoutes } from '../support/routes.ts';

describe('the OpenAPI document', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite', { checkResponses: true });
  });
  afterAll(async () => {
    await app.close();
  });

  it('describes every route the app serves, and no route it does not serve', () => {
    // The web UI's pages are outside the document, which describes the JSON API (docs/ui.md).
    const served = listRoutes(app.tf.app)
      .filter((r) => !webUiPath.test(r.path))
      .map((r) => `${r.method} ${openApiPath(r.path)}`);
    const documented = Object.entries(openApiDocument().paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(served.sort());
  });

  it('is served at GET /api/openapi.json to anyone, token or not', async () => {
    const anonymous = await app.http.get('/api/openapi.json');
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers['content-type']).toMatch(/^application\/json/);
    expect(anonymous.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(anonymous.body.openapi).toBe('3.1.0');
    const withToken = await app.http
      .get('/api/openapi.json')
      .set((await tokenFor(app, 'agent')).auth);
    expect(withToken.status).toBe(200);
  });

  it('names the bearer scheme, the request bodies and each problem type', () => {
    const doc = openApiDocument();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const post = doc.paths['/api/tickets/{id}/commands']?.post as {
      requestBody: { content: Record<string, { schema: unknown }> };
      security: unknown;
      responses: Record<string, unknown>;
    };
    expect(post.requestBody.content['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/Command',
    });
    expect(post.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(post.responses)).toEqual(
      expect.arrayContaining(['200', '401', '409', '412', '422', '428', 'default']),
    );
    expect(doc.paths['/api/openapi.json']?.get).toMatchObject({ security: [] });
  });

  it('lists every problem title the API answers with', () => {
    // Every literal `title: '...'` of a problem in src/api and src/server.
    const titles = new Set<string>();
    for (const dir of ['src/api', 'src/server']) {
      const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'openapi.ts');
      for (const file of files) {
        for (const m of readFileSync(`${dir}/${file}`, 'utf8').matchAll(/title: '([^']+)'/g)) {
          titles.add(m[1]!);
        }
      }
    }
    titles.add('User error');
    titles.add('User exists');
    const listed = problemTypes.map((p) => p.title);
    expect([...titles].filter((t) => !listed.includes(t))).toEqual([]);
  });

  it('serves a reference page at /api/docs that passes the CSP: no inline script or style', async () => {
    const page = await app.http.get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    // Every script has a src on this origin; no inline script, handler or style.
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/api\/docs\/[\w.]+"/);
      expect(body!.trim()).toBe('');
    }
    expect(page.text).not.toMatch(/<style|\sstyle=|\son\w+=|https?:\/\//);
    const script = await app.http.get('/api/docs/docs.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toContain("fetch('/api/openapi.json')");
    const css = await app.http.get('/api/docs/docs.css');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const missing = await app.http.get('/api/docs/secrets.txt');
    expect(missing.status).toBe(404);
  });

  it('fails an answer that does not match the document', async () => {
    const created = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=5')
      .send({ description: 'printer jam', requester: { email: 'ann@example.com' } });
    const url = `/api/tickets/${created.body.id}`;
    const real = await app.http.get(url);
    expect(documentViolations('GET', url, real)).toEqual([]);

    const answer = (body: unknown, status = 200, type = 'application/json') => ({
      status,
      headers: { 'content-type': type },
      body,
    });
    const withoutStatus: Record<string, unknown> = { ...real.body };
    delete withoutStatus.status;
    expect(documentViolations('GET', url, answer(withoutStatus)).join()).toMatch(/status/);
    expect(documentViolations('GET', url, answer({ ...real.body, version: '3' })).join()).toMatch(
      /version must be integer/,
    );
    expect(documentViolations('GET', url, answer({ ...real.body, secret: 'x' })).join()).toMatch(
      /additional properties/,
    );
    expect(documentViolations('GET', url, answer(real.body, 200, 'text/html'))).not.toEqual([]);
    expect(documentViolations('GET', url, answer({ title: 'Gone' }, 410))).not.toEqual([]);
    expect(documentViolations('GET', '/api/nothing', answer({}))).toEqual([
      'GET /api/nothing (200) is not in the document',
    ]);
  });
});
