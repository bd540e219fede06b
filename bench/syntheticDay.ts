/**
 * A synthetic working day of ticketflow's own traffic, for docs/analytics.md:
 *
 *   DATA_DIR=/tmp/day npx tsx bench/syntheticDay.ts [--tickets 120] [--data ../shared/datasets/itsm-tickets/dev.jsonl]
 *   DATA_DIR=/tmp/day npm run cli -- report --source live --by day
 *
 * Tickets from the data set arrive every few minutes from 08:00 to 18:00 (UTC) on a fixed day and
 * go through the real workflow and the configured (local) model. Requesters say whether an
 * automatic answer solved it (three in four do; chosen by the ticket's index, so the day is
 * reproducible); agents claim, start and resolve escalated tickets 20 to 140 minutes later. The
 * clock is the workflow's own (the `now` override), so events carry the day's times.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import { createTicketflow } from '../src/server/index.ts';
import type { TicketActor } from '../machines/index.ts';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '120' },
    data: { type: 'string', default: '../../shared/datasets/itsm-tickets/dev.jsonl' },
  },
});
const count = Number(values.tickets);
const rows = (await readFile(values.data!, 'utf8'))
  .split('\n')
  .filter(Boolean)
  .slice(0, count)
  .map((line) => JSON.parse(line) as { subject?: string; body: string });

let clock = Date.parse('2026-11-24T08:00:00Z');
const tf = await createTicketflow(loadConfig(process.env), createLogger({ LOG_LEVEL: 'warn' }), {
  now: () => new Date(clock),
});
const agent = (level: 1 | 2 | 3): TicketActor & { kind: 'user' } => ({
  kind: 'user',
  email: `agent${level}@example.com`,
  role: 'agent',
  levels: [level],
  lead: false,
});
const requester = (i: number): TicketActor & { kind: 'user' } => ({
  kind: 'user',
  email: `requester${i % 40}@example.com`,
  role: 'requester',
  levels: [],
  lead: false,
});

const escalated: { id: string; level: 1 | 2 | 3; at: number }[] = [];
const step = (10 * 3_600_000) / count;
try {
  for (const [i, row] of rows.entries()) {
    clock = Date.parse('2026-11-24T08:00:00Z') + i * step;
    const who = requester(i);
    const submitted = await tf.workflow.submit({
      subject: row.subject,
      description: row.body.slice(0, 4000),
      requester: { email: who.email },
      actor: { id: who.email, role: 'requester' },
    });
    const state = await submitted.settled;
    const status = String(state.snapshot.value);
    clock += 60_000;
    if (status === 'answered') {
      const solved = i % 4 !== 3;
      await tf.workflow.execute(
        submitted.ticketId,
        solved ? { type: 'accept_answer' } : { type: 'reject_answer', comment: 'did not help' },
        { actor: who },
      );
      if (!solved) escalated.push({ id: submitted.ticketId, level: 1, at: clock });
    } else if (status === 'escalated') {
      const level = (state.snapshot.context.level ?? 2) as 1 | 2 | 3;
      escalated.push({ id: submitted.ticketId, level, at: clock });
    }
  }
  for (const [k, t] of escalated.entries()) {
    clock = t.at + (20 + ((k * 37) % 120)) * 60_000;
    const me = agent(t.level);
    await tf.workflow.execute(t.id, { type: 'claim' }, { actor: me });
    await tf.workflow.execute(t.id, { type: 'start' }, { actor: me });
    clock += 15 * 60_000;
    await tf.workflow.execute(t.id, { type: 'resolve', resolution: 'fixed' }, { actor: me });
  }
  await tf.projector.catchUp();
  console.log(`${rows.length} tickets, ${escalated.length} handled by agents`);
} finally {
  await tf.stop();
}
