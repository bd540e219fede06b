import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { ticketMachine, type TicketContext } from '../../machines/index.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';

/**
 * A rule tightened after the fact: from now on only a confidence of 0.99 answers by itself.
 * History written under the old rule is a fact and must read, replay and project as it did.
 */
const stricter = ticketMachine.provide({
  guards: {
    canAutoAnswer: ({ context }: { context: TicketContext }) =>
      (context.classification?.confidence ?? 0) >= 0.99,
    goesToPeople: ({ context }: { context: TicketContext }) =>
      (context.classification?.confidence ?? 0) < 0.99,
  },
});

const password = { description: 'I forgot my password', requester: { email: 'ann@example.com' } };

describe.each(databaseKinds)('a rule tightened after tickets were decided, on %s', (kind) => {
  let db: Database;
  let app: TestApp;
  let ticketId: string;
  const before: Record<string, unknown> = {};

  const readModel = async (id: string) => ({
    row: (await db.query(`SELECT status, level, confidence FROM tf_tickets WHERE id = $1`, [id]))
      .rows[0],
    history: (
      await db.query(
        `SELECT version, from_status, to_status FROM tf_status_history WHERE ticket_id = $1 ORDER BY version`,
        [id],
      )
    ).rows,
  });

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    // Under today's rules (threshold 0.7) the scripted model's 0.92 answers the ticket.
    app = await startTestApp(kind, { db });
    const created = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send(password)
      .expect(201);
    ticketId = created.body.id;
    expect(created.body.status).toBe('answered');
    before.view = (await app.http.get(`/api/tickets/${ticketId}`).expect(200)).body;
    before.state = (
      await app.http.get(`/api/tickets/${ticketId}/state?version=5`).expect(200)
    ).body;
    await app.tf.projector.catchUp();
    before.readModel = await readModel(ticketId);
    await app.close();
    app = await startTestApp(kind, { db, rules: stricter });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  it('reads and replays the old ticket exactly as before', async () => {
    expect((await app.http.get(`/api/tickets/${ticketId}`).expect(200)).body).toEqual(before.view);
    expect(
      (await app.http.get(`/api/tickets/${ticketId}/state?version=5`).expect(200)).body,
    ).toEqual(before.state);
  });

  it('projects the old ticket as before, after a rebuild from zero', async () => {
    for (const name of ['tickets', 'status_history']) await app.tf.projector.rebuild(name);
    await app.tf.projector.catchUp();
    expect(await readModel(ticketId)).toEqual(before.readModel);
  });

  it('decides a new ticket under the new rule', async () => {
    const created = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send(password)
      .expect(201);
    expect(created.body).toMatchObject({ status: 'escalated', escalation: { level: 1 } });
  });

  it('records with each event the version of the rules that decided it', async () => {
    const { body } = await app.http.get(`/api/tickets/${ticketId}/events`).expect(200);
    expect(
      body.events.map((e: { metadata: { machineVersion?: number } }) => e.metadata.machineVersion),
    ).toEqual([2, 2, 2, 2, 2]);
  });
});
