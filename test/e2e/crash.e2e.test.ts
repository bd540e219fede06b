import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../support/fakeOllamaServer.ts';
import { startServerProcess } from './serverProcess.ts';

/**
 * The requester's promise: a ticket that got a 201 is never lost. The model here is an
 * Ollama-protocol stand-in that takes 3 s per call, so the server is killed mid-classification.
 */
describe('a server killed with SIGKILL right after a 201', () => {
  let dataDir: string;
  let ollama: FakeOllama;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-crash-'));
    ollama = await startFakeOllama({ latencyMs: 3000 });
  });
  afterAll(async () => {
    await ollama.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  // Two cold starts of a real server (each creates or opens PGlite and loads the model).
  it(
    'classifies the ticket after it is started again, with no new request',
    { timeout: 180_000 },
    async () => {
      const env = {
        DATA_DIR: dataDir,
        LLM: 'ollama',
        OLLAMA_HOST: ollama.url,
        OLLAMA_MODEL: 'heuristic-stand-in',
      };
      const first = await startServerProcess(env);
      const created = await fetch(`${first.url}/api/tickets`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          description: "I forgot my password and can't log in",
          requester: { email: 'k@example.com' },
        }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      await first.kill('SIGKILL');

      const second = await startServerProcess(env);
      try {
        let ticket: { status: string; level: number | null } = { status: '', level: null };
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          ticket = (await (await fetch(`${second.url}/api/tickets/${id}`)).json()) as typeof ticket;
          if (ticket.status === 'answered' || ticket.status === 'escalated') break;
          await new Promise((r) => setTimeout(r, 250));
        }
        expect(ticket.status).toBe('answered');
        expect(ticket.level).toBe(1);
        const events = (await (await fetch(`${second.url}/api/tickets/${id}/events`)).json()) as {
          events: Array<{ type: string; version: number }>;
        };
        expect(events.events.map((e) => e.version)).toEqual(events.events.map((_, i) => i + 1));
        expect(events.events.filter((e) => e.type === 'TicketReceived')).toHaveLength(1);
        expect(events.events.filter((e) => e.type === 'TicketClassified')).toHaveLength(1);
      } finally {
        await second.kill('SIGTERM');
      }
    },
  );
});
