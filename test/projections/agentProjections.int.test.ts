import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldTicket, statusOf } from '../../machines/index.ts';
import { foldSla, timersOf } from '../../src/sla/index.ts';
import { slaSettingsFrom } from '../../src/sla/settings.ts';
import { loadConfig } from '../../src/config/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';

/** Read models fed by agents' events equal a replay of those events. */
describe.each(databaseKinds)('agent read models on %s', (kind) => {
  let app: TestApp;
  const ids: string[] = [];
  beforeAll(async () => {
    app = await startTestApp(kind);
    const sam = (await tokenFor(app, 'agent', { email: 'sam@example.com' })).auth;
    const ann = (await tokenFor(app, 'requester', { email: 'ann@example.com' })).auth;
    const scripts: Array<Array<[object, object]>> = [
      [
        [sam, { type: 'claim' }],
        [sam, { type: 'note', body: 'n' }],
        [sam, { type: 'start' }],
        [sam, { type: 'hold', message: '?' }],
      ],
      [
        [sam, { type: 'claim' }],
        [sam, { type: 'reply', body: 'on it' }],
        [sam, { type: 'resolve', resolution: 'done' }],
        [ann, { type: 'reopen', reason: 'again' }],
      ],
      [[sam, { type: 'relevel', level: 2, reason: 'app' }]],
      [
        [sam, { type: 'relevel', level: 1, reason: 'how-to', answer: 'Do this.' }],
        [ann, { type: 'reject_answer' }],
        [sam, { type: 'claim' }],
      ],
      [],
    ];
    for (const script of scripts) {
      const t = await app.http
        .post('/api/tickets')
        .set('Prefer', 'wait=10')
        .send({ description: 'datacenter down', requester: { email: 'ann@example.com' } });
      let v = t.body.version;
      for (const [who, body] of script) {
        const res = await app.http
          .post(`/api/tickets/${t.body.id}/commands`)
          .set(who as Record<string, string>)
          .set('If-Match', `"${v}"`)
          .send(body);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        v = res.body.ticket.version;
      }
      ids.push(t.body.id);
    }
    await app.tf.projector.catchUp();
  });
  afterAll(async () => {
    await app?.close();
  });

  async function readModel() {
    const q = async (sql: string) => (await app.db.query(sql)).rows;
    return {
      tickets: await q(
        `SELECT id, version, status, level, assignee, sla_breached FROM tf_tickets ORDER BY id`,
      ),
      history: await q(
        `SELECT ticket_id, version, to_status FROM tf_status_history ORDER BY ticket_id, version`,
      ),
      responses: await q(`SELECT event_id, kind, body FROM tf_responses ORDER BY event_id`),
      users: await q(
        `SELECT email, user_id, role, roles, levels, lead FROM tf_users ORDER BY email`,
      ),
      tokens: await q(`SELECT token_id, role, revoked_at FROM tf_tokens ORDER BY token_id`),
      timers: await q(
        `SELECT ticket_id, kind, to_json(due_at) #>> '{}' AS due_at FROM tf_sla_timers ORDER BY ticket_id, kind`,
      ),
    };
  }

  it('tickets (status, level, assignee) and SLA timers equal a replay of the events', async () => {
    const { tickets, timers } = await readModel();
    const settings = slaSettingsFrom(loadConfig({}));
    for (const id of ids) {
      const { events } = await app.tf.workflow.get(id);
      const state = foldTicket(events);
      const c = state.snapshot.context;
      expect(tickets.find((t) => t.id === id)).toMatchObject({
        version: state.version,
        status: statusOf(state.snapshot),
        level: c.level,
        assignee: c.assignee,
      });
      const expected = timersOf(foldSla(events), settings).map((t) => [
        t.kind,
        new Date(t.dueAt).getTime(),
      ]);
      const actual = timers
        .filter((t) => t.ticket_id === id)
        .map((t) => [t.kind, new Date(String(t.due_at)).getTime()]);
      expect(actual.sort()).toEqual(expected.sort());
    }
    expect(tickets.find((t) => t.id === ids[0])!.status).toBe('waiting_on_requester');
    expect(timers.filter((t) => t.ticket_id === ids[0])).toEqual([]); // paused while waiting
  });

  it('rebuild from zero gives the same rows', async () => {
    const before = await readModel();
    for (const name of [
      'tickets',
      'status_history',
      'responses',
      'users',
      'tokens',
      'sla_timers',
    ]) {
      await app.tf.projector.rebuild(name);
    }
    expect(await readModel()).toEqual(before);
  });
});
