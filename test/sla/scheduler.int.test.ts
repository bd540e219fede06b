import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { manualClock, minutes } from '../support/clock.ts';
import { tokenFor } from '../support/auth.ts';

/** Level 3: first response 15 min, resolution 60 min, every minute counts; auto-close after 1 h. */
const env = {
  SLA_POLICY: JSON.stringify({
    1: { firstResponseMinutes: 60, resolutionMinutes: 240 },
    2: { firstResponseMinutes: 30, resolutionMinutes: 120 },
    3: { firstResponseMinutes: 15, resolutionMinutes: 60 },
  }),
  AUTO_CLOSE_AFTER_HOURS: '1',
  SLA_POLL_MS: '3600000', // tests tick by hand, except where the poll loop is the subject
};

describe.each(databaseKinds)('SLA scheduler on %s', (kind) => {
  let db: Database;
  let app: TestApp;
  const clock = manualClock();
  let sam: { Authorization: string };

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    app = await startTestApp(kind, { db, env, now: clock.now });
    sam = (await tokenFor(app, 'agent', { email: 'sam@example.com', levels: [3] })).auth;
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  async function outage(): Promise<string> {
    const res = await app.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ description: 'datacenter down', requester: { email: 'ann@example.com' } });
    expect(res.body.status).toBe('escalated');
    await app.tf.projector.catchUp();
    return res.body.id;
  }
  const slaEvents = async (id: string, a: TestApp = app) =>
    (await a.tf.workflow.get(id)).events
      .filter(
        (e) => e.type === 'SlaWarning' || e.type === 'SlaBreached' || e.type === 'TicketClosed',
      )
      .map((e) => `${e.type}${'clock' in e.data ? `:${e.data.clock}` : ''}`);
  const tick = async (a: TestApp = app) => {
    await a.tf.projector.catchUp();
    const n = await a.tf.sla.tick();
    await a.tf.projector.catchUp();
    return n;
  };

  it('warns at 80 % and breaches at 100 % of the first-response target, once each, on time', async () => {
    const id = await outage();
    clock.advance(minutes(11));
    expect(await slaEvents(id)).toEqual([]);
    await tick();
    expect(await slaEvents(id)).toEqual([]); // 11 of 15 minutes: not yet 80 %
    clock.advance(minutes(1)); // 12 minutes = 80 %
    await tick();
    expect(await slaEvents(id)).toEqual(['SlaWarning:first_response']);
    clock.advance(minutes(3));
    await tick();
    await tick();
    expect(await slaEvents(id)).toEqual([
      'SlaWarning:first_response',
      'SlaBreached:first_response',
    ]);
    const breach = (await app.tf.workflow.get(id)).events.find((e) => e.type === 'SlaBreached')!;
    expect(breach.timestamp).toBe(clock.now().toISOString());
    expect(breach.metadata.actor).toEqual({ id: 'sla-scheduler', role: 'system' });

    const queue = await app.http.get('/api/queues/3').set(sam);
    const item = queue.body.items.find((i: { id: string }) => i.id === id);
    expect(item.sla.breached).toEqual(['first_response']);
    expect(queue.body.items[0].sla.breached.length).toBeGreaterThan(0); // breached tickets come first
    const metrics = await app.http.get('/metrics');
    expect(metrics.text).toMatch(
      /ticketflow_sla_breached_tickets\{level="3",clock="first_response",open="true"\} [1-9]/,
    );
  });

  it('pauses the resolution clock while waiting on the requester', async () => {
    const id = await outage();
    let v = (await app.tf.workflow.get(id)).state.version;
    for (const body of [
      { type: 'claim' },
      { type: 'start' },
      { type: 'hold', message: 'Which hall?' },
    ]) {
      const res = await app.http
        .post(`/api/tickets/${id}/commands`)
        .set(sam)
        .set('If-Match', `"${v}"`)
        .send(body);
      expect(res.status).toBe(200);
      v = res.body.ticket.version;
    }
    clock.advance(minutes(10 * 60)); // ten hours on hold
    await tick();
    expect(await slaEvents(id)).toEqual([]);
  });

  it('emits a breach that fell due while the server was down once, right after it starts again', async () => {
    const id = await outage();
    await app.close(); // the only process stops before the clock is due
    clock.advance(minutes(16));
    app = await startTestApp(kind, { db, env, now: clock.now }); // start-up runs one SLA pass
    expect(await slaEvents(id)).toEqual(['SlaBreached:first_response']);
    await tick();
    expect(await slaEvents(id)).toEqual(['SlaBreached:first_response']);
  });

  it('emits each breach once with two scheduler processes on one database', async () => {
    const other = await startTestApp(kind, { db, env, now: clock.now });
    try {
      const ids = await Promise.all([outage(), outage(), outage()]);
      clock.advance(minutes(61));
      await Promise.all([tick(app), tick(other), tick(app), tick(other)]);
      for (const id of ids) {
        expect(await slaEvents(id)).toEqual([
          'SlaBreached:first_response',
          'SlaBreached:resolution',
        ]);
      }
    } finally {
      await other.close();
    }
  });

  it('closes a resolved ticket by itself after the configured time', async () => {
    const id = await outage();
    let v = (await app.tf.workflow.get(id)).state.version;
    for (const body of [
      { type: 'claim' },
      { type: 'start' },
      { type: 'resolve', resolution: 'fixed' },
    ]) {
      const res = await app.http
        .post(`/api/tickets/${id}/commands`)
        .set(sam)
        .set('If-Match', `"${v}"`)
        .send(body);
      v = res.body.ticket.version;
    }
    clock.advance(minutes(59));
    await tick();
    expect((await app.tf.workflow.get(id)).state.snapshot.value).toBe('resolved');
    clock.advance(minutes(2));
    await tick();
    const { state } = await app.tf.workflow.get(id);
    expect(state.snapshot.value).toBe('closed');
    expect(state.snapshot.context.closed?.reason).toBe('auto_close');
  });

  it('runs by itself on its poll interval', async () => {
    const fast = await startTestApp(kind, {
      db,
      env: { ...env, SLA_POLL_MS: '50' },
      now: clock.now,
    });
    try {
      const id = await outage();
      clock.advance(minutes(16));
      const deadline = Date.now() + 5000;
      while ((await slaEvents(id, fast)).length === 0 && Date.now() < deadline) {
        await fast.tf.projector.catchUp();
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await slaEvents(id, fast)).toEqual(['SlaBreached:first_response']);
    } finally {
      await fast.close();
    }
  });
});
