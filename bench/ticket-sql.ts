/**
 * SQL per ticket: runs the product's composition root in-process on a timed database and submits
 * tickets through the workflow (as POST /api/tickets does), then reports the statements each ticket
 * cost, workflow and projections together. `npx tsx bench/ticket-sql.ts [pglite|postgres] [tickets]`
 */
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.ts';
import { createTicketflow } from '../src/server/index.ts';
import { defaultPostgresUrl, openBenchDb, type DbKind } from './db.ts';
import { timedDatabase } from './sqlprofile.ts';
import { ticketBody } from './tickets.ts';

export async function sqlPerTicket(
  kind: DbKind,
  tickets: number,
  postgresUrl = defaultPostgresUrl,
): Promise<string> {
  const bdb = await openBenchDb(kind, postgresUrl);
  try {
    const timed = timedDatabase(bdb.db);
    const tf = await createTicketflow(
      loadConfig({ LOG_LEVEL: 'silent' }),
      pino({ level: 'silent' }),
      { db: timed.db },
    );
    // Warm up, then count.
    for (let i = 0; i < 5; i++)
      await (
        await tf.workflow.submit({ ...ticketBody(i), actor: { id: 'bench', role: 'requester' } })
      ).settled;
    await tf.projector.catchUp();
    timed.reset();
    const t0 = performance.now();
    for (let i = 0; i < tickets; i++) {
      const s = await tf.workflow.submit({
        ...ticketBody(100 + i),
        actor: { id: 'bench', role: 'requester' },
      });
      await s.settled;
      await tf.projector.catchUp();
    }
    const ms = performance.now() - t0;
    await tf.stop();
    return `**${kind}: SQL per ticket, one ticket at a time** (${tickets} tickets submitted through the workflow and settled, projections caught up after each: ${(ms / tickets).toFixed(1)} ms wall per ticket; statement time measured around each call):\n\n${timed.table(tickets)}`;
  } finally {
    await bdb.dispose();
  }
}

const direct = process.argv[1]?.endsWith('ticket-sql.ts');
if (direct) {
  const kind = (process.argv[2] ?? 'pglite') as DbKind;
  console.log(
    await sqlPerTicket(
      kind,
      Number(process.argv[3] ?? 50),
      process.env.BENCH_DATABASE_URL ?? defaultPostgresUrl,
    ),
  );
  process.exit(0);
}
