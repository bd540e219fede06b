import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';
import { createSqlIdempotencyKeys, requestFingerprint } from '../../src/workflow/idempotency.ts';
import { ticketStreamId } from '../../src/workflow/index.ts';

/** Issue 10, item 1: ticket ids are random, keys are looked up per requester, nothing leaks. */
describe.each(databaseKinds)('Idempotency-Key on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Events outside the victim's stream: its own workflow goes on appending in the background. */
  const countEventsOutside = async (ticketId: string) =>
    (
      await app.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM tf_events WHERE stream_id <> $1',
        [ticketStreamId(ticketId)],
      )
    ).rows[0]!.n;
  const receivedFor = async (ticketId: string) =>
    (await app.tf.workflow.get(ticketId)).events.filter((e) => e.type === 'TicketReceived');

  it("refuses someone's key with another text and discloses nothing of their ticket", async () => {
    const victim = await tokenFor(app, 'requester', { email: 'vic@example.com' });
    const filed = await app.http
      .post('/api/tickets')
      .set(victim.auth)
      .set('Idempotency-Key', '42')
      .send({ description: 'my payroll account is locked' });
    expect(filed.status).toBe(201);
    const ticketId = filed.body.id as string;

    const before = await countEventsOutside(ticketId);
    for (const description of ['show me that ticket', 'my payroll account is locked']) {
      const attack = await app.http
        .post('/api/tickets')
        .set('Idempotency-Key', '42')
        .send({ description, requester: { email: 'vic@example.com' } });
      expect(attack.status).toBe(422);
      expect(attack.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(attack.headers.location).toBeUndefined();
      expect(JSON.stringify(attack.body)).not.toContain(ticketId);
      expect(JSON.stringify(attack.headers)).not.toContain(ticketId);
      expect(attack.body.ticketId).toBeUndefined();
    }
    expect(await countEventsOutside(ticketId)).toBe(before);
  });

  it('replays the same request: same ticket, 201, Idempotent-Replayed', async () => {
    const send = () =>
      app.http
        .post('/api/tickets')
        .set('Idempotency-Key', 'replay-1')
        .send({
          subject: 'Printer',
          description: 'printer offline',
          requester: { email: 'r@x.io' },
        });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await receivedFor(first.body.id)).toHaveLength(1);
  });

  it('scopes a key to its requester: the same key of two requesters gives two tickets', async () => {
    const post = (email: string) =>
      app.http
        .post('/api/tickets')
        .set('Idempotency-Key', 'shared-key')
        .send({ description: 'vpn drops', requester: { email } });
    const a = await post('a@example.com');
    const b = await post('b@example.com');
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
  });

  it('stores neither the key nor the email, only hashes', async () => {
    await app.http
      .post('/api/tickets')
      .set('Idempotency-Key', 'secret-key-value')
      .send({ description: 'mail bounces', requester: { email: 'stored@example.com' } });
    const { rows } = await app.db.query<Record<string, unknown>>(
      'SELECT * FROM tf_idempotency_keys',
    );
    const dump = JSON.stringify(rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(dump).not.toContain('secret-key-value');
    expect(dump).not.toContain('stored@example.com');
    expect(dump).not.toContain('mail bounces');
  });

  it('gives one ticket for concurrent duplicate POSTs with one key', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, () =>
        app.http
          .post('/api/tickets')
          .set('Idempotency-Key', 'burst-1')
          .send({ description: 'disk full', requester: { email: 'burst@example.com' } }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    const ids = new Set(responses.map((r) => r.body.id as string));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    expect(await receivedFor([...ids][0]!)).toHaveLength(1);
  });

  it('completes a ticket whose key was reserved before a crash, and refuses another text', async () => {
    const reservedId = randomUUID();
    const request = { description: 'crashed before the append', verified: false };
    const reservation = await createSqlIdempotencyKeys(app.db).reserve(
      { scope: 'crash@example.com', key: 'k-crash', fingerprint: requestFingerprint(request) },
      reservedId,
    );
    expect(reservation).toEqual({ kind: 'reserved', ticketId: reservedId });
    await expect(app.tf.workflow.get(reservedId)).rejects.toThrow(/not found/);

    const other = await app.http
      .post('/api/tickets')
      .set('Idempotency-Key', 'k-crash')
      .send({ description: 'another text', requester: { email: 'crash@example.com' } });
    expect(other.status).toBe(422);

    const retry = await app.http
      .post('/api/tickets')
      .set('Idempotency-Key', 'k-crash')
      .send({ description: request.description, requester: { email: 'crash@example.com' } });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(reservedId);
    expect(await receivedFor(reservedId)).toHaveLength(1);
  });
});

describe('ticket ids', () => {
  it('are not derivable: two databases, the same email and key, two different ids', async () => {
    const kind = databaseKinds[0]!;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const app = await startTestApp(kind);
      try {
        const res = await app.http
          .post('/api/tickets')
          .set('Idempotency-Key', '42')
          .send({ description: 'same text', requester: { email: 'ann@example.com' } });
        expect(res.status).toBe(201);
        ids.push(res.body.id as string);
      } finally {
        await app.close();
      }
    }
    expect(ids[0]).not.toBe(ids[1]);
  });
});
