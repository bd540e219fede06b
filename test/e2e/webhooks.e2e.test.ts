import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { openPostgres, type Database } from '../../src/db/index.ts';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { createUserDirectory } from '../../src/auth/index.ts';
import { startReceiver, until, type Received, type Receiver } from '../support/webhookReceiver.ts';
import { startServerProcess, type ServerProcess } from './serverProcess.ts';

const serverUrl = process.env.TEST_DATABASE_URL;

/**
 * Two server processes on one PostgreSQL schema deliver to one receiver; the one that started
 * first (it leads the scanner and the projections) is SIGKILLed in the middle of deliveries and
 * started again. Afterwards every ticket event has arrived, first arrivals keep per-ticket order,
 * and the only duplicates are repeats of a webhook-id (what a lease that ran out re-sends).
 */
describe.skipIf(!serverUrl)('webhooks from two processes, one SIGKILLed mid-delivery', () => {
  const schema = `tf_e2e_hooks_${randomBytes(5).toString('hex')}`;
  const servers: ServerProcess[] = [];
  const dataDirs: string[] = [];
  let receiver: Receiver;
  let db: Database;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    await receiver?.stop();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.close();
    await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function start(): Promise<ServerProcess> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-hooks-'));
    dataDirs.push(dataDir);
    const server = await startServerProcess({
      DATA_DIR: dataDir,
      DATABASE_URL: serverUrl!,
      DATABASE_SCHEMA: schema,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1',
      WEBHOOK_LEASE_MS: '2000',
      WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s,1s,1s',
      WEBHOOK_POLL_MS: '50',
    });
    servers.push(server);
    return server;
  }

  it('delivers every event once at least, in per-ticket order', { timeout: 240_000 }, async () => {
    const first = await start();
    const second = await start();
    db = await openPostgres({ connectionString: serverUrl!, schema });
    const store = createPostgresEventStore(db);
    const users = createUserDirectory(store);
    const setup = { id: 'e2e', role: 'admin' as const };
    await users.create({ email: 'ida@example.com', role: 'integrator' }, setup);
    const { token } = await users.issueToken('ida@example.com', {}, setup);
    await store.close();
    const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const created = await fetch(`${first.url}/api/webhooks`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ url: receiver.url }),
    });
    expect(created.status).toBe(201);
    const hook = (await created.json()) as { id: string; secret: string; createdPosition: number };

    const file = (url: string, n: number) =>
      fetch(`${url}/api/tickets`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          description: `vpn broken on laptop ${n}`,
          requester: { email: `r${n}@example.com` },
        }),
      }).catch(() => null);
    for (let n = 0; n < 20; n++) await file(n % 2 ? second.url : first.url, n);
    await until(() => receiver.accepted.length >= 20, 'deliveries under way', 60_000);
    await first.kill('SIGKILL');
    for (let n = 20; n < 30; n++) await file(second.url, n);
    await start();

    const expected = async () =>
      (
        await db.query<{ event_id: string }>(
          `SELECT event_id FROM tf_events WHERE stream_id LIKE 'ticket-%' AND position > $1`,
          [hook.createdPosition],
        )
      ).rows.map((r) => r.event_id);
    // The workflow settles (classification, answers), then every event has arrived.
    let want: string[] = [];
    await until(
      async () => {
        want = await expected();
        const got = new Set(receiver.accepted.map((r) => r.event.id));
        return want.length > 0 && want.every((id) => got.has(id));
      },
      'every ticket event delivered',
      150_000,
    );
    const firsts = new Map<string, Received>();
    for (const r of receiver.accepted) if (!firsts.has(r.event.id)) firsts.set(r.event.id, r);
    const versions = new Map<string, number>();
    for (const r of firsts.values()) {
      expect(r.event.tfstreamversion).toBeGreaterThan(versions.get(r.event.subject) ?? 0);
      versions.set(r.event.subject, r.event.tfstreamversion);
    }
    const verifier = new Webhook(hook.secret);
    for (const r of receiver.received) {
      expect(firsts.get(r.headers['webhook-id']!)?.body).toBe(r.body);
      verifier.verify(r.body, r.headers);
    }
    const duplicates = receiver.accepted.length - firsts.size;
    console.log(
      `webhooks e2e: ${want.length} events, ${receiver.accepted.length} accepted, ${duplicates} duplicates`,
    );
  });
});
