import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';
import { manualClock } from '../support/clock.ts';
import {
  startReceiver,
  until,
  type Answer,
  type Received,
  type Receiver,
} from '../support/webhookReceiver.ts';

const env = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_ADDRESSES: '127.0.0.1',
  WEBHOOK_POLL_MS: '20',
  WEBHOOK_RETRY_SCHEDULE: '5s,1m,2m',
  WEBHOOK_RETRY_JITTER: '0',
  WEBHOOK_TIMEOUT_MS: '500',
};
const ok: Answer = { status: 204 };

/**
 * The receiver misbehaves in every way the issue names; the retry schedule runs on a manual
 * clock. After each, every event is delivered, per-ticket order holds among first arrivals, and
 * the only duplicates are repeats of a webhook-id.
 */
describe.each(databaseKinds)('webhook delivery against a failing receiver on %s', (kind) => {
  const clock = manualClock();
  let app: TestApp;
  let auth: { Authorization: string };

  beforeAll(async () => {
    app = await startTestApp(kind, { env, now: clock.now });
    auth = (await tokenFor(app, 'integrator')).auth;
  });
  afterAll(async () => {
    await app?.close();
  });

  async function endpoint(receiver: Receiver, extra: Record<string, unknown> = {}) {
    const res = await app.http
      .post('/api/webhooks')
      .set(auth)
      .send({ url: receiver.url, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; secret: string; createdPosition: number };
  }

  async function ticket(description: string): Promise<string> {
    const res = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ description, requester: { email: 'ann@example.com' } });
    return res.body.id as string;
  }

  async function ticketEvents(after: number, ticketId?: string) {
    await app.tf.store.awaitVisible?.();
    const { rows } = await app.db.query<{ event_id: string; stream_id: string }>(
      `SELECT event_id, stream_id FROM tf_events WHERE position > $1 AND stream_id LIKE $2
       ORDER BY position`,
      [after, ticketId ? `ticket-${ticketId}` : 'ticket-%'],
    );
    return rows.map((r) => r.event_id);
  }

  async function attempts(endpointId: string): Promise<number> {
    const { rows } = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tf_webhook_attempts WHERE endpoint_id = $1`,
      [endpointId],
    );
    return Number(rows[0]!.n);
  }

  /** Each test's endpoint goes with its receiver, so later tests' tickets do not knock on it. */
  async function done(receiver: Receiver, endpointId: string) {
    expect((await app.http.delete(`/api/webhooks/${endpointId}`).set(auth)).status).toBe(204);
    await receiver.stop();
  }

  function advance(ms: number) {
    clock.advance(ms);
    app.tf.webhooks.wake();
  }

  /** Every expected event accepted; first arrivals in per-ticket order; repeats only of ids. */
  async function expectAllInOrder(receiver: Receiver, expected: string[]) {
    await until(
      () => expected.every((id) => receiver.accepted.some((r) => r.event.id === id)),
      'every event accepted',
    );
    const first = new Map<string, Received>();
    for (const r of receiver.accepted) if (!first.has(r.event.id)) first.set(r.event.id, r);
    const versions = new Map<string, number>();
    for (const r of first.values()) {
      expect(r.event.tfstreamversion).toBeGreaterThan(versions.get(r.event.subject) ?? 0);
      versions.set(r.event.subject, r.event.tfstreamversion);
    }
    // A repeat carries the same webhook-id and the same body as the first arrival.
    for (const r of receiver.received) {
      const original = first.get(r.headers['webhook-id']!);
      if (original) expect(r.body).toBe(original.body);
    }
  }

  it("holds back a failing ticket's later events, not another ticket's", async () => {
    const receiver = await startReceiver();
    const hook = await endpoint(receiver);
    // The failing ticket is known by its first event's text: its id is only known once filed, and
    // deliveries start before that.
    const failingTickets = new Set<string>();
    receiver.answerWith((r) => {
      if (r.event.tfstreamversion === 1 && r.body.includes('vpn broken'))
        failingTickets.add(r.event.subject);
      return failingTickets.has(r.event.subject) ? { status: 500 } : ok;
    });
    const failing = await ticket('vpn broken');
    const other = await ticket('printer jam');
    const otherEvents = await ticketEvents(hook.createdPosition, other);
    await until(
      () => otherEvents.every((id) => receiver.accepted.some((r) => r.event.id === id)),
      "the other ticket's events",
    );
    // The failing ticket's first event was tried; nothing after it was sent.
    const tried = receiver.received.filter((r) => r.event.subject === failing);
    expect(new Set(tried.map((r) => r.event.tfstreamversion))).toEqual(new Set([1]));
    receiver.answerWith(() => ok);
    advance(5_000);
    await expectAllInOrder(receiver, await ticketEvents(hook.createdPosition));
    await done(receiver, hook.id);
  });

  it('honours Retry-After on 429, and retries a timeout and a connection closed mid-answer', async () => {
    const receiver = await startReceiver();
    const hook = await endpoint(receiver);
    const answers: Answer[] = [{ status: 429, headers: { 'Retry-After': '7' } }, 'hang', 'close'];
    receiver.answerWith(() => answers.shift() ?? ok);
    await ticket('vpn broken');
    await until(async () => (await attempts(hook.id)) === 1, 'the 429');
    const { rows } = await app.db.query<{ wait: number }>(
      `SELECT (extract(epoch FROM next_attempt_at - $2::timestamptz) * 1000)::int AS wait
       FROM tf_webhook_deliveries WHERE endpoint_id = $1 AND state = 'pending' ORDER BY id LIMIT 1`,
      [hook.id, clock.now().toISOString()],
    );
    expect(rows[0]!.wait).toBe(7_000);
    advance(7_000);
    await until(async () => (await attempts(hook.id)) === 2, 'the timed-out try');
    advance(60_000);
    await until(async () => (await attempts(hook.id)) === 3, 'the closed connection');
    advance(120_000);
    await expectAllInOrder(receiver, await ticketEvents(hook.createdPosition));
    const log = await app.http.get(`/api/webhooks/${hook.id}/deliveries?limit=200`).set(auth);
    const errors = log.body.items.map((i: { error: string | null }) => i.error);
    expect(errors).toContain('timed out after 500 ms');
    expect(errors).toContain('connection closed mid-response');
    expect(errors).toContain('HTTP 429');
    await done(receiver, hook.id);
  });

  it('treats a redirect as a failure and never follows it', async () => {
    const receiver = await startReceiver();
    const hook = await endpoint(receiver);
    const answers: Answer[] = [{ status: 307, headers: { Location: `${receiver.url}/moved` } }];
    receiver.answerWith(() => answers.shift() ?? ok);
    await ticket('vpn broken');
    await until(async () => (await attempts(hook.id)) >= 1, 'the redirect');
    advance(5_000);
    await expectAllInOrder(receiver, await ticketEvents(hook.createdPosition));
    expect(receiver.received.length).toBe(receiver.accepted.length + 1);
    const log = await app.http.get(`/api/webhooks/${hook.id}/deliveries?limit=200`).set(auth);
    expect(log.body.items.at(-1)).toMatchObject({
      statusCode: 307,
      error: 'redirect not followed',
    });
    await done(receiver, hook.id);
  });

  it('is disabled by a 410 and, enabled again, delivers what came meanwhile', async () => {
    const receiver = await startReceiver();
    const hook = await endpoint(receiver);
    receiver.answerWith(() => ({ status: 410 }));
    await ticket('vpn broken');
    await until(async () => {
      const res = await app.http.get(`/api/webhooks/${hook.id}`).set(auth);
      return res.body.enabled === false && res.body.disabledReason === 'gone';
    }, 'disabled by 410');
    await ticket('printer jam');
    receiver.answerWith(() => ok);
    const enabled = await app.http
      .patch(`/api/webhooks/${hook.id}`)
      .set(auth)
      .send({ enabled: true });
    expect(enabled.body.enabled).toBe(true);
    await expectAllInOrder(receiver, await ticketEvents(hook.createdPosition));
    await done(receiver, hook.id);
  });

  it('loses nothing while the receiver is gone entirely, and goes on when it is back', async () => {
    const receiver = await startReceiver();
    const hook = await endpoint(receiver);
    await receiver.stop();
    await ticket('vpn broken');
    await ticket('printer jam');
    await until(async () => (await attempts(hook.id)) >= 2, 'refused connections');
    await receiver.start();
    advance(5_000);
    await expectAllInOrder(receiver, await ticketEvents(hook.createdPosition));
    await done(receiver, hook.id);
  });

  it('dead-letters after the last try, goes on with the ticket, and retries by hand', async () => {
    const receiver = await startReceiver();
    const hook = await endpoint(receiver);
    const poisonedTicket = { id: '' };
    receiver.answerWith((r) =>
      r.event.subject === poisonedTicket.id && r.event.tfstreamversion === 1
        ? { status: 500, body: 'boom' }
        : ok,
    );
    poisonedTicket.id = await ticket('vpn broken');
    const events = await ticketEvents(hook.createdPosition, poisonedTicket.id);
    const poisoned = events[0]!;
    for (const [n, step] of [
      [1, 5_000],
      [2, 60_000],
      [3, 120_000],
    ] as const) {
      await until(async () => (await attempts(hook.id)) >= n, `try ${n}`);
      advance(step);
    }
    await until(async () => {
      const { rows } = await app.db.query(
        `SELECT 1 FROM tf_events WHERE type = 'WebhookDeliveryDeadLettered' AND data->>'eventId' = $1`,
        [poisoned],
      );
      return rows.length === 1;
    }, 'the dead letter');
    await until(
      () => events.slice(1).every((id) => receiver.accepted.some((r) => r.event.id === id)),
      "the ticket's later events",
    );
    const log = await app.http.get(`/api/webhooks/${hook.id}/deliveries?limit=200`).set(auth);
    const dead = log.body.items.find(
      (i: { eventId: string; state: string }) => i.eventId === poisoned && i.state === 'dead',
    );
    expect(dead).toMatchObject({ statusCode: 500, response: 'boom' });
    receiver.answerWith(() => ok);
    const retried = await app.http
      .post(`/api/webhooks/${hook.id}/deliveries/${dead.deliveryId}/retry`)
      .set(auth);
    expect(retried.status).toBe(202);
    await until(() => receiver.accepted.some((r) => r.event.id === poisoned), 'the retried one');
    await done(receiver, hook.id);
  });

  it('recovers from a position: exactly the events after it are sent again', async () => {
    const receiver = await startReceiver();
    const hook = await endpoint(receiver);
    await ticket('vpn broken');
    await ticket('printer jam');
    const all = await ticketEvents(hook.createdPosition);
    await expectAllInOrder(receiver, all);
    const { rows } = await app.db.query<{ position: string }>(
      `SELECT position FROM tf_events WHERE event_id = $1`,
      [all[2]],
    );
    receiver.accepted.length = 0;
    receiver.received.length = 0;
    const res = await app.http
      .post(`/api/webhooks/${hook.id}/recover`)
      .set(auth)
      .send({ since: Number(rows[0]!.position) });
    expect(res.status).toBe(202);
    const again = all.slice(3);
    expect(res.body.queued).toBe(again.length);
    await expectAllInOrder(receiver, again);
    expect(receiver.accepted.map((r) => r.event.id).sort()).toEqual([...again].sort());
    await done(receiver, hook.id);
  });

  it('signs with both secrets during a rotation, then with the new one alone', async () => {
    const receiver = await startReceiver();
    const hook = await endpoint(receiver);
    const rotated = await app.http
      .patch(`/api/webhooks/${hook.id}`)
      .set(auth)
      .send({ rotateSecret: true });
    expect(rotated.body.secrets).toHaveLength(2);
    const newSecret = rotated.body.secret as string;
    await ticket('vpn broken');
    await until(() => receiver.accepted.length > 0, 'a delivery');
    const r = receiver.accepted[0]!;
    expect(r.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(hook.secret).verify(r.body, r.headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(r.body, r.headers)).not.toThrow();
    await app.http.patch(`/api/webhooks/${hook.id}`).set(auth).send({ retireOldSecret: true });
    const count = receiver.accepted.length;
    await ticket('printer jam');
    await until(() => receiver.accepted.length > count, 'a delivery after retiring');
    const later = receiver.accepted.at(-1)!;
    expect(() => new Webhook(newSecret).verify(later.body, later.headers)).not.toThrow();
    expect(() => new Webhook(hook.secret).verify(later.body, later.headers)).toThrow();
    await done(receiver, hook.id);
  });
});
