import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from './serverProcess.ts';

/**
 * The production start (README, "Production start"): `npm run build` compiles to dist/ and
 * `node dist/src/main.js` serves without tsx, with the files the modules read next to
 * themselves (the API reference page, the prompts) copied along.
 */
describe('npm run build, then the compiled server', () => {
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { maxBuffer: 1 << 24 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-prod-'));
    server = await startServerProcess({ DATA_DIR: dataDir }, ['dist/src/main.js']);
  }, 300_000);

  afterAll(async () => {
    await server?.kill('SIGTERM');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('runs from dist/ with no TypeScript loader', async () => {
    expect(existsSync('dist/src/main.js')).toBe(true);
    // The process is node with the compiled entry point and nothing that compiles at start.
    expect(server.child.spawnargs.slice(1)).toEqual(['dist/src/main.js']);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
  });

  it('serves the reference page and the OpenAPI document it reads from its own directory', async () => {
    const page = await fetch(`${server.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>ticketflow API</title>');
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      openapi: string;
    };
    expect(doc.openapi).toMatch(/^3\.1/);
  });

  it('takes a ticket and settles it, as npm start does', async () => {
    const res = await fetch(`${server.url}/api/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'wait=10' },
      body: JSON.stringify({
        description: 'I forgot my password and cannot log in',
        requester: { email: 'ann@example.com' },
      }),
    });
    expect(res.status).toBe(201);
    const ticket = (await res.json()) as { status: string };
    expect(['answered', 'escalated']).toContain(ticket.status);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await server.kill('SIGTERM')).toBe(0);
  });
});
