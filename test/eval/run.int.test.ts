import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnowledgeBase } from '../../src/kb/index.ts';
import { createLocalModel, LocalClassifier } from '../../src/llm/local/index.ts';
import { evaluate, type EvalRow } from '../../src/eval/run.ts';
import { formatReport, markdownSection } from '../../src/eval/format.ts';
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

describe('evaluate, the suggestion band', () => {
  // Level and confidence scripted by text; drafts from the local model's real extractive drafter.
  const scripted: Record<string, { level: 1 | 2 | 3; confidence: number }> = {
    password: { level: 1, confidence: 0.95 },
    printer: { level: 1, confidence: 0.6 },
    vpn: { level: 1, confidence: 0.6 },
    invoice: { level: 1, confidence: 0.55 },
    server: { level: 3, confidence: 0.9 },
  };
  const banded: LanguageModel = {
    name: 'scripted',
    async classify(ticket) {
      const key = Object.keys(scripted).find((k) => ticket.description.includes(k))!;
      const { level, confidence } = scripted[key]!;
      return {
        result: { level, confidence, category: 'general', rationale: 'scripted' },
        trace: {
          model: 'scripted',
          promptVersion: 'v1',
          promptHash: 'test',
          latencyMs: 0,
          attempts: 1,
        },
      };
    },
    draft: (ticket, articles, options) => model.draft(ticket, articles, options),
  };
  const answered: EvalRow[] = [
    { description: 'I forgot my password, reset please', level: 1, answer: 'Use the reset link.' },
    {
      description: 'the printer is not printing, jobs stuck in the print queue',
      level: 1,
      answer: 'Check the printer is online and clear the print queue of stuck jobs.',
    },
    {
      description: 'vpn anyconnect does not connect from the home office',
      level: 1,
      // The reference answer is about passwords: its article is not the suggestion's.
      answer: 'Your password expired: reset a forgotten password via the login page.',
    },
    { description: 'invoice totals are wrong', level: 2, answer: 'Finance will correct it.' },
    { description: 'the server is down', level: 3 },
  ];

  it('reports the band, its level-1 share and coverage, and the cited articles against the references', async () => {
    const result = await evaluate(answered, banded, kb, {
      threshold: 0.9,
      suggestThreshold: 0.5,
      bootstrapSamples: 20,
    });
    expect(result.band).toMatchObject({
      suggestThreshold: 0.5,
      autoThreshold: 0.9,
      tickets: 3,
      level1: 2,
      coverage: 2 / 3,
      withAutoAnswers: 1,
    });
    expect(result.band!.precision).toBeCloseTo(2 / 3);
    // The invoice ticket has no article to ground a suggestion in; the printer one agrees.
    expect(result.band!.articles).toEqual({ withReference: 3, drafted: 2, agree: 1 });
    const report = formatReport(result, { data: 'rows', modelName: 'scripted' });
    expect(report).toContain(
      'Suggestion band (predicted level 1, 0.5 ≤ confidence < 0.9; escalated with the model',
    );
    expect(report).toContain('2 got a grounded suggestion, 1 of those cite');
    expect(markdownSection('rows', result, { data: 'rows', modelName: 'scripted' })).toContain(
      'automatic answers and suggestions together cover 1.000 of them',
    );
  });

  it('has no band when the suggestion threshold is not below the automatic one', async () => {
    const result = await evaluate(answered, banded, kb, {
      threshold: 0.5,
      suggestThreshold: 0.5,
      bootstrapSamples: 20,
      drafts: false,
    });
    expect(result.band).toBeUndefined();
    expect(result.atFixed).toMatchObject({ threshold: 0.7, answered: 1 });
  });
});
