import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { openPglite } from '../../src/db/index.ts';
import { startServerProcess } from './serverProcess.ts';

/** This machine's first address that is not loopback (the one a neighbour would connect to). */
function outsideAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === 'IPv4')?.address;
}

function tcpReachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

describe('where the server listens', () => {
  const outside = outsideAddress();

  it.skipIf(!outside)('only on loopback when HOST is not set', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-listen-'));
    const seed = await openPglite({
      dataDir: path.join(dataDir, 'pglite'),
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await seed.close();
    // An empty HOST is no HOST: the configuration's default applies.
    const server = await startServerProcess({ DATA_DIR: dataDir, HOST: '' });
    try {
      const port = Number(new URL(server.url).port);
      expect(await tcpReachable('127.0.0.1', port)).toBe(true);
      expect(await tcpReachable(outside!, port)).toBe(false);
    } finally {
      await server.kill('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('on every interface in the container images, which publish the port', async () => {
    const root = new URL('../..', import.meta.url).pathname;
    expect(await readFile(path.join(root, 'Dockerfile'), 'utf8')).toMatch(
      /^ENV .*\bHOST=0\.0\.0\.0\b/m,
    );
    expect(await readFile(path.join(root, 'compose.yaml'), 'utf8')).toMatch(
      /^\s+HOST: '0\.0\.0\.0'$/m,
    );
  });
});
