import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../support/fakeOllamaServer.ts';
import { startTicketLoad } from '../support/ticketLoad.ts';
import { startServerProcess, type ServerProcess } from './serverProcess.ts';

const serverUrl = process.env.TEST_DATABASE_URL;
const stuckAfterMs = 3000;
const modelLatencyMs = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The events that carry a model's result or end the automatic steps: each at most once. */
const onceOnly = [
  'TicketReceived',
  'TicketClassified',
  'ClassificationFailed',
  'AnswerDrafted',
  'AnswerDraftFailed',
  'TicketEscalated',
];
const settling = ['AnswerDrafted', 'TicketEscalated', 'AnswerDraftFailed', 'ClassificationFailed'];

interface EventRow {
  stream_id: string;
  type: string;
  created_at: Date;
}

/**
 * Three server processes on one PostgreSQL schema (docs/deployment.md, "Several processes"),
 * each with its own keep-alive clients, the model an Ollama stand-in that takes 1 s a call so
 * tickets are mid-classification or mid-draft when one process is SIGKILLed. The store's
 * expected versions, the projector's lease and the stuck-ticket sweep are what the others use to
 * take its work over: nothing here coordinates the processes.
 */
describe.skipIf(!serverUrl)('three processes on one PostgreSQL, one SIGKILLed under load', () => {
  const schema = `tf_e2e_multi_${randomBytes(5).toString('hex')}`;
  const servers: ServerProcess[] = [];
  const dataDirs: string[] = [];
  let ollama: FakeOllama;
  let db: pg.Client;

  beforeAll(async () => {
    ollama = await startFakeOllama({ latencyMs: modelLatencyMs });
    db = new pg.Client({ connectionString: serverUrl });
    await db.connect();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    await ollama?.close();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.end();
    await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function start(): Promise<ServerProcess> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-multi-'));
    dataDirs.push(dataDir);
    const server = await startServerProcess({
      DATA_DIR: dataDir,
      DATABASE_URL: serverUrl!,
      DATABASE_SCHEMA: schema,
      LLM: 'ollama',
      OLLAMA_HOST: ollama.url,
      OLLAMA_MODEL: 'heuristic-stand-in',
      OLLAMA_MAX_CONCURRENT: '16',
      STUCK_TICKET_AFTER_MS: String(stuckAfterMs),
    });
    servers.push(server);
    return server;
  }

  const ticketEvents = async () =>
    (
      await db.query<EventRow>(
        `SELECT stream_id, type, created_at FROM ${schema}.tf_events
          WHERE stream_id LIKE 'ticket-%' ORDER BY position`,
      )
    ).rows;
  const ticketStatuses = async () =>
    new Map(
      (
        await db.query<{ id: string; status: string }>(
          `SELECT id, status FROM ${schema}.tf_tickets`,
        )
      ).rows.map((r) => [r.id, r.status]),
    );

  it(
    'the others take over the killed one’s tickets; every 201 settles, each result appended once',
    { timeout: 240_000 },
    async () => {
      // The first migrates the schema; the other two start beside it.
      await start();
      await Promise.all([start(), start()]);
      const [a, victim, c] = servers as [ServerProcess, ServerProcess, ServerProcess];
      const load = (url: string) =>
        startTicketLoad(url, {
          clients: 2,
          maxRequests: 150,
          maxMs: 7000,
          pauseMs: 300,
          stopOnRefused: true,
        });
      const loads = [load(a.url), load(victim.url), load(c.url)];

      await sleep(3500);
      const killedAt = Date.now();
      await victim.kill('SIGKILL');
      await Promise.all(loads.map((l) => l.done));

      const accepted = loads.flatMap((l) => l.outcomes.filter((o) => o.status === 201));
      const acceptedByVictim = new Set(loads[1]!.outcomes.flatMap((o) => (o.id ? [o.id] : [])));
      // Anything else than a 201 is a connection the kill cut (its ticket may or may not exist).
      const others = loads.flatMap((l) => l.outcomes.filter((o) => o.status !== 201));
      expect(others.every((o) => o.error !== undefined)).toBe(true);
      expect(new Set(accepted.map((o) => o.id)).size).toBe(accepted.length);

      // Every ticket the database holds settles: the 201s, and those whose answer the kill cut.
      const settled = ['answered', 'escalated'];
      let statuses = new Map<string, string>();
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        statuses = await ticketStatuses();
        const all = [...statuses.values()];
        const acceptedKnown = accepted.every((o) => statuses.has(o.id!));
        if (acceptedKnown && all.every((s) => settled.includes(s))) break;
        await sleep(500);
      }
      for (const o of accepted) expect(settled).toContain(statuses.get(o.id!));
      expect([...statuses.values()].filter((s) => !settled.includes(s))).toEqual([]);

      // Each model result appended once, in every ticket stream.
      const events = await ticketEvents();
      const counts = new Map<string, number>();
      for (const e of events.filter((e) => onceOnly.includes(e.type))) {
        const key = `${e.stream_id} ${e.type}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const duplicates = [...counts].filter(([, n]) => n > 1);
      expect(duplicates).toEqual([]);

      // The killed process's tickets that were still in its hands: settled by the others, whose
      // sweep picks a ticket up once it has not moved for STUCK_TICKET_AFTER_MS (checked every
      // half of that), and then takes two model calls.
      const byStream = new Map<string, EventRow[]>();
      for (const e of events) byStream.set(e.stream_id, [...(byStream.get(e.stream_id) ?? []), e]);
      const takenOver = [...acceptedByVictim].flatMap((id) => {
        const stream = byStream.get(`ticket-${id}`) ?? [];
        const settledAt = stream.find((e) => settling.includes(e.type))?.created_at.getTime();
        if (settledAt === undefined || settledAt < killedAt) return [];
        const resumedAt = stream.find((e) => e.created_at.getTime() >= killedAt)!.created_at;
        return [{ id, resumedAfterMs: resumedAt.getTime() - killedAt, settledAt }];
      });
      const slowestResume = Math.max(...takenOver.map((t) => t.resumedAfterMs));
      console.log(
        `multi-process: ${accepted.length} tickets accepted (${acceptedByVictim.size} by the ` +
          `killed process), ${statuses.size} in the database, ${takenOver.length} taken over, ` +
          `first step after the kill within ${slowestResume} ms (stuck after ${stuckAfterMs} ms), ` +
          `${duplicates.length} duplicate results, ${others.length} requests cut by the kill`,
      );
      expect(accepted.length).toBeGreaterThan(30);
      expect(takenOver.length).toBeGreaterThan(0);
      // The stuck-ticket timeout, plus the sweep's period (half of it), plus 2 s for a loaded machine.
      expect(slowestResume).toBeLessThanOrEqual(stuckAfterMs * 1.5 + 2000);
    },
  );
});
