import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { projections } from '../support/projections.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import {
  appendStep,
  applicationLog,
  applicationLogTable,
  replayTickets,
  ticketLife,
  ticketRows,
} from './ticketEvents.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const handled = [...projections, applicationLog]
  .filter((p) => p.handles.length > 0)
  .map((p) => p.name)
  .sort();

interface Runner {
  child: ChildProcess;
  leading: string[];
  ready: Promise<void>;
}

function startRunner(schema: string): Runner {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/projector/fixtures/runner.ts'], {
    env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const runner: Runner = { child, leading: [], ready: Promise.resolve() };
  runner.ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`runner exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as { ready?: boolean; leading?: string[] };
      if (message.ready) resolve();
      if (message.leading) runner.leading = [...message.leading].sort();
    });
  });
  return runner;
}

async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe.runIf(databaseKinds.includes('postgres'))('projection runners in two processes', () => {
  it('hands every projection to the follower within seconds of a SIGKILL; every event applied exactly once', async () => {
    const db = await openTestDatabase('postgres');
    const store = createPostgresEventStore(db);
    const schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    await db.query(applicationLogTable);
    const a = startRunner(schema);
    let b: Runner | undefined;
    try {
      await a.ready;
      await until('A to lead', () => a.leading.join() === handled.join());
      b = startRunner(schema);
      await b.ready;
      expect(b.leading).toEqual([]);

      // A steady write load; A is killed in the middle of it.
      const lives = Array.from({ length: 40 }, () => ticketLife());
      let killedAt = 0;
      let takeoverMs = 0;
      const writer = (async () => {
        for (let step = 0; step < 3; step++) {
          for (const [i, life] of lives.entries()) {
            await appendStep(store, life, step);
            if (step === 1 && i === 10) {
              a.child.kill('SIGKILL');
              killedAt = Date.now();
            }
            await sleep(2);
          }
        }
      })();
      await until('the kill', () => killedAt > 0);
      await until('B to take over', () => b!.leading.join() === handled.join(), 10_000);
      takeoverMs = Date.now() - killedAt;
      await writer;

      // B catches up with everything.
      await until('B to catch up', async () => {
        const lag = await Promise.all(
          [...projections, applicationLog]
            .filter((p) => p.handles.length > 0)
            .map(async (p) => {
              const { rows } = await db.query<{ position: number }>(
                `SELECT position FROM tf_projection_checkpoints WHERE name = $1`,
                [p.name],
              );
              return (
                await store.pendingAfter(Number(rows[0]?.position ?? 0), { types: p.handles })
              ).count;
            }),
        );
        return lag.every((n) => n === 0);
      });
      expect(takeoverMs).toBeLessThan(5_000);

      // Exactly once: one application per event, none missing, none twice (across both processes).
      const { rows } = await db.query<{ n: number; distinct: number; pids: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT position)::int AS distinct, count(DISTINCT pid)::int AS pids
         FROM tf_test_applications`,
      );
      expect(rows[0]).toEqual({ n: lives.length * 3, distinct: lives.length * 3, pids: 2 });
      // The read models equal a replay.
      expect(await ticketRows(db)).toEqual(await replayTickets(store, db));
      expect((await ticketRows(db)).every((r) => r.status === 'closed')).toBe(true);
    } finally {
      a.child.kill('SIGKILL');
      if (b) {
        const exited = new Promise((resolve) => b!.child.once('exit', resolve));
        b.child.kill('SIGTERM');
        await Promise.race([exited, sleep(5_000)]);
        b.child.kill('SIGKILL');
      }
      await store.close();
      await db.close();
    }
  });
});
