import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, openPostgres, type Database } from '../../src/db/index.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy.ts';

const serverUrl = process.env.TEST_DATABASE_URL;

/** How long a call took, and what it threw (if it did). */
async function timed(work: () => Promise<unknown>): Promise<{ ms: number; error?: unknown }> {
  const started = Date.now();
  try {
    await work();
    return { ms: Date.now() - started };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (await check().catch(() => false)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not within ${withinMs} ms`);
}

/** The PostgreSQL adapter when the link to the server breaks (a proxy in between). */
describe.skipIf(!serverUrl)('PostgreSQL behind a failing link', () => {
  let proxy: TcpProxy;
  let db: Database;
  const schema = `tf_faults_${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    const target = new URL(serverUrl!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    db = await openPostgres({
      connectionString: proxy.url(serverUrl!),
      schema,
      connectTimeoutMs: 500,
      queryTimeoutMs: 500,
    });
  });
  afterEach(() => {
    proxy.refuse = false;
    proxy.blackhole = false;
  });
  afterAll(async () => {
    await db?.close();
    await proxy?.close();
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => admin.end());
  });

  it('answers DatabaseUnavailableError at once while connections are cut and refused, then recovers', async () => {
    await db.query('SELECT 1');
    proxy.refuse = true;
    proxy.cut();
    const down = await timed(() => db.query('SELECT 1'));
    expect(down.error).toBeInstanceOf(DatabaseUnavailableError);
    expect(down.ms).toBeLessThan(1500);
    const inTransaction = await timed(() => db.transaction((tx) => tx.query('SELECT 1')));
    expect(inTransaction.error).toBeInstanceOf(DatabaseUnavailableError);
    proxy.refuse = false;
    await eventually(async () => (await db.query('SELECT 1')).rows.length === 1, 3000);
  });

  it('times out statements in a black hole, and gives no stuck connection back to the pool', async () => {
    await db.query('SELECT 1');
    proxy.blackhole = true;
    const [query, transaction] = await Promise.all([
      timed(() => db.query('SELECT 1')),
      timed(() => db.transaction((tx) => tx.query('SELECT 1'))),
    ]);
    for (const outcome of [query, transaction]) {
      expect(outcome.error).toBeInstanceOf(DatabaseUnavailableError);
      expect(outcome.ms).toBeLessThan(2500);
    }
    proxy.blackhole = false;
    // Ten in a row: a connection left with a hung statement would make one of them time out.
    await eventually(async () => {
      for (let i = 0; i < 10; i++) await db.transaction((tx) => tx.query('SELECT 1'));
      return true;
    }, 5000);
  });

  it('keeps a LISTEN across a cut: the listener hears NOTIFYs sent after the link is back', async () => {
    const heard: string[] = [];
    const unlisten = await db.listen('tf_fault_probe', (payload) => heard.push(payload));
    try {
      proxy.cut();
      const direct = new pg.Client({ connectionString: serverUrl });
      await direct.connect();
      try {
        const ms = await eventually(async () => {
          await direct.query(`SELECT pg_notify('tf_fault_probe', 'after-cut')`);
          await new Promise((r) => setTimeout(r, 100));
          return heard.includes('after-cut');
        }, 10_000);
        expect(ms).toBeLessThan(10_000);
      } finally {
        await direct.end();
      }
    } finally {
      await unlisten();
    }
  });
});
