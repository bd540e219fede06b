import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy.ts';
import { startTicketLoad, type Outcome } from '../support/ticketLoad.ts';
import { startServerProcess, type ServerProcess } from './serverProcess.ts';

const serverUrl = process.env.TEST_DATABASE_URL;
const requestTimeoutMs = 3000;

interface ReadyProbe {
  at: number;
  ms: number;
  status?: number;
  error?: string;
}

/** GET /ready on a new connection every 200 ms until stopped. */
function probeReady(url: string) {
  const probes: ReadyProbe[] = [];
  let stopped = false;
  const once = () =>
    new Promise<ReadyProbe>((resolve) => {
      const at = Date.now();
      http
        .get(`${url}/ready`, { agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ at, ms: Date.now() - at, status: res.statusCode ?? 0 }));
        })
        .on('error', (error: NodeJS.ErrnoException) =>
          resolve({ at, ms: Date.now() - at, error: error.code ?? error.message }),
        );
    });
  const done = (async () => {
    while (!stopped) {
      probes.push(await once());
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    probes,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Time from `from` to the first outcome after it that satisfies `ok`. */
function firstAfter<T extends { at?: number; sentAt?: number }>(
  items: T[],
  from: number,
  ok: (item: T) => boolean,
): number | undefined {
  const hit = items.find((i) => (i.at ?? i.sentAt ?? 0) >= from && ok(i));
  return hit ? (hit.at ?? hit.sentAt ?? 0) - from : undefined;
}

/**
 * The real server, its DATABASE_URL pointing at a TCP proxy in front of PostgreSQL, under a steady
 * load of ticket submissions while the proxy adds latency, cuts every connection and refuses new
 * ones, then black-holes the traffic. See docs/operations.md.
 */
describe.skipIf(!serverUrl)('faults between the server and PostgreSQL, under load', () => {
  let proxy: TcpProxy;
  let server: ServerProcess | undefined;
  let dataDir: string;
  const schema = `tf_e2e_faults_${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    const target = new URL(serverUrl!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-dbfaults-'));
  });
  afterAll(async () => {
    if (server) await server.kill('SIGKILL');
    await proxy?.close();
    await rm(dataDir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => admin.end());
  });

  it(
    'answers 503 quickly while the database is away and recovers by itself, losing no accepted ticket',
    { timeout: 180_000 },
    async () => {
      server = await startServerProcess({
        DATA_DIR: dataDir,
        DATABASE_URL: proxy.url(serverUrl!),
        DATABASE_SCHEMA: schema,
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_QUERY_TIMEOUT_MS: '1000',
        REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
        STUCK_TICKET_AFTER_MS: '2000',
      });
      const load = startTicketLoad(server.url, {
        clients: 8,
        maxRequests: 20_000,
        maxMs: 90_000,
        pauseMs: 10,
      });
      const ready = probeReady(server.url);
      const at: Record<string, number> = {};

      await sleep(2000);
      at.latency = Date.now();
      proxy.latencyMs = 50;
      await sleep(3000);
      proxy.latencyMs = 0;
      at.cut = Date.now();
      proxy.refuse = true;
      proxy.cut();
      await sleep(4000);
      at.back = Date.now();
      proxy.refuse = false;
      await sleep(4000);
      at.blackhole = Date.now();
      proxy.blackhole = true;
      await sleep(4000);
      at.released = Date.now();
      proxy.blackhole = false;
      await sleep(4000);
      await load.stop();
      await ready.stop();
      const alive = server.child.exitCode === null;

      const outcomes = load.outcomes;
      const accepted = outcomes.filter((o) => o.status === 201);
      // Requests sent and answered inside the window.
      const during = (from: number, to: number) =>
        outcomes.filter((o) => o.sentAt >= from && o.sentAt + o.ms < to);
      // A fault is noticed within a connect or statement timeout (1 s): count from then.
      const cutAnswers = during(at.cut! + 1500, at.back!);
      const blackholeAnswers = during(at.blackhole! + 1500, at.released!);
      const figures = {
        requests: outcomes.length,
        created: accepted.length,
        unavailable503: outcomes.filter((o) => o.status === 503).length,
        other: outcomes.filter((o) => o.status !== 201 && o.status !== 503).length,
        connectionErrors: outcomes.filter((o) => o.error).length,
        slowestMs: Math.max(...outcomes.map((o) => o.ms)),
        latencyPhase: summary(during(at.latency!, at.cut!)),
        cutPhase: summary(cutAnswers),
        blackholePhase: summary(blackholeAnswers),
        recoveryAfterCut: {
          first201Ms: firstAfter(outcomes, at.back!, (o) => o.status === 201),
          ready200Ms: firstAfter(ready.probes, at.back!, (p) => p.status === 200),
        },
        recoveryAfterBlackhole: {
          first201Ms: firstAfter(outcomes, at.released!, (o) => o.status === 201),
          ready200Ms: firstAfter(ready.probes, at.released!, (p) => p.status === 200),
        },
        readySlowestMs: Math.max(...ready.probes.map((p) => p.ms)),
      };
      console.log('database faults under load:', JSON.stringify(figures));

      expect(alive).toBe(true);
      expect(outcomes.filter((o) => o.error)).toEqual([]);
      expect(outcomes.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
      for (const o of outcomes.filter((x) => x.status === 503)) {
        expect(o.contentType).toMatch(/^application\/problem\+json/);
        expect(o.retryAfter).toBeDefined();
      }
      // Never a hang past the request timeout (plus the client's own round trip).
      expect(figures.slowestMs).toBeLessThan(requestTimeoutMs + 1000);
      expect(figures.readySlowestMs).toBeLessThan(requestTimeoutMs + 1000);
      // While the database is away, writes are refused and /ready says so.
      for (const [answers, from, to] of [
        [cutAnswers, at.cut!, at.back!],
        [blackholeAnswers, at.blackhole!, at.released!],
      ] as const) {
        expect(answers.length).toBeGreaterThan(0);
        expect(answers.filter((o) => o.status === 201)).toEqual([]);
        const probes = ready.probes.filter((p) => p.at >= from + 1500 && p.at + p.ms < to);
        expect(probes.length).toBeGreaterThan(0);
        expect(probes.filter((p) => p.status !== 503)).toEqual([]);
      }
      // Back by itself, with no restart.
      for (const recovery of [figures.recoveryAfterCut, figures.recoveryAfterBlackhole]) {
        expect(recovery.first201Ms).toBeLessThan(4000);
        expect(recovery.ready200Ms).toBeLessThan(4000);
      }

      // Every accepted ticket is stored, and each one's automatic steps finish (the sweep resumes
      // those a fault interrupted).
      const ids = accepted.map((o) => o.id!);
      const db = new pg.Client({
        connectionString: serverUrl,
        options: `-c search_path=${schema}`,
      });
      await db.connect();
      try {
        const { rows } = await db.query<{ id: string }>(
          `SELECT data->>'ticketId' AS id FROM tf_events WHERE type = 'TicketReceived'`,
        );
        const stored = new Set(rows.map((r) => r.id));
        expect(ids.filter((id) => !stored.has(id))).toEqual([]);
        let unfinished: string[] = ids;
        const deadline = Date.now() + 60_000;
        while (unfinished.length > 0 && Date.now() < deadline) {
          const { rows: done } = await db.query<{ id: string }>(
            `SELECT id FROM tf_tickets WHERE id = ANY($1::uuid[]) AND status IN ('answered', 'escalated')`,
            [unfinished],
          );
          const finished = new Set(done.map((r) => r.id));
          unfinished = unfinished.filter((id) => !finished.has(id));
          if (unfinished.length > 0) await sleep(500);
        }
        console.log('accepted tickets not answered or escalated after 60 s:', unfinished.length);
        expect(unfinished).toEqual([]);
      } finally {
        await db.end();
      }
      expect(await server.kill('SIGTERM')).toBe(0);
      server = undefined;
    },
  );
});

function summary(outcomes: Outcome[]) {
  const by = (status: number) => outcomes.filter((o) => o.status === status).length;
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return {
    requests: outcomes.length,
    created: by(201),
    unavailable503: by(503),
    p50Ms: ms[Math.floor(ms.length / 2)] ?? 0,
    maxMs: ms.at(-1) ?? 0,
  };
}
