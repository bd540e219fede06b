import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { openPglite } from '../../src/db/index.ts';
import { startServerProcess, type ServerProcess } from './serverProcess.ts';

/** Anything shaped like one of our API tokens (src/auth/tokens.ts: `tf_` + 43 base64url). */
const anyToken = /tf_[A-Za-z0-9_-]{20,}/;

function quietConsole(lines: string[]): Console {
  return { log: (s: string) => lines.push(s), error: () => undefined } as unknown as Console;
}

/**
 * The operator's promise: whatever a client sends, no credential ends up in the server's log.
 * A real server process at LOG_LEVEL=info, its whole stdout and stderr searched afterwards.
 */
describe('the log of a real server run', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let log = '';
  const secrets: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-logs-'));
    // A fresh install, minus initdb's seconds: the data directory starts from the suite's dump.
    const seed = await openPglite({
      dataDir: path.join(dataDir, 'pglite'),
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await seed.close();
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const cli = (args: string[], lines: string[] = []) => runCli(args, env, quietConsole(lines));
    expect(await cli(['users', 'create', '--email', 'admin@example.com', '--role', 'admin'])).toBe(
      0,
    );
    const issued: string[] = [];
    expect(await cli(['tokens', 'create', '--email', 'admin@example.com'], issued)).toBe(0);
    secrets.push(issued.at(-1)!);
  });

  afterAll(async () => {
    await server?.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'holds the request lines but no token, cookie or key, whatever the requests carried',
    { timeout: 120_000 },
    async () => {
      const adminToken = secrets[0]!;
      server = await startServerProcess({
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        // A webhook target nothing listens on: its failed deliveries are logged too.
        WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1',
      });
      const call = (url: string, init: RequestInit = {}) => fetch(`${server!.url}${url}`, init);
      const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

      // A second token, issued through the API (the token travels in a response body).
      const created = await call('/api/users', {
        method: 'POST',
        headers: { ...bearer(adminToken), 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'agent@example.com', role: 'agent', levels: [1] }),
      });
      expect(created.status).toBe(201);
      const { id: agentId } = (await created.json()) as { id: string };
      const tokenResponse = await call(`/api/users/${agentId}/tokens`, {
        method: 'POST',
        headers: { ...bearer(adminToken), 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(tokenResponse.status).toBe(201);
      const agentToken = ((await tokenResponse.json()) as { token: string }).token;
      secrets.push(agentToken);
      const forged = `tf_${'x'.repeat(43)}`;
      secrets.push(forged);

      expect((await call('/api/users', { headers: bearer(adminToken) })).status).toBe(200);
      expect((await call('/api/queues/1', { headers: bearer(agentToken) })).status).toBe(200);
      expect((await call('/api/tickets', { headers: bearer(forged) })).status).toBe(401);
      expect(
        (await call('/api/users', { headers: { Cookie: `session=${adminToken}` } })).status,
      ).toBe(401);
      await call('/api/users', { headers: { 'X-Api-Key': agentToken } });
      await call('/api/users', { headers: { 'Proxy-Authorization': `Bearer ${agentToken}` } });
      // A token where it does not belong: in the query string of a URL.
      await call(`/api/tickets?access_token=${agentToken}`);
      // Failing requests carrying the token: malformed JSON, a broken path, an unknown route.
      const failing = await call('/api/tickets', {
        method: 'POST',
        headers: { ...bearer(adminToken), 'Content-Type': 'application/json' },
        body: `{"description": "${adminToken}`,
      });
      expect(failing.status).toBe(400);
      await call('/api/tickets/%ZZ', { headers: bearer(agentToken) });
      await call(`/nowhere/${agentToken}`, { headers: bearer(agentToken) });

      // A webhook secret travels in a response body; deliveries to a dead target get logged.
      const hook = await call('/api/webhooks', {
        method: 'POST',
        headers: { ...bearer(adminToken), 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: 'https://127.0.0.1:1/hook' }),
      });
      expect(hook.status).toBe(201);
      const { secret } = (await hook.json()) as { secret: string };
      expect(secret).toMatch(/^whsec_/);
      secrets.push(secret);
      // A token typed into the web sign-in form (refused: no CSRF token).
      await call('/signin', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `token=${agentToken}`,
      });

      await server.kill('SIGTERM');
      log = server.output();

      for (const secret of secrets) expect(log).not.toContain(secret);
      expect(log).not.toMatch(anyToken);
      expect(log).not.toMatch(/whsec_[A-Za-z0-9+/=]{20,}/);
      // Not vacuous: the requests were logged, with their headers.
      expect(log).toMatch(/"url":"\/api\/users"/);
      expect(log).toMatch(/"statusCode":401/);
      expect(log).toMatch(/"statusCode":400/);
      expect(log).toMatch(/"authorization":"\[redacted\]"/);
    },
  );
});
