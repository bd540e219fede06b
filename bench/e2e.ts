import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext } from './context.ts';
import { dropSchema, newSchemaName, onCleanup, preparePgliteDir, type DbKind } from './db.ts';
import { httpClient } from './http.ts';
import { summarize, sleep } from './stats.ts';
import { ticketBody } from './tickets.ts';

export interface ServerHandle {
  url: string;
  kind: string;
  model: string;
  child: ChildProcess;
  stderrTail(): string;
  stop(): Promise<void>;
}

/** Starts bench/server.ts (the product's composition root) as a child process and waits for its port. */
export async function startServer(
  env: Record<string, string>,
  options: { cpuProfDir?: string } = {},
): Promise<ServerHandle> {
  const args = ['--import', 'tsx'];
  if (options.cpuProfDir) args.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfDir);
  args.push(path.resolve('bench/server.ts'));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const listening = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`server did not start in 120 s: ${stderr.slice(-1500)}`)),
      120_000,
    );
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('LISTENING '));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${stderr.slice(-1500)}`));
    });
  });
  const [, port, kind, model] = listening.trim().split(' ');
  return {
    url: `http://127.0.0.1:${port}`,
    kind: kind ?? '?',
    model: model ?? '?',
    child,
    stderrTail: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface TicketRecord {
  id: string | null;
  httpStatus: number;
  statusInResponse: string | null;
  ms: number;
  /** Requests of the load generator already waiting when this one was sent. */
  queueAhead: number;
  sentAt: number;
  doneAt: number;
  /** Wall clock (ms since the epoch) when sent and answered, to compare with event timestamps. */
  sentAtWall: number;
  doneAtWall: number;
  error?: string;
}

const finalStatuses = new Set([
  'answered',
  'escalated',
  'closed',
  'assigned',
  'in_progress',
  'waiting',
  'resolved',
]);

/**
 * A bounded closed loop: `clients` clients each POST a ticket with `Prefer: wait=N`, wait for the
 * answer and send the next, until `durationMs` has passed; the requests in flight then finish.
 */
export async function closedLoopTickets(
  baseUrl: string,
  clients: number,
  durationMs: number,
  waitSeconds: number,
  seq: { next: number },
): Promise<{ records: TicketRecord[]; seconds: number }> {
  const client = httpClient(baseUrl, clients);
  const records: TicketRecord[] = [];
  let outstanding = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const i = seq.next++;
        const queueAhead = outstanding++;
        const sentAt = performance.now();
        const sentAtWall = Date.now();
        try {
          const res = await client.request(
            'POST',
            '/api/tickets',
            ticketBody(i),
            { prefer: `wait=${waitSeconds}` },
            (waitSeconds + 60) * 1000,
          );
          const body = res.body as { id?: string; status?: string } | null;
          records.push({
            id: res.status === 201 ? (body?.id ?? null) : null,
            httpStatus: res.status,
            statusInResponse: body?.status ?? null,
            ms: res.ms,
            queueAhead,
            sentAt,
            doneAt: performance.now(),
            sentAtWall,
            doneAtWall: Date.now(),
            ...(res.status !== 201 ? { error: JSON.stringify(res.body).slice(0, 200) } : {}),
          });
        } catch (error) {
          records.push({
            id: null,
            httpStatus: 0,
            statusInResponse: null,
            ms: performance.now() - sentAt,
            queueAhead,
            sentAt,
            doneAt: performance.now(),
            sentAtWall,
            doneAtWall: Date.now(),
            error: String(error),
          });
          await sleep(50);
        } finally {
          outstanding--;
        }
      }
    }),
  );
  client.close();
  return { records, seconds: (performance.now() - start) / 1000 };
}

/** Every ticket created must end answered or escalated: asks the API for each one (its event stream, replayed). */
export async function verifyTickets(baseUrl: string, ids: string[], graceMs: number) {
  const client = httpClient(baseUrl, 16);
  const final = new Map<
    string,
    { status: string; escalationReason: string | null; detail: string | null }
  >();
  const notFound = new Set<string>();
  const deadline = performance.now() + graceMs;
  let pending = [...new Set(ids)];
  for (;;) {
    const next: string[] = [];
    let k = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (k < pending.length) {
          const id = pending[k++]!;
          const res = await client.request('GET', `/api/tickets/${id}`).catch(() => null);
          if (res?.status === 404) {
            notFound.add(id);
            continue;
          }
          const body = res?.body as
            | { status?: string; escalation?: { reason?: string; detail?: string } | null }
            | undefined;
          if (res?.status === 200 && body?.status && finalStatuses.has(body.status)) {
            final.set(id, {
              status: body.status,
              escalationReason: body.escalation?.reason ?? null,
              detail: body.escalation?.detail ?? null,
            });
          } else next.push(id);
        }
      }),
    );
    pending = next;
    if (pending.length === 0 || performance.now() > deadline) break;
    await sleep(1000);
  }
  client.close();
  const byStatus: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  for (const v of final.values()) {
    byStatus[v.status] = (byStatus[v.status] ?? 0) + 1;
    if (v.escalationReason) byReason[v.escalationReason] = (byReason[v.escalationReason] ?? 0) + 1;
  }
  const timeouts = [...final.values()].filter((v) =>
    /timeout|timed out/i.test(v.detail ?? ''),
  ).length;
  return {
    checked: new Set(ids).size,
    final: final.size,
    stuck: pending,
    lost: [...notFound],
    byStatus,
    byReason,
    timeouts,
  };
}

type Level = { clients: number; durationMs: number };

interface E2eOptions {
  group: string;
  label: string;
  kind: DbKind;
  env: Record<string, string>;
  levels: Level[];
  waitSeconds: number;
  warmupMs: number;
  graceMs: number;
  targets?: (clients: number) => { throughput?: number; p99Ms?: number } | null;
  cpuProfDir?: string;
  /** Called per level with its records (the stand-in compares them with the capacity model). */
  analyse?: (level: Level, records: TicketRecord[], seconds: number) => void;
}

/** Starts the server on a fresh database, runs the levels, verifies every ticket, stops the server. */
export async function runE2e(ctx: BenchContext, o: E2eOptions): Promise<void> {
  const env: Record<string, string> = {
    MAX_WAIT_SECONDS: String(Math.max(30, o.waitSeconds)),
    // The load comes from one address: the anonymous intake limits (docs/security.md) would refuse
    // it. The benchmark measures the engine, so they are off here.
    RATE_LIMIT_INTAKE_PER_ADDRESS: '0',
    RATE_LIMIT_INTAKE_PER_EMAIL: '0',
    RATE_LIMIT_PER_TOKEN: '0',
    ...o.env,
  };
  let cleanup: () => Promise<void>;
  if (o.kind === 'pglite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-e2e-'));
    env.DATA_DIR = dir;
    await preparePgliteDir(path.join(dir, 'pglite'));
    delete env.DATABASE_URL;
    cleanup = onCleanup(() => rm(dir, { recursive: true, force: true }));
  } else {
    const schema = newSchemaName();
    env.DATABASE_URL = ctx.options.postgresUrl;
    env.DATABASE_SCHEMA = schema;
    cleanup = onCleanup(() => dropSchema(ctx.options.postgresUrl, schema));
  }
  const t0 = performance.now();
  let server: ServerHandle;
  try {
    server = await startServer(env, o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {});
  } catch (error) {
    await cleanup();
    throw error;
  }
  const stopServer = onCleanup(() => server.stop());
  ctx.log(
    `${o.label}: server up in ${((performance.now() - t0) / 1000).toFixed(1)} s (${server.kind}, model ${server.model})`,
  );
  const seq = { next: Math.floor(Math.random() * 1e6) };
  const ids: string[] = [];
  let failures = 0;
  const errors: string[] = [];
  try {
    if (o.warmupMs > 0) {
      const warm = await closedLoopTickets(server.url, 8, o.warmupMs, o.waitSeconds, seq);
      for (const r of warm.records) if (r.id) ids.push(r.id);
    }
    for (const level of o.levels) {
      const { records, seconds } = await closedLoopTickets(
        server.url,
        level.clients,
        level.durationMs,
        o.waitSeconds,
        seq,
      );
      for (const r of records) {
        if (r.id) ids.push(r.id);
        else {
          failures++;
          if (errors.length < 5) errors.push(`${r.httpStatus} ${r.error ?? ''}`);
        }
      }
      const ok = records.filter((r) => r.httpStatus === 201);
      const settled = ok.filter((r) => r.statusInResponse && finalStatuses.has(r.statusInResponse));
      const lat = summarize(ok.map((r) => r.ms));
      const target = o.targets?.(level.clients) ?? null;
      const run = ctx.add({
        group: o.group,
        db: o.kind,
        name: `${o.label}: ${level.clients} clients, tickets answered or escalated within the request`,
        unit: 'tickets/s',
        median: settled.length / seconds,
        n: records.length,
        note: `${ok.length} created in ${seconds.toFixed(1)} s (${(ok.length / seconds).toFixed(1)}/s), ${settled.length} final in the response, ${records.length - ok.length} failed; model ${server.model}`,
        ...(target?.throughput
          ? { target: `≥ ${target.throughput} tickets/s, p99 < ${target.p99Ms} ms` }
          : {}),
      });
      const latRun = ctx.add({
        group: o.group,
        db: o.kind,
        name: `${o.label}: ${level.clients} clients, POST latency (Prefer: wait=${o.waitSeconds})`,
        unit: 'ms',
        median: lat.median,
        p95: lat.p95,
        p99: lat.p99,
        n: lat.n,
      });
      if (target?.throughput) {
        run.met =
          run.median >= target.throughput && (latRun.p99 ?? Infinity) < (target.p99Ms ?? Infinity);
        latRun.target = `p99 < ${target.p99Ms} ms`;
        latRun.met = (latRun.p99 ?? Infinity) < (target.p99Ms ?? Infinity);
      }
      o.analyse?.(level, records, seconds);
      if (level.clients >= 50) await explainTail(ctx, o, server.url, level.clients, ok);
    }
    const v = await verifyTickets(server.url, ids, o.graceMs);
    const clean = v.lost.length === 0 && v.stuck.length === 0 && failures === 0;
    ctx.add({
      group: o.group,
      db: o.kind,
      name: `${o.label}: tickets lost or stuck after the run (of ${v.checked} created)`,
      unit: 'tickets',
      median: v.lost.length + v.stuck.length,
      target: 'none lost, none stuck',
      met: clean,
      note: `lost ${v.lost.length}, stuck ${v.stuck.length} (not answered/escalated ${(o.graceMs / 1000).toFixed(0)} s after the load), failed requests ${failures}${errors.length ? ` (${errors.join('; ')})` : ''}; final: ${JSON.stringify(v.byStatus)}; escalation reasons: ${JSON.stringify(v.byReason)}; model timeouts: ${v.timeouts}`,
    });
  } finally {
    await stopServer();
    if (server.child.exitCode !== 0 && server.child.exitCode !== null)
      ctx.log(`server exited ${server.child.exitCode}: ${server.stderrTail().slice(-800)}`);
    await cleanup();
  }
}

/**
 * Where the slowest 1 % of requests spent their time, from the ticket's own timestamps: before the
 * server accepted it (TicketReceived), in the workflow (to its last automatic event), and after.
 */
async function explainTail(
  ctx: BenchContext,
  o: E2eOptions,
  baseUrl: string,
  clients: number,
  records: readonly TicketRecord[],
): Promise<void> {
  const slowest = [...records]
    .filter((r) => r.id)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, Math.max(1, Math.min(20, Math.ceil(records.length / 100))));
  const client = httpClient(baseUrl, 4);
  const parts = { accept: [] as number[], workflow: [] as number[], answer: [] as number[] };
  for (const r of slowest) {
    const res = await client.request('GET', `/api/tickets/${r.id}`, undefined, {}, 10_000);
    const view = res.body as { createdAt?: string; updatedAt?: string } | null;
    if (!view?.createdAt || !view.updatedAt) continue;
    const received = Date.parse(view.createdAt);
    const settled = Date.parse(view.updatedAt);
    parts.accept.push(received - r.sentAtWall);
    parts.workflow.push(settled - received);
    parts.answer.push(r.doneAtWall - settled);
  }
  if (parts.accept.length === 0) return;
  const med = (xs: number[]) => summarize(xs).median.toFixed(0);
  ctx.note(
    o.group,
    `**${o.kind}, ${o.label}, ${clients} clients: the slowest ${parts.accept.length} requests** (median of each part, ms): sent → accepted (TicketReceived) ${med(parts.accept)}, accepted → last automatic event ${med(parts.workflow)}, → response received ${med(parts.answer)} (total median ${med(slowest.map((r) => r.ms))}).`,
  );
}
