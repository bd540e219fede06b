import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketAnomalies } from '../../src/cli/ticketsCheck.ts';
import { databaseKinds } from '../support/databases.ts';
import { tamper } from '../support/tamper.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';

/**
 * A stream edited behind the product's back (an event deleted in SQL) still reads: every stored
 * event is shown as stored, the ticket is folded as far as the machine can place its events, and
 * the check command names what it could not place.
 */
describe.each(databaseKinds)('a damaged ticket stream on %s', (kind) => {
  let app: TestApp;
  let ticketId: string;

  beforeAll(async () => {
    app = await startTestApp(kind);
    const created = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ description: 'I forgot my password', requester: { email: 'ann@example.com' } })
      .expect(201);
    ticketId = created.body.id;
    expect(created.body.status).toBe('answered');
    await tamper(app.db, [
      {
        sql: `DELETE FROM tf_events WHERE stream_id = $1 AND version = 2`,
        params: [`ticket-${ticketId}`],
      },
    ]);
  });
  afterAll(() => app.close());

  it('returns the stored events as they are', async () => {
    const { body } = await app.http.get(`/api/tickets/${ticketId}/events`).expect(200);
    expect(body.events.map((e: { version: number }) => e.version)).toEqual([1, 3, 4, 5]);
  });

  it('still reads the ticket and its state at any version', async () => {
    const { body } = await app.http.get(`/api/tickets/${ticketId}`).expect(200);
    expect(body.status).toBe('received');
    await app.http.get(`/api/tickets/${ticketId}/state?version=4`).expect(200);
  });

  it('names each event the machine could not place', async () => {
    const { tickets, anomalies } = await findTicketAnomalies(app.tf.store);
    expect(tickets).toBe(1);
    expect(anomalies).toEqual([
      { ticketId, version: 3, type: 'TicketClassified', status: 'received' },
      { ticketId, version: 4, type: 'AnswerDraftStarted', status: 'received' },
      { ticketId, version: 5, type: 'AnswerDrafted', status: 'received' },
    ]);
  });

  it('is not moved on by the workflow', async () => {
    expect(await app.tf.resumeStuck(0)).toBe(0);
  });
});
