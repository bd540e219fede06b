/**
 * Start-up and footprint (issue 15, item 6): time from spawning the server to `GET /ready` = 200,
 * and its resident memory once ready and after a short load, on a fresh and on a filled database
 * (PGlite data directory, PostgreSQL schema), started through tsx (`node --import tsx`, what
 * `npm start` runs) and from the compiled build (`npm run build`, `node dist/src/main.js`).
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createPostgresEventStore } from '../src/eventstore/index.ts';
import type { BenchContext } from './context.ts';
import { dropSchema, newSchemaName, onCleanup, openBenchDb, type DbKind } from './db.ts';
import { closedLoopTickets } from './e2e.ts';
import { appendTickets } from './history-fill.ts';
import { catchUpAll, quietConfig } from './history.ts';
import { startupSection, type StartFigure } from './startup-report.ts';
import { httpClient } from './http.ts';
import { sleep, summarize } from './stats.ts';

const group = 'startup';
export const startupHeading = 'Start-up and footprint (issue 15, item 6)';

/** How the server is started. */
export const launchers = {
  'npm start (tsx CLI)': ['npm', 'start', '--silent'],
  'node --import tsx src/main.ts': [process.execPath, '--import', 'tsx', 'src/main.ts'],
  'node dist/src/main.js (npm run start:prod)': [process.execPath, 'dist/src/main.js'],
} as const;
export type Launcher = keyof typeof launchers;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Resident set of a process and its descendants (npm → tsx → node), in MiB, from /proc. */
async function rssMiB(pid: number): Promise<number> {
  const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=,ppid=,rss=', '-A']);
  const rows = stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number, number]);
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, parent] of rows)
      if (tree.has(parent) && !tree.has(p)) {
        tree.add(p);
        grew = true;
      }
  }
  return rows.filter(([p]) => tree.has(p)).reduce((kib, [, , rss]) => kib + rss, 0) / 1024;
}

/** Spawns the server, polls /ready every 25 ms; returns the time to ready and a way to stop it. */
async function start(launcher: Launcher, env: Record<string, string>) {
  const port = await freePort();
  const [command, ...args] = launchers[launcher];
  const t0 = performance.now();
  const child = spawn(command, args, {
    env: { ...process.env, ...quietConfig, LOG_LEVEL: 'warn', PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const stopGroup = onCleanup(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  });
  const url = `http://127.0.0.1:${port}`;
  const client = httpClient(url, 1);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
      if (performance.now() - t0 > 180_000) throw new Error(`not ready in 180 s: ${stderr}`);
      const res = await client.request('GET', '/ready', undefined, {}, 2000).catch(() => null);
      if (res?.status === 200) break;
      await sleep(25);
    }
  } catch (error) {
    await stopGroup();
    throw error;
  } finally {
    client.close();
  }
  return { url, pid: child.pid!, readyMs: performance.now() - t0, stop: stopGroup };
}

/** Where the server finds its data: a fresh or filled PGlite directory, or PostgreSQL schema. */
interface Data {
  label: string;
  kind: DbKind;
  env: () => Promise<{ env: Record<string, string>; done: () => Promise<void> }>;
}

async function filledPglite(tickets: number): Promise<string> {
  const bdb = await openBenchDb('pglite', '');
  const store = createPostgresEventStore(bdb.db);
  await appendTickets(store, 'closed', 0, tickets, Date.now(), 8);
  const { projector } = await catchUpAll(bdb, store);
  await projector.stop();
  await bdb.db.close();
  return bdb.where;
}

async function filledPostgres(url: string, tickets: number): Promise<string> {
  const bdb = await openBenchDb('postgres', url);
  const store = createPostgresEventStore(bdb.db);
  await appendTickets(store, 'closed', 0, tickets, Date.now(), 8);
  const { projector } = await catchUpAll(bdb, store);
  await projector.stop();
  await bdb.db.close();
  return bdb.where;
}

export async function benchStartup(ctx: BenchContext, dbs: DbKind[]): Promise<void> {
  const tickets = ctx.options.startupTickets ?? (ctx.options.quick ? 2_000 : 20_000);
  const repeats = ctx.options.quick ? 1 : 3;
  const url = ctx.options.postgresUrl;
  await build(ctx);
  const cleanups: Array<() => Promise<void>> = [];
  const data: Data[] = [];
  if (dbs.includes('pglite')) {
    data.push({
      label: 'PGlite, fresh data directory',
      kind: 'pglite',
      env: async () => {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-start-'));
        return { env: { DATA_DIR: dir }, done: () => rm(dir, { recursive: true, force: true }) };
      },
    });
    const filled = await filledPglite(tickets);
    cleanups.push(onCleanup(() => rm(filled, { recursive: true, force: true })));
    data.push({
      label: `PGlite, ${tickets.toLocaleString('en-US')} tickets`,
      kind: 'pglite',
      env: async () => ({ env: { DATA_DIR: filled }, done: async () => undefined }),
    });
  }
  if (dbs.includes('postgres')) {
    data.push({
      label: 'PostgreSQL, fresh schema',
      kind: 'postgres',
      env: async () => {
        const schema = newSchemaName();
        return {
          env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
          done: () => dropSchema(url, schema),
        };
      },
    });
    const schema = await filledPostgres(url, tickets);
    cleanups.push(onCleanup(() => dropSchema(url, schema)));
    data.push({
      label: `PostgreSQL, ${tickets.toLocaleString('en-US')} tickets`,
      kind: 'postgres',
      env: async () => ({
        env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
        done: async () => undefined,
      }),
    });
  }
  const figures: StartFigure[] = [];
  try {
    for (const d of data)
      for (const launcher of Object.keys(launchers) as Launcher[])
        figures.push(await measure(ctx, d, launcher, repeats));
  } finally {
    for (const c of cleanups) await c();
  }
  ctx.sections.set(startupHeading, startupSection(figures, tickets, await compileCost()));
}

async function measure(
  ctx: BenchContext,
  d: Data,
  launcher: Launcher,
  repeats: number,
): Promise<StartFigure> {
  const ready: number[] = [];
  const rssReady: number[] = [];
  let rssLoaded = NaN;
  for (let rep = 0; rep < repeats; rep++) {
    const { env, done } = await d.env();
    try {
      const s = await start(launcher, {
        ...env,
        RATE_LIMIT_INTAKE_PER_ADDRESS: '0',
        RATE_LIMIT_INTAKE_PER_EMAIL: '0',
      });
      try {
        ready.push(s.readyMs);
        await sleep(1000); // what the process holds once the start's work has settled
        rssReady.push(await rssMiB(s.pid));
        if (rep === repeats - 1) {
          await closedLoopTickets(s.url, 8, ctx.options.quick ? 2000 : 5000, 10, { next: rep });
          rssLoaded = await rssMiB(s.pid);
        }
      } finally {
        await s.stop();
      }
    } finally {
      await done();
    }
  }
  const r = ctx.addLatency(
    { group, db: d.kind, name: `${d.label}, ${launcher}: spawn → GET /ready 200`, unit: 'ms' },
    ready,
  );
  const m = summarize(rssReady);
  ctx.add({
    group,
    db: d.kind,
    name: `${d.label}, ${launcher}: resident memory 1 s after ready`,
    unit: 'MiB',
    median: m.median,
    n: m.n,
  });
  ctx.add({
    group,
    db: d.kind,
    name: `${d.label}, ${launcher}: resident memory after ${ctx.options.quick ? 2 : 5} s of 8 clients filing tickets`,
    unit: 'MiB',
    median: rssLoaded,
    n: 1,
  });
  return {
    data: d.label,
    launcher,
    ready: summarize(ready),
    rssReady: m.median,
    rssLoaded,
    readyRun: r,
  } satisfies StartFigure;
}

/** `npm run build` (the compiled start needs it). */
async function build(ctx: BenchContext): Promise<void> {
  const t0 = performance.now();
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { maxBuffer: 1 << 24 });
  if (!existsSync('dist/src/main.js')) throw new Error('npm run build made no dist/src/main.js');
  ctx.log(`startup: npm run build in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

/**
 * What loading the server's modules costs by itself: importing src/server/index.ts through tsx
 * against dist/src/server/index.js, each in a fresh process, median of 5.
 */
export interface CompileCost {
  baseline: number;
  tsx: number;
  tsxNoCache: number;
  compiled: number;
}

async function compileCost(): Promise<CompileCost> {
  const time = async (args: string[], env: Record<string, string> = {}) => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await promisify(execFile)(process.execPath, args, { env: { ...process.env, ...env } });
      xs.push(performance.now() - t0);
    }
    return summarize(xs).median;
  };
  const imp = (file: string) => `await import(${JSON.stringify(path.resolve(file))})`;
  return {
    baseline: await time(['--input-type=module', '-e', '0']),
    tsx: await time(['--import', 'tsx', '--input-type=module', '-e', imp('src/server/index.ts')]),
    // tsx keeps its transforms in a disk cache (os.tmpdir()); a new container starts without it.
    tsxNoCache: await time(
      ['--import', 'tsx', '--input-type=module', '-e', imp('src/server/index.ts')],
      { TSX_DISABLE_CACHE: '1' },
    ),
    compiled: await time(['--input-type=module', '-e', imp('dist/src/server/index.js')]),
  };
}
