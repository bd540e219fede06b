import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { generateKeys, parseVerifierKey, verifyAll } from '../../src/audit/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';

type Auth = { Authorization: string };
const ann = { email: 'ann.smith@example.com', name: 'Ann Smith' };
const bob = { email: 'bob@example.com', name: 'Bob Jones' };
/** Sentences only Ann's tickets hold, and what was said on them. */
const annSentences = [
  'The datacenter network is down in building B near the aquarium',
  'My printer on the fourth floor prints purple stripes since Tuesday',
  'I forgot my password after the holiday in Lisbon',
];
const samReply = 'We are rebooting the core switch next to the aquarium';
const bobSentence = 'The VPN client crashes when the laptop wakes from sleep';

/** Every row of every table of the database as text, table by table. */
async function everyTable(db: Database): Promise<Map<string, string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const dump = new Map<string, string>();
  for (const { name } of tables) {
    const { rows } = await db.query(`SELECT * FROM "${name}"`);
    dump.set(name, JSON.stringify(rows));
  }
  return dump;
}

function tablesHolding(dump: Map<string, string>, needle: string): string[] {
  return [...dump]
    .filter(([, text]) => text.toLowerCase().includes(needle.toLowerCase()))
    .map(([n]) => n);
}

describe.each(databaseKinds)('erasing a person on %s', (kind) => {
  let app: TestApp;
  let admin: Auth;
  let auditor: Auth;
  let sam: Auth;
  const keys = generateKeys('privacy.test/log');
  const annTickets: string[] = [];
  let bobTicket: string;

  const file = async (requester: typeof ann, description: string) => {
    const res = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ description, requester });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; version: number; status: string };
  };
  const verifyLog = async () => {
    await app.tf.store.awaitVisible?.(30_000);
    await app.tf.audit!.runOnce({ force: true });
    return verifyAll(app.db, { key: parseVerifierKey(keys.verifier) });
  };

  beforeAll(async () => {
    app = await startTestApp(kind, {
      checkResponses: true,
      env: {
        AUDIT_SIGNING_KEY: keys.signer,
        // A webhook receiver that never answers: its deliveries wait in the queue with their bodies.
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1',
      },
    });
    admin = (await tokenFor(app, 'admin', { email: 'ada@example.com' })).auth;
    const endpoint = await app.http
      .post('/api/webhooks')
      .set(admin)
      .send({ url: 'http://127.0.0.1:1/hooks' });
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
    auditor = (await tokenFor(app, 'auditor')).auth;
    sam = (await tokenFor(app, 'agent', { email: 'sam@example.com', levels: [2, 3] })).auth;
    for (const sentence of annSentences) annTickets.push((await file(ann, sentence)).id);
    bobTicket = (await file(bob, bobSentence)).id;
    const escalated = await app.http.get(`/api/tickets/${annTickets[0]}`).set(sam);
    expect(escalated.body.status).toBe('escalated');
    let version = escalated.body.version as number;
    for (const body of [{ type: 'claim' }, { type: 'reply', body: samReply }]) {
      const res = await app.http
        .post(`/api/tickets/${annTickets[0]}/commands`)
        .set(sam)
        .set('If-Match', `"${version}"`)
        .send(body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      version = res.body.ticket.version;
    }
    await app.tf.projector.catchUp();
    // Wait until the queue holds Ann's events (a scanner writes them as it reads the log).
    for (let i = 0; i < 600; i++) {
      const { rows } = await app.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM tf_webhook_deliveries WHERE stream_id = $1 AND state <> 'delivered'`,
        [`ticket-${annTickets[0]}`],
      );
      if (rows[0]!.n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    await app?.close();
  });

  it('exports every ticket and event held about the person', async () => {
    const res = await app.http.post('/api/privacy/exports').set(admin).send({ email: ann.email });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect([...res.body.tickets].sort()).toEqual([...annTickets].sort());
    let events = 0;
    for (const id of annTickets) events += (await app.tf.store.readStream(`ticket-${id}`)).length;
    expect(res.body.events).toHaveLength(events);
    expect(JSON.stringify(res.body.events)).toContain(annSentences[1]);
    expect(JSON.stringify(res.body.events)).not.toContain(bobSentence);
    expect(res.body.readModels.tickets).toHaveLength(3);
  });

  it('leaves the stored events sealed: no plaintext of anyone in tf_events', async () => {
    const { rows } = await app.db.query(`SELECT data, metadata FROM tf_events`);
    const text = JSON.stringify(rows);
    for (const needle of [ann.email, ann.name, bob.email, ...annSentences, samReply, bobSentence])
      expect(text).not.toContain(needle);
  });

  it('erases: no table holds their address or sentences, the log verifies, timelines say who erased and when, others are untouched', async () => {
    expect((await verifyLog()).findings).toEqual([]);
    const before = await everyTable(app.db);
    expect(tablesHolding(before, ann.email).length).toBeGreaterThan(0);
    // Undelivered webhook bodies held Ann's sentences before the erasure.
    expect(tablesHolding(before, annSentences[1]!)).toContain('tf_webhook_deliveries');

    const res = await app.http.post('/api/privacy/erasures').set(admin).send({ email: ann.email });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ erased: true, tickets: 3 });
    await app.tf.projector.catchUp();

    const after = await everyTable(app.db);
    for (const needle of [ann.email, ann.name, ...annSentences, samReply])
      expect(tablesHolding(after, needle), needle).toEqual([]);
    // Bob's ticket is untouched, in its read model and in the webhook queue alike.
    expect(tablesHolding(after, bobSentence)).toEqual(['tf_tickets', 'tf_webhook_deliveries']);

    const report = await verifyLog();
    expect(report.findings).toEqual([]);
    expect(report.events).toBeGreaterThan(0);

    const timeline = await app.http.get(`/api/tickets/${annTickets[0]}/timeline`).set(auditor);
    expect(timeline.status).toBe(200);
    const received = timeline.body.entries[0];
    expect(received.data.description).toBe(`[erased:${res.body.subjectId}]`);
    expect(received.erased).toEqual([
      {
        subjectId: res.body.subjectId,
        paths: expect.arrayContaining(['data.description', 'data.requester.email']),
        erasure: { at: res.body.erasedAt, by: 'ada@example.com', basis: 'data_subject_request' },
      },
    ]);
    const reply = timeline.body.entries.find((e: { type: string }) => e.type === 'AgentReplied');
    expect(reply.actor.id).toBe('sam@example.com');
    expect(reply.data.body).toBe(`[erased:${res.body.subjectId}]`);

    const bobs = await app.http.get(`/api/tickets/${bobTicket}`).set(sam);
    expect(bobs.body.description).toBe(bobSentence);

    for (const projection of ['tickets', 'responses', 'status_history', 'users']) {
      const verified = await app.tf.projector.verify(projection);
      expect(verified.differences, JSON.stringify(verified.differences)).toEqual([]);
    }
  });

  it('answers a second erasure of the same address with nothing held, and writes nothing', async () => {
    const res = await app.http.post('/api/privacy/erasures').set(admin).send({ email: ann.email });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ erased: false });
  });

  it('refuses bad input and other roles', async () => {
    const bad = await app.http.post('/api/privacy/erasures').set(admin).send({ email: 'nope' });
    expect(bad.status).toBe(422);
    const basis = await app.http
      .post('/api/privacy/erasures')
      .set(admin)
      .send({ email: bob.email, basis: 'because' });
    expect(basis.status).toBe(422);
    expect(
      (await app.http.post('/api/privacy/erasures').set(sam).send({ email: bob.email })).status,
    ).toBe(403);
    expect((await app.http.post('/api/privacy/exports').send({ email: bob.email })).status).toBe(
      401,
    );
  });
});
