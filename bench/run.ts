/**
 * `npm run bench` — the event store, replay, projections, growth with the log and end-to-end HTTP
 * runs, on PGlite and on PostgreSQL, each figure with the machine it was measured on.
 *
 *   npm run bench                      full run (~15 min on 2 cores)
 *   npm run bench -- --quick           smoke run (~1-2 min)
 *   npm run bench -- --only store,e2e  groups: store, replay, projections, growth, audit, e2e,
 *                                      standin, webhooks, history, startup,
 *                                      analytics, privacy, web
 *   npm run bench -- --only history --history-max 100000   the history group up to 100 k tickets
 *   npm run bench -- --db postgres     databases: pglite, postgres
 *   npm run bench -- --profile         CPU profiles of the e2e server and the fold (summaries in the report)
 *
 * PostgreSQL: BENCH_DATABASE_URL (default: the local server through /var/run/postgresql if that socket exists, else 127.0.0.1:5432, database test); every group
 * runs in a fresh schema, dropped afterwards. PGlite: a fresh temporary data directory.
 * All load is on 127.0.0.1 and every load stops by itself.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BenchContext, type BenchOptions, type Run } from './context.ts';
import { defaultPostgresUrl, pendingCleanups, postgresReachable, type DbKind } from './db.ts';
import { runE2e } from './e2e.ts';
import { benchAudit } from './audit.ts';
import { benchGrowth } from './growth.ts';
import { describeMachine, type MachineInfo } from './machine.ts';
import { readProfileDir, summarizeProfile } from './profile.ts';
import { benchProjections } from './projections.ts';
import { benchFold, benchReplayDb, profileFold } from './replay.ts';
import { writeReport } from './report.ts';
import { benchHistory } from './history.ts';
import { upsertSections } from './sections.ts';
import { benchStartup } from './startup.ts';
import { benchStandIn } from './standin.ts';
import { benchImport, benchReports } from './analytics.ts';
import { benchPrivacy } from './privacy.ts';
import { runStoreGroup } from './store.ts';
import { sqlPerTicket } from './ticket-sql.ts';
import { benchWeb } from './web.ts';
import { benchWebhooks } from './webhooks.ts';

const allGroups = [
  'store',
  'replay',
  'projections',
  'growth',
  'audit',
  'e2e',
  'standin',
  'webhooks',
  'history',
  'startup',
  'analytics',
  'privacy',
  'web',
] as const;
/** Groups that write their own section of docs/benchmarks.md (alone, they leave the rest as it is). */
const ownSections = new Set(['history', 'startup']);

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    db: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-report': { type: 'boolean', default: false },
    'report-only': { type: 'boolean', default: false },
    'history-max': { type: 'string' },
    'startup-tickets': { type: 'string' },
  },
});

if (values['report-only']) {
  // Re-renders docs/benchmarks.md from bench/results/latest.json and bench/analysis.md.
  const saved = JSON.parse(await readFile(path.resolve('bench/results/latest.json'), 'utf8')) as {
    machine: MachineInfo;
    runs: Array<Run & { label?: string }>;
    notes: Record<string, string[]>;
    command?: string;
  };
  const c = new BenchContext({} as BenchOptions);
  for (const r of saved.runs) c.runs.push({ ...r, name: r.label ?? r.name });
  for (const [g, n] of Object.entries(saved.notes ?? {})) c.notes.set(g, n);
  const analysis = await readFile(path.resolve('bench/analysis.md'), 'utf8').catch(() => null);
  await writeReport({
    ctx: c,
    machine: saved.machine,
    analysis,
    command: saved.command ?? 'npm run bench',
    rewriteJson: false,
  });
  process.exit(0);
}

const quick = values.quick ?? false;
const only = new Set(
  (values.only ?? allGroups.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
for (const g of only)
  if (!(allGroups as readonly string[]).includes(g))
    throw new Error(`unknown group ${g}; use ${allGroups.join(',')}`);
let dbs = (values.db ?? 'pglite,postgres').split(',').map((s) => s.trim()) as DbKind[];
for (const d of dbs) if (d !== 'pglite' && d !== 'postgres') throw new Error(`unknown db ${d}`);
const postgresUrl = process.env.BENCH_DATABASE_URL ?? defaultPostgresUrl;

const options: BenchOptions = {
  quick,
  only,
  dbs,
  postgresUrl,
  profile: values.profile ?? false,
  durationMs: quick ? 500 : 1500,
  repeats: quick ? 2 : 5,
  ...(values['history-max'] ? { historyMax: Number(values['history-max']) } : {}),
  ...(values['startup-tickets'] ? { startupTickets: Number(values['startup-tickets']) } : {}),
};
const ctx = new BenchContext(options);

// Interrupted: stop servers, drop schemas, remove data directories, then leave.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    ctx.log(`${signal}: cleaning up ${pendingCleanups.size} resources`);
    void Promise.allSettled([...pendingCleanups].map((c) => c())).then(() => process.exit(130));
  });
}

if (dbs.includes('postgres') && !(await postgresReachable(postgresUrl))) {
  ctx.log(`PostgreSQL at ${postgresUrl} does not answer: PGlite only`);
  ctx.note(
    'setup',
    `PostgreSQL at ${postgresUrl.replace(/:[^:@/]*@/, ':***@')} did not answer; only PGlite was measured.`,
  );
  dbs = dbs.filter((d) => d !== 'postgres');
  options.dbs = dbs;
}

const argv = process.argv.slice(2).join(' ');
const command = `npm run bench${argv ? ` -- ${argv}` : ''}`;
const machine = await describeMachine(dbs.includes('postgres') ? postgresUrl : null, {
  quick,
  only: [...only],
  dbs,
  durationMs: options.durationMs,
  repeats: options.repeats,
});

if (!values['no-report'])
  ctx.flushSections = async () => {
    await upsertSections(ctx, machine, command);
  };

async function guarded(name: string, work: () => Promise<void>): Promise<void> {
  const t0 = Date.now();
  try {
    await work();
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    ctx.log(`${name} FAILED: ${message}`);
    ctx.note(
      name.split(' ')[0]!,
      `**${name} failed**: \`${message.split('\n').slice(0, 3).join(' ').slice(0, 600)}\``,
    );
  }
  ctx.log(`${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

const e2eLevels = quick
  ? [1, 20, 100].map((clients) => ({ clients, durationMs: 2000 }))
  : [1, 20, 50, 100, 200].map((clients) => ({ clients, durationMs: 10_000 }));

for (const kind of dbs) {
  if (only.has('store')) await guarded(`store ${kind}`, () => runStoreGroup(ctx, kind));
}
let longest = 0;
if (only.has('replay')) {
  await guarded('replay fold', async () => {
    const fold = benchFold(ctx);
    longest = fold.longest;
    if (fold.missed) await profileFold(ctx, fold.tickets);
  });
  for (const kind of dbs) await guarded(`replay ${kind}`, () => benchReplayDb(ctx, kind, longest));
}
for (const kind of dbs) {
  if (only.has('projections'))
    await guarded(`projections ${kind}`, () => benchProjections(ctx, kind));
}
for (const kind of dbs) {
  if (only.has('growth')) await guarded(`growth ${kind}`, () => benchGrowth(ctx, kind));
}
if (only.has('audit') && dbs.includes('postgres')) {
  // The audit targets are PostgreSQL's (issue 16); PGlite holds one process's log.
  await guarded('audit postgres', () => benchAudit(ctx, 'postgres'));
}
for (const kind of dbs) {
  if (!only.has('e2e')) continue;
  await guarded(`e2e ${kind}`, async () => {
    const profDir = options.profile
      ? await mkdtemp(path.join(os.tmpdir(), 'ticketflow-prof-'))
      : undefined;
    try {
      await runE2e(ctx, {
        group: 'e2e',
        label: 'configured model',
        kind,
        env: {},
        levels: e2eLevels,
        waitSeconds: 30,
        warmupMs: quick ? 1000 : 3000,
        graceMs: 30_000,
        targets: (clients) =>
          clients === 100 ? { throughput: kind === 'postgres' ? 300 : 150, p99Ms: 1000 } : null,
        ...(profDir ? { cpuProfDir: profDir } : {}),
      });
      ctx.note('e2e', await sqlPerTicket(kind, quick ? 15 : 40, postgresUrl));
      if (profDir) {
        const profile = await readProfileDir(profDir);
        if (profile)
          ctx.note(
            'e2e',
            `**CPU profile of the server process during the ${kind} e2e run** (\`node --cpu-prof\`, whole run):\n\n${summarizeProfile(profile)}`,
          );
      }
    } finally {
      if (profDir) await rm(profDir, { recursive: true, force: true });
    }
  });
}
for (const kind of dbs) {
  if (only.has('webhooks')) await guarded(`webhooks ${kind}`, () => benchWebhooks(ctx, kind));
}
if (only.has('history')) {
  if (dbs.includes('postgres')) await guarded('history postgres', () => benchHistory(ctx));
  else ctx.note('history', 'The history group runs on PostgreSQL only, which did not answer.');
}
if (only.has('startup')) await guarded('startup', () => benchStartup(ctx, dbs));
for (const kind of dbs) {
  if (!only.has('analytics')) continue;
  await guarded(`analytics ${kind}`, async () => {
    await benchImport(ctx, kind);
    // A million events (24 copies of the Helpdesk log) on the server; fewer on PGlite and quick runs.
    await benchReports(ctx, kind, quick ? 2 : kind === 'postgres' ? 24 : 6);
  });
}
for (const kind of dbs) {
  if (only.has('privacy')) await guarded(`privacy ${kind}`, () => benchPrivacy(ctx, kind));
}
if (only.has('standin')) {
  // The model is the bottleneck here, not the database: one database is enough.
  const kind: DbKind = dbs.includes('postgres') ? 'postgres' : 'pglite';
  await guarded(`standin ${kind}`, () => benchStandIn(ctx, kind));
}

// The web UI's pages with many tickets (PGlite, the default install).
if (only.has('web')) await guarded('web pglite', () => benchWeb(ctx));

machine.finishedAt = new Date().toISOString();
machine.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
if (values['no-report']) {
  for (const [g, notes] of ctx.notes)
    for (const n of notes) process.stderr.write(`\n[${g}] ${n}\n`);
} else {
  const analysis = await readFile(path.resolve('bench/analysis.md'), 'utf8').catch(() => null);
  // Run alone, groups with their own sections leave the rest of the page and latest.json as they are.
  const files = [...only].every((g) => ownSections.has(g))
    ? []
    : await writeReport({ ctx, machine, analysis, command });
  files.push(...(await upsertSections(ctx, machine, command)));
  ctx.log(`wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}
ctx.log(`finished in ${((Date.now() - ctx.started) / 1000).toFixed(0)} s`);
process.exit(0);
