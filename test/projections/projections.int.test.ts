import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyEvent,
  initialTicketState,
  statusOf,
  toMachineEvent,
  foldTicket,
} from '../../machines/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, testLogger, type TestApp } from '../support/harness.ts';
import { scriptedModel } from '../support/scriptedModel.ts';

const requester = { email: 'Bob@Example.com' };
const texts = [
  'forgot my password',
  'datacenter down',
  'printer jam',
  'erp report wrong',
  'broken laptop',
  'vpn login',
];

describe.each(databaseKinds)('projections on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind, { llm: scriptedModel({ failOn: /broken/ }) });
    const tickets = await Promise.all(
      texts.map((description) =>
        app.tf.workflow.submit({ description, requester, actor: { id: 'bob', role: 'requester' } }),
      ),
    );
    await Promise.all(tickets.map((t) => t.settled));
    await app.tf.projector.catchUp();
  });
  afterAll(async () => {
    await app.close();
  });

  async function readModel() {
    const tickets = (
      await app.db.query<Record<string, unknown>>(
        `SELECT id, version, status, level, category, requester_email, escalation_reason FROM tf_tickets ORDER BY id`,
      )
    ).rows;
    const history = (
      await app.db.query<{ ticket_id: string; to_status: string }>(
        `SELECT ticket_id, to_status FROM tf_status_history ORDER BY ticket_id, version`,
      )
    ).rows;
    const responses = (
      await app.db.query<{ ticket_id: string; citations: unknown }>(
        `SELECT ticket_id, citations FROM tf_responses ORDER BY ticket_id`,
      )
    ).rows;
    const users = (await app.db.query(`SELECT email, role FROM tf_users`)).rows;
    return { tickets, history, responses, users };
  }

  it('equal a replay of the events through the machine', async () => {
    const { tickets, history, responses, users } = await readModel();
    expect(tickets).toHaveLength(texts.length);
    for (const row of tickets) {
      const { events } = await app.tf.workflow.get(String(row.id));
      const state = foldTicket(events);
      const c = state.snapshot.context;
      expect(row).toMatchObject({
        version: state.version,
        status: statusOf(state.snapshot),
        level: c.escalation?.level ?? c.classification?.level ?? null,
        requester_email: 'bob@example.com',
        escalation_reason: c.escalation?.reason ?? null,
      });
      // The history holds every status the machine passed through, in order.
      let s = initialTicketState();
      const statuses: string[] = [];
      for (const e of events) {
        s = applyEvent(s, toMachineEvent(e), e.version);
        if (statuses.at(-1) !== statusOf(s.snapshot)) statuses.push(statusOf(s.snapshot));
      }
      expect(history.filter((h) => h.ticket_id === row.id).map((h) => h.to_status)).toEqual(
        statuses,
      );
      const answered = responses.filter((r) => r.ticket_id === row.id);
      expect(answered.length).toBe(c.draft ? 1 : 0);
      if (c.draft) expect(answered[0]!.citations).toEqual(c.draft.citations);
    }
    expect(users).toEqual([{ email: 'bob@example.com', role: 'requester' }]);
  });

  it('rebuild from zero gives the same rows', async () => {
    const before = await readModel();
    for (const name of ['tickets', 'status_history', 'responses', 'users'])
      await app.tf.projector.rebuild(name);
    expect(await readModel()).toEqual(before);
    // The swapped-in table comes with planner statistics, not as an unanalysed new table.
    const { rows } = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stats
       WHERE schemaname = current_schema() AND tablename = 'tf_tickets'`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('keeps the checkpoint with the rows: a re-run applies nothing twice', async () => {
    const before = await readModel();
    await app.db.query(
      `UPDATE tf_projection_checkpoints SET position = 0 WHERE name = 'responses'`,
    );
    // A new runner (as after a restart) reads the checkpoint from the table and re-applies.
    await app.tf.projector.stop();
    const { createProjector } = await import('../../src/projector/index.ts');
    const { projections } = await import('../support/projections.ts');
    const restarted = createProjector({
      db: app.db,
      store: app.tf.store,
      projections,
      logger: testLogger,
    });
    await restarted.start();
    await restarted.catchUp();
    await restarted.stop();
    expect(await readModel()).toEqual(before);
    const lag = await app.tf.projector.lag();
    expect(lag.find((l) => l.name === 'tickets')!.position).toBe(lag[0]!.head);
  });
});
