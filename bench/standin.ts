import { startFakeOllama } from '../test/support/fakeOllamaServer.ts';
import type { BenchContext } from './context.ts';
import type { DbKind } from './db.ts';
import { runE2e, type TicketRecord } from './e2e.ts';
import { summarize } from './stats.ts';

const group = 'standin';

/**
 * The model as the bottleneck: the Ollama-protocol stand-in (test/support/fakeOllamaServer.ts,
 * a heuristic responder, not a language model) answers each chat call after `latencyMs`, at most
 * `capacity` at once. Clients wait for the outcome (`Prefer: wait`), so the queue is bounded by
 * the number of clients, and the measured latency is compared with the capacity model.
 */
export async function benchStandIn(ctx: BenchContext, kind: DbKind): Promise<void> {
  const quick = ctx.options.quick;
  const latencyMs = quick ? 340 : 3400;
  const capacity = 4;
  const waitSeconds = quick ? 60 : 600;
  const fake = await startFakeOllama({ latencyMs, capacity });
  const levels = quick
    ? [
        { clients: 20, durationMs: 5000 },
        { clients: 100, durationMs: 5000 },
      ]
    : [
        { clients: 20, durationMs: 45_000 },
        { clients: 100, durationMs: 30_000 },
      ];
  if (quick)
    ctx.note(
      group,
      `Quick run: the stand-in answers in ${latencyMs} ms (a tenth of 3.4 s) so that the smoke run stays short; the full run uses 3,400 ms.`,
    );
  let levelStart = Date.now();
  try {
    await runE2e(ctx, {
      group,
      label: `Ollama-protocol stand-in (${latencyMs} ms per call, ${capacity} at once)`,
      kind,
      env: {
        LLM: 'ollama',
        OLLAMA_HOST: fake.url,
        OLLAMA_MODEL: 'heuristic-stand-in:latest',
        OLLAMA_MAX_CONCURRENT: String(capacity),
        CLASSIFY_TIMEOUT_MS: String(waitSeconds * 1000),
        DRAFT_TIMEOUT_MS: String(waitSeconds * 1000),
      },
      levels,
      waitSeconds,
      warmupMs: 0,
      graceMs: quick ? 30_000 : 120_000,
      analyse: (level, records: TicketRecord[], seconds) => {
        const chats = fake.requests.filter(
          (q) => q.path === '/api/chat' && q.receivedAt >= levelStart,
        ).length;
        levelStart = Date.now();
        const ok = records.filter((r) => r.httpStatus === 201);
        const m = chats / Math.max(1, ok.length);
        const s = latencyMs / 1000;
        const predictedX = capacity / (m * s);
        // Throughput once the queue is full: completions after the first one, over that span.
        const done = ok.map((r) => r.doneAt).sort((a, b) => a - b);
        const measuredX =
          done.length > 1 ? (done.length - 1) / ((done.at(-1)! - done[0]!) / 1000) : Number.NaN;
        const predicted = ok.map((r) => ((r.queueAhead + 1) * m * s * 1000) / capacity);
        const measured = ok.map((r) => r.ms);
        const ratio = summarize(measured.map((x, i) => x / predicted[i]!));
        const notFinal = ok.filter(
          (r) => r.statusInResponse !== 'answered' && r.statusInResponse !== 'escalated',
        ).length;
        ctx.add({
          group,
          db: kind,
          name: `${level.clients} clients: throughput vs capacity model (${capacity} / (${m.toFixed(2)} calls per ticket × ${s} s) = ${predictedX.toFixed(2)} tickets/s)`,
          unit: 'tickets/s',
          median: measuredX,
          ratioToBaseline: measuredX / predictedX,
          baseline: 'capacity model',
          note: `${ok.length} tickets in ${seconds.toFixed(0)} s (load ${level.durationMs / 1000} s, then the clients' last tickets drain); ${chats} chat calls; ${notFinal} responses not final within Prefer: wait=${waitSeconds}`,
        });
        ctx.add({
          group,
          db: kind,
          name: `${level.clients} clients: measured latency ÷ predicted ((queue ahead + 1) × calls × ${s} s ÷ ${capacity}), per ticket`,
          unit: 'ratio',
          median: ratio.median,
          p95: ratio.p95,
          p99: ratio.p99,
          n: ratio.n,
          note: `mean measured ${(summarize(measured).mean / 1000).toFixed(1)} s, mean predicted ${(summarize(predicted).mean / 1000).toFixed(1)} s; steady-state prediction for ${level.clients} clients: ${((level.clients * m * s) / capacity).toFixed(1)} s`,
        });
      },
    });
    ctx.note(
      group,
      `Server settings for this run: \`LLM=ollama\`, \`OLLAMA_MAX_CONCURRENT=${capacity}\`, \`CLASSIFY_TIMEOUT_MS=DRAFT_TIMEOUT_MS=${waitSeconds * 1000}\` (the actor's deadline covers the wait for a model slot, so with a queue of 100 tickets at ~${((100 * 1.5 * 3.4) / 4).toFixed(0)} s the 30 s default would time out), \`MAX_WAIT_SECONDS=${waitSeconds}\`; each client sends \`Prefer: wait=${waitSeconds}\` and waits for the outcome before its next ticket (a closed loop: the queue never holds more tickets than there are clients). The stand-in served at most ${fake.maxInFlight} requests at once (queued ones included).`,
    );
  } finally {
    await fake.close();
  }
}
