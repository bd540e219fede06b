/**
 * The server's CPU time per ticket, for A/B runs between checkouts on a shared machine, where
 * tickets/s moves with whatever else runs but CPU time per ticket moves far less:
 *
 *   (cd /path/to/checkout && npx tsx /path/to/this/bench/cpuPerTicket.ts)
 *
 * Starts the checkout's bench/server.ts on a fresh PostgreSQL schema, warms it up, runs a closed
 * loop of CLIENTS clients for SECONDS seconds and prints one JSON line: tickets, tickets/s, the
 * server process's user+system CPU ms per ticket (from /proc) and PostgreSQL's (all its
 * processes: only meaningful when nothing else uses the server). Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The checkout's own modules: the server and load generator of the code being measured.
const e2e = (await import(path.resolve('bench/e2e.ts'))) as typeof import('./e2e.ts');
const db = (await import(path.resolve('bench/db.ts'))) as typeof import('./db.ts');

const clients = Number(process.env.CLIENTS ?? 20);
const seconds = Number(process.env.SECONDS ?? 15);
const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ticksPerSecond = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function postgresTicks(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/stat`, 'utf8').includes('(postgres)'))
        total += cpuTicks(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

const schema = db.newSchemaName();
const server = await e2e.startServer({
  DATABASE_URL: url,
  DATABASE_SCHEMA: schema,
  MAX_WAIT_SECONDS: '30',
  RATE_LIMIT_INTAKE_PER_ADDRESS: '0',
  RATE_LIMIT_INTAKE_PER_EMAIL: '0',
  RATE_LIMIT_PER_TOKEN: '0',
});
try {
  const seq = { next: Math.floor(Math.random() * 1e6) };
  await e2e.closedLoopTickets(server.url, 8, 3000, 30, seq);
  const pid = server.child.pid!;
  const [server0, pg0] = [cpuTicks(pid), postgresTicks()];
  const run = await e2e.closedLoopTickets(server.url, clients, seconds * 1000, 30, seq);
  const [server1, pg1] = [cpuTicks(pid), postgresTicks()];
  const created = run.records.filter((r) => r.httpStatus === 201).length;
  const msPerTicket = (ticks: number) => +((ticks * 1000) / ticksPerSecond / created).toFixed(3);
  console.log(
    JSON.stringify({
      checkout: path.basename(process.cwd()),
      clients,
      tickets: created,
      ticketsPerSecond: +(created / run.seconds).toFixed(1),
      serverCpuMsPerTicket: msPerTicket(server1 - server0),
      postgresCpuMsPerTicket: msPerTicket(pg1 - pg0),
      loadAverage: os.loadavg()[0],
    }),
  );
} finally {
  await server.stop();
  await db.dropSchema(url, schema);
}
