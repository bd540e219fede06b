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
    const log = await app.http.get(`/api/webhooks/${created.body.id}/deliveries`).set(integrator);
    expect(log.status).toBe(200);
    expect(log.body.items.length).toBe(expected.length);
    expect(log.body.items[0]).toMatchObject({ statusCode: 204, state: 'delivered' });
  });
});
