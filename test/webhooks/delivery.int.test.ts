import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';
import { startReceiver, until, type Receiver } from '../support/webhookReceiver.ts';

const env = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1',
  WEBHOOK_POLL_MS: '20',
};

/** The ticket events after `after`, as the log has them (what an endpoint must receive). */
async function ticketEventsAfter(app: TestApp, after: number) {
  const { rows } = await app.db.query<{ event_id: string; stream_id: string; version: number }>(
    `SELECT event_id, stream_id, version FROM tf_events
     WHERE position > $1 AND stream_id LIKE 'ticket-%' ORDER BY position`,
    [after],
  );
  return rows;
}

describe.each(databaseKinds)('webhook delivery on %s', (kind) => {
  let app: TestApp;
  let receiver: Receiver;
  let integrator: { Authorization: string };

  beforeAll(async () => {
    app = await startTestApp(kind, { env, checkResponses: true });
    receiver = await startReceiver();
    integrator = (await tokenFor(app, 'integrator')).auth;
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.stop();
  });

  it('delivers every ticket event signed, as CloudEvents, in per-ticket order', async () => {
    const created = await app.http
      .post('/api/webhooks')
      .set(integrator)
      .send({ url: receiver.url });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{43,}$/);
    const secret = created.body.secret as string;
    for (const description of ['vpn broken', 'printer jam', 'datacenter down']) {
      await app.http
        .post('/api/tickets')
        .set('Prefer', 'wait=10')
        .send({ description, requester: { email: 'ann@example.com' } });
    }
    await app.tf.store.awaitVisible?.();
    const expected = await ticketEventsAfter(app, created.body.createdPosition);
    expect(expected.length).toBeGreaterThan(6);
    await until(
      () => new Set(receiver.accepted.map((r) => r.event.id)).size === expected.length,
      'every event delivered',
    );
    // An independent implementation verifies every signature.
    const verifier = new Webhook(secret);
    for (const r of receiver.accepted) {
      expect(verifier.verify(r.body, r.headers)).toMatchObject({ specversion: '1.0' });
      expect(r.headers['webhook-id']).toBe(r.event.id);
      expect(r.headers['content-type']).toBe('application/cloudevents+json');
    }
    const first = receiver.accepted[0]!.event;
    expect(first).toMatchObject({
      type: 'io.ticketflow.ticket.received.v1',
      source: 'urn:ticketflow',
      datacontenttype: 'application/json',
    });
    // Per ticket, versions arrive in order.
    const seen = new Map<string, number>();
    for (const r of receiver.accepted) {
      const last = seen.get(r.event.subject) ?? 0;
      expect(r.event.tfstreamversion).toBeGreaterThan(last);
      seen.set(r.event.subject, r.event.tfstreamversion);
    }
    // The receiver has them; each try is recorded just after its answer.
    const deliveries = () =>
      app.http.get(`/api/webhooks/${created.body.id}/deliveries?limit=200`).set(integrator);
    await until(
      async () => (await deliveries()).body.items.length === expected.length,
      'every try recorded',
    );
    const log = await deliveries();
    expect(log.status).toBe(200);
    expect(log.body.items[0]).toMatchObject({ statusCode: 204, state: 'delivered' });
  });

  it("filters by event type and by the ticket's level as of each event", async () => {
    const typed = await startReceiver();
    const leveled = await startReceiver();
    const byType = await app.http
      .post('/api/webhooks')
      .set(integrator)
      .send({ url: typed.url, types: ['TicketReceived'] });
    const byLevel = await app.http
      .post('/api/webhooks')
      .set(integrator)
      .send({ url: leveled.url, levels: [3] });
    expect([byType.status, byLevel.status]).toEqual([201, 201]);
    const outage = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ description: 'datacenter down', requester: { email: 'ann@example.com' } });
    expect(outage.body.level).toBe(3);
    await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ description: 'vpn broken', requester: { email: 'ann@example.com' } });
    await app.tf.store.awaitVisible?.();
    const { rows } = await app.db.query<{ event_id: string; type: string; stream_id: string }>(
      `SELECT event_id, type, stream_id FROM tf_events WHERE position > $1 AND stream_id LIKE 'ticket-%'
       ORDER BY position`,
      [byLevel.body.createdPosition],
    );
    const received = rows.filter((r) => r.type === 'TicketReceived').map((r) => r.event_id);
    await until(() => typed.accepted.length === received.length, 'the TicketReceived events');
    expect(typed.accepted.map((r) => r.event.id)).toEqual(received);
    // Level 3: the outage's events from its classification on, nothing of the other ticket.
    const outageEvents = rows.filter((r) => r.stream_id === `ticket-${outage.body.id}`);
    const fromClassified = outageEvents
      .slice(outageEvents.findIndex((r) => r.type === 'TicketClassified'))
      .map((r) => r.event_id);
    await until(() => leveled.accepted.length === fromClassified.length, 'the level-3 events');
    expect(leveled.accepted.map((r) => r.event.id)).toEqual(fromClassified);
    await typed.stop();
    await leveled.stop();
  });

  it('refuses private and plain-http targets without the allow-list, writing nothing', async () => {
    const before = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tf_events');
    for (const url of ['https://10.0.0.1/hook', 'https://169.254.169.254/x', 'https://[::1]/']) {
      const res = await app.http.post('/api/webhooks').set(integrator).send({ url });
      expect(res.status).toBe(422);
      expect(res.body.title).toBe('Refused target');
    }
    const after = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tf_events');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it("counts deliveries in /metrics and hides other integrators' endpoints", async () => {
    const metrics = await app.http.get('/metrics');
    expect(metrics.text).toMatch(
      /ticketflow_webhook_deliveries_total\{endpoint="[^"]+",outcome="delivered"\} \d+/,
    );
    expect(metrics.text).toContain('ticketflow_webhook_lag_seconds');
    const other = (await tokenFor(app, 'integrator')).auth;
    const mine = await app.http.get('/api/webhooks').set(integrator);
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect((await app.http.get('/api/webhooks').set(other)).body.items).toEqual([]);
    const id = mine.body.items[0].id as string;
    expect((await app.http.get(`/api/webhooks/${id}`).set(other)).status).toBe(404);
    expect(
      (await app.http.patch(`/api/webhooks/${id}`).set(other).send({ enabled: false })).status,
    ).toBe(404);
    expect(JSON.stringify(mine.body)).not.toContain('whsec_');
  });
});
