import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLog } from '../../src/import/index.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';
import { eventLogs } from '../support/eventLogs.ts';

describe('GET /api/reports: imported history and live traffic, from the analytics read model', () => {
  let app: TestApp;
  let auditor: { Authorization: string };
  let ticketIds: string[];
  beforeAll(async () => {
    app = await startTestApp('pglite', { checkResponses: true });
    await importLog(app.db, app.tf.store, {
      format: 'bpi13',
      file: eventLogs.bpi13,
      reopenWindowMs: 168 * 3_600_000,
    });
    const requester = 'rita@example.com';
    const submitted = await Promise.all(
      ['forgot my password', 'datacenter down', 'erp report wrong'].map((description) =>
        app.tf.workflow.submit({
          description,
          requester: { email: requester },
          actor: { id: requester, role: 'requester' },
        }),
      ),
    );
    await Promise.all(submitted.map((s) => s.settled));
    ticketIds = submitted.map((s) => s.ticketId);
    await app.tf.projector.catchUp();
    auditor = (await tokenFor(app, 'auditor')).auth;
    // The requester accepts every automatic answer they got ("Did this solve it?": yes).
    const rita = (await tokenFor(app, 'requester', { email: requester })).auth;
    for (const id of ticketIds) {
      const ticket = await app.http.get(`/api/tickets/${id}`).set(rita);
      if (ticket.body.status !== 'answered') continue;
      await app.http
        .post(`/api/tickets/${id}/commands`)
        .set(rita)
        .send({ type: 'accept_answer' })
        .expect(200);
    }
    await app.tf.projector.catchUp();
  }, 300_000);
  afterAll(async () => {
    await app?.close();
  });

  it('reports the imported log by week and level, with its variants', async () => {
    const res = await app.http
      .get('/api/reports/summary?source=bpi13&by=week&variants=5')
      .set(auditor)
      .expect(200);
    expect(res.body.totals.tickets_in).toBe(1487);
    expect(res.body.totals.auto_answered).toBe(0);
    expect(res.body.costBenefit.model_calls).toBe(0);
    expect(res.body.totals.level_ups + res.body.totals.level_downs).toBeGreaterThan(0);
    expect(res.body.variants.top).toHaveLength(5);
    const perPeriod = res.body.periods.reduce(
      (n: number, p: { tickets_in: number }) => n + p.tickets_in,
      0,
    );
    expect(perPeriod).toBe(1487);
    const level3 = await app.http
      .get('/api/reports/summary?source=bpi13&level=3')
      .set(auditor)
      .expect(200);
    expect(level3.body.totals.tickets_in).toBeLessThan(1487);
  });

  it("reports live traffic's automatic answers, acceptances and the model's cost", async () => {
    const res = await app.http
      .get('/api/reports/summary?source=live&minutes=20')
      .set(auditor)
      .expect(200);
    const { totals, costBenefit } = res.body;
    expect(totals.tickets_in).toBe(3);
    const answered = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tf_events WHERE type = 'AnswerDrafted'`,
    );
    expect(answered.rows[0]!.n).toBeGreaterThan(0);
    expect(totals.auto_answered).toBe(answered.rows[0]!.n);
    expect(totals.answers_accepted).toBe(answered.rows[0]!.n);
    expect(costBenefit.agent_hours_saved).toBeCloseTo((answered.rows[0]!.n * 20) / 60, 9);
    expect(costBenefit.deflection_rate).toBeCloseTo(answered.rows[0]!.n / 3, 9);
    expect(costBenefit.model_calls).toBeGreaterThanOrEqual(3);
  });

  it('draws the volume as an SVG chart', async () => {
    const res = await app.http
      .get('/api/reports/volume.svg?source=bpi13&by=week')
      .set(auditor)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const svg = res.text || String(res.body);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('<rect');
  });

  it('refuses bad filters with a problem and no report', async () => {
    for (const query of [
      'level=4',
      'by=month',
      'since=yesterday',
      'since=0000-01-01',
      'source=%27x',
      'foo=1',
    ]) {
      const res = await app.http.get(`/api/reports/summary?${query}`).set(auditor);
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});
