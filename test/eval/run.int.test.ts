import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnowledgeBase } from '../../src/kb/index.ts';
import { createLocalModel, LocalClassifier } from '../../src/llm/local/index.ts';
import { evaluate, type EvalRow } from '../../src/eval/run.ts';
import type { LanguageModel } from '../../src/llm/types.ts';
import { createOllamaModel } from '../../src/llm/ollama/index.ts';
import { fixtureArticles } from '../kb/fixtures.ts';
import { closedPort } from '../llm/ollama/helpers.ts';
import { startFakeOllama, type FakeOllama } from '../support/fakeOllamaServer.ts';
import { toyRows } from '../llm/local/fixtures.ts';

const kb = createKnowledgeBase(fixtureArticles());
const classifier = LocalClassifier.train(toyRows(), { folds: 3 });
const model = createLocalModel({ classifier, knowledgeBase: kb });

const rows: EvalRow[] = [
  // Level 1, and the knowledge base has an article for it: answered end to end.
  { description: 'I forgot my password and need a password reset', level: 1 },
  { description: 'printer not printing since this morning', level: 1 },
  // Level 1 by its words, but no article covers it: the workflow would escalate it.
  { description: 'how to map network drive please help', level: 1 },
  { description: 'production server down', level: 3 },
  { description: 'invoice report wrong totals', level: 2 },
];

describe('evaluate', () => {
  it('counts as answered end to end only the confident level-1 tickets that a knowledge-base article grounds', async () => {
    const result = await evaluate(rows, model, kb, { threshold: 0.5, bootstrapSamples: 200 });
    expect(result.model.report.confusion[0]![0]).toBe(3);
    expect(result.model.autoAnswer.answered).toBe(3);
    expect(result.endToEnd).toEqual({
      threshold: 0.5,
      precision: 1,
      coverage: 2 / 3,
      answered: 2,
    });
  });

  it('reports intervals over the clusters and, given the nearest training tickets, results by similarity', async () => {
    const copies: EvalRow[] = [...rows, { ...rows[3]!, subject: undefined }, rows[4]!];
    const result = await evaluate(copies, model, kb, {
      threshold: 0.5,
      bootstrapSamples: 200,
      drafts: false,
      nearest: (row) => classifier.predict(row.subject, row.description).nearest,
    });
    // The two repeated tickets join their originals' clusters.
    expect(result.intervals.clusters).toBe(5);
    const { low, high } = result.intervals.accuracy;
    expect(low).toBeLessThanOrEqual(result.model.report.accuracy);
    expect(high).toBeGreaterThanOrEqual(result.model.report.accuracy);
    expect(result.endToEnd).toBeUndefined();
    const bands = result.byNearest!;
    expect(bands.reduce((n, b) => n + b.tickets, 0)).toBe(copies.length);
    // Every one of these texts is a training phrase, so each lands in a high band.
    expect(bands[0]!.tickets + bands[1]!.tickets).toBeGreaterThanOrEqual(5);
  });
});

describe('evaluate, comparing Ollama through the same port', () => {
  let fake: FakeOllama;
  beforeAll(async () => {
    // Replies take a while, so concurrent calls overlap at the server.
    fake = await startFakeOllama({ latencyMs: 50 });
  });
  afterAll(() => fake.close());

  it('measures a model served over Ollama’s protocol on the same rows, several calls at once', async () => {
    const ollama = createOllamaModel({
      host: fake.url,
      model: 'heuristic-stand-in',
      timeoutMs: 5000,
    });
    const result = await evaluate(rows, model, kb, {
      threshold: 0.5,
      bootstrapSamples: 50,
      drafts: false,
      compare: [ollama],
      compareConcurrency: 3,
    });
    const [compared] = result.compared;
    expect(compared!.name).toBe('ollama/heuristic-stand-in');
    expect(compared!.report.n).toBe(rows.length);
    expect(compared!.failures).toBe(0);
    expect(fake.chatRequests()).toHaveLength(rows.length);
    expect(fake.maxInFlight).toBeGreaterThan(1);
    expect(fake.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('counts failed calls as the workflow treats them: escalated, never auto-answered', async () => {
    const down = createOllamaModel({
      host: `http://127.0.0.1:${await closedPort()}`,
      model: 'm',
      timeoutMs: 2000,
    });
    const result = await evaluate(rows, model, kb, {
      threshold: 0.5,
      bootstrapSamples: 50,
      drafts: false,
      compare: [down],
    });
    const [compared] = result.compared;
    expect(compared!.failures).toBe(rows.length);
    expect(compared!.autoAnswer.answered).toBe(0);
    expect(compared!.report.confusion.map((r) => r[1])).toEqual([3, 1, 1]);
  });
});

describe('evaluate, as the workflow treats failing models', () => {
  const failing = (classify: LanguageModel['classify']): LanguageModel => ({
    name: 'failing',
    classify,
    draft: () => Promise.reject(new Error('not used')),
  });

  it('counts a model that throws an unexpected error as escalating, not as a crashed run', async () => {
    const broken = failing(() => Promise.reject(new TypeError('bug in an adapter')));
    const result = await evaluate(rows, model, kb, {
      threshold: 0.5,
      bootstrapSamples: 20,
      drafts: false,
      compare: [broken],
    });
    expect(result.compared[0]).toMatchObject({ name: 'failing', failures: rows.length });
  });

  it('gives up on a call that hangs after the workflow’s timeout', async () => {
    const hanging = failing(
      (_ticket, options) =>
        new Promise((_, reject) =>
          options?.signal?.addEventListener('abort', () => reject(options.signal!.reason)),
        ),
    );
    const result = await evaluate(rows.slice(0, 2), model, kb, {
      threshold: 0.5,
      bootstrapSamples: 20,
      drafts: false,
      compare: [hanging],
      timeouts: { classifyMs: 50, draftMs: 50 },
    });
    expect(result.compared[0]!.failures).toBe(2);
    expect(result.compared[0]!.autoAnswer.answered).toBe(0);
  });
});
