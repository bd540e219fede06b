import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { openPglite } from '../../src/db/index.ts';
import { startServerProcess, type ServerProcess } from '../e2e/serverProcess.ts';

const requester = { email: 'Logged.Person@example.com', name: 'Loggy McLogface' };
const sentences = [
  'The badge reader at the loading dock rejects my card since Monday',
  'Nobody can open the loading dock door for the delivery',
];

function quietConsole(lines: string[]): Console {
  return { log: (s: string) => lines.push(s), error: () => undefined } as unknown as Console;
}

/**
 * Logs hold no personal data (docs/privacy.md, "Logs"): a real server process at LOG_LEVEL=debug
 * takes a ticket, a bad request carrying the same data, a reply, an export and an erasure; its
 * whole output is then searched for the requester's address, name and sentences.
 */
describe("a real server run's log", () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let adminToken = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-privacy-logs-'));
    const seed = await openPglite({
      dataDir: path.join(dataDir, 'pglite'),
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await seed.close();
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const lines: string[] = [];
    expect(
      await runCli(
        ['users', 'create', '--email', 'admin@example.com', '--role', 'admin'],
        env,
        quietConsole([]),
      ),
    ).toBe(0);
    expect(
      await runCli(['tokens', 'create', '--email', 'admin@example.com'], env, quietConsole(lines)),
    ).toBe(0);
    adminToken = lines.at(-1)!;
  });

  afterAll(async () => {
    await server?.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    "holds the requests but none of the requester's address, name or sentences",
    { timeout: 120_000 },
    async () => {
      server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'debug' });
      const json = (body: unknown, headers: Record<string, string> = {}) => ({
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const call = (url: string, init: RequestInit = {}) => fetch(`${server!.url}${url}`, init);
      const admin = { Authorization: `Bearer ${adminToken}` };

      const filed = await call(
        '/api/tickets',
        json(
          { subject: sentences[1], description: sentences[0], requester },
          { Prefer: 'wait=10' },
        ),
      );
      expect(filed.status).toBe(201);
      const bad = await call(
        '/api/tickets',
        json({ description: sentences[0], requester, extra: sentences[1] }),
      );
      expect(bad.status).toBe(422);
      const refused = await call(
        '/api/tickets',
        json({ description: 42, requester: { email: requester.email } }),
      );
      expect(refused.status).toBe(422);
      const exported = await call('/api/privacy/exports', json({ email: requester.email }, admin));
      expect(exported.status).toBe(200);
      expect(JSON.stringify(await exported.json())).toContain(sentences[0]);
      const erased = await call('/api/privacy/erasures', json({ email: requester.email }, admin));
      expect(erased.status).toBe(200);

      await server.kill('SIGTERM');
      const log = server.output().toLowerCase();
      expect(log).toMatch(/"url":"\/api\/privacy\/erasures"/); // not vacuous: requests are logged
      for (const needle of [requester.email, requester.name, ...sentences])
        expect(log, needle).not.toContain(needle.toLowerCase());
    },
  );
});
