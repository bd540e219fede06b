import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjections } from '../../projections/index.ts';
import { createRetentionScheduler } from '../../src/privacy/index.ts';
import { slaSettingsFrom } from '../../src/sla/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, testLogger, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';
import { manualClock } from '../support/clock.ts';

const day = 86_400_000;

describe.each(databaseKinds)('retention on %s', (kind) => {
  let app: TestApp;
  const clock = manualClock();
  const gone = 'gone@example.com';
  const staying = 'staying@example.com';

  beforeAll(async () => {
    app = await startTestApp(kind, { now: clock.now, env: { PRIVACY_RETENTION_DAYS: '30' } });
    for (const email of [gone, staying]) {
      const auth = (await tokenFor(app, 'requester', { email })).auth;
      const res = await app.http
        .post('/api/tickets')
        .set(auth)
        .set('Prefer', 'wait=10')
        .send({ description: `Retention test ticket of ${email}: my monitor flickers` });
      expect(res.status).toBe(201);
      if (email === staying) continue;
      const closed = await app.http
        .post(`/api/tickets/${res.body.id}/commands`)
        .set(auth)
        .set('If-Match', `"${res.body.version}"`)
        .send({ type: 'close', reason: 'withdrawn' });
      expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    }
    await app.tf.projector.catchUp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const erasures = async () =>
    (
      await app.db.query(
        `SELECT count(*)::int AS n FROM tf_events WHERE type = 'PersonalDataErased'`,
      )
    ).rows[0] as { n: number };

  it('erases nobody before the retention has passed', async () => {
    clock.advance(29 * day);
    expect(await app.tf.retention!.tick()).toBe(0);
    expect(await erasures()).toEqual({ n: 0 });
  });

  it('erases a requester whose tickets all closed longer ago, exactly once across concurrent passes, and no one with an open ticket', async () => {
    clock.advance(2 * day);
    const config = loadConfig({ PRIVACY_RETENTION_DAYS: '30' });
    const other = createRetentionScheduler({
      db: app.db,
      store: app.tf.store,
      projections: createProjections(slaSettingsFrom(config)),
      now: clock.now,
      days: 30,
      pollMs: 60_000,
      logger: testLogger,
    });
    const counts = await Promise.all([app.tf.retention!.tick(), other.tick()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await erasures()).toEqual({ n: 1 });
    expect(await app.tf.retention!.tick()).toBe(0);

    const { rows } = await app.db.query<{ requester_email: string }>(
      `SELECT requester_email FROM tf_tickets`,
    );
    expect(rows.map((r) => r.requester_email).sort((a, b) => b.localeCompare(a))).toEqual([
      staying,
      expect.stringMatching(/^\[erased:/),
    ]);
    const { rows: events } = await app.db.query<{ data: { basis: string } }>(
      `SELECT data FROM tf_events WHERE type = 'PersonalDataErased'`,
    );
    expect(events[0]!.data.basis).toBe('retention_policy');
  });
});
