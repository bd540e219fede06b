import { describe, expect, it } from 'vitest';
import { createKnowledgeBase } from '../../../src/kb/index.ts';
import {
  createLocalModel,
  DRAFT_TEMPLATE_HASH,
  LocalClassifier,
} from '../../../src/llm/local/index.ts';
import { ModelError, classificationSchema, draftSchema } from '../../../src/llm/types.ts';
import { fixtureArticles } from '../../kb/fixtures.ts';
import { toyRows } from './fixtures.ts';

const articles = fixtureArticles();
const kb = createKnowledgeBase(articles);
const model = createLocalModel({
  classifier: LocalClassifier.train(toyRows(), { folds: 3 }),
  knowledgeBase: kb,
});

describe('local model: classify', () => {
  it('returns a valid classification and a trace', async () => {
    const { result, trace } = await model.classify({
      subject: 'locked',
      description: 'my account is locked out',
    });
    const { scores, ...classification } = result;
    expect(classificationSchema.parse(result)).toEqual(classification);
    expect(result.level).toBe(1);
    // The distribution the decision came from, for the audit record: the chosen level's is the
    // largest, and they sum to one (four decimals each).
    expect(scores).toBeDefined();
    const values = Object.values(scores!);
    expect(Math.max(...values)).toBe(scores!['1']);
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(result.rationale).toMatch(/level 1/);
    expect(trace).toMatchObject({
      model: model.name,
      promptVersion: 'local-classify-v1',
      attempts: 1,
    });
    expect(trace.promptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(model.name).toMatch(/^local\//);
  });

  it('honours an aborted signal', async () => {
    await expect(
      model.classify({ description: 'x' }, { signal: AbortSignal.abort() }),
    ).rejects.toThrow();
  });
});

describe('local model: draft', () => {
  it('answers from the best article, with its steps and citations', async () => {
    const ticket = { description: "I forgot my password and can't log in" };
    const found = await kb.search(ticket.description, 3);
    const { result, trace } = await model.draft(ticket, found);
    expect(draftSchema.parse(result)).toEqual(result);
    expect(result.citations[0]).toEqual({
      id: 'password-reset',
      title: 'Reset a forgotten password',
    });
    expect(result.answer).toMatch(/^Hello,/);
    expect(result.answer).toContain('1. Open the self-service password portal.');
    expect(result.answer).toContain('an agent will take over');
    expect(result.answer).not.toContain('When this applies');
    expect(trace).toMatchObject({
      model: model.name,
      promptVersion: 'local-draft-v1',
      promptHash: DRAFT_TEMPLATE_HASH,
      attempts: 1,
    });
    expect(trace.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('scores articles passed without a score itself', async () => {
    const vpn = articles.find((a) => a.id === 'vpn-connect')!;
    const { result } = await model.draft(
      { description: 'the VPN does not connect from my home office' },
      [vpn],
    );
    expect(result.citations).toEqual([{ id: 'vpn-connect', title: 'Connect to the company VPN' }]);
  });

  it('refuses with no_grounding when no article is relevant enough', async () => {
    const printer = articles.find((a) => a.id === 'printer-not-printing')!;
    const attempt = model.draft({ description: 'the quarterly invoice shows a wrong VAT rate' }, [
      printer,
    ]);
    await expect(attempt).rejects.toBeInstanceOf(ModelError);
    await expect(attempt).rejects.toMatchObject({ reason: 'no_grounding' });
    await expect(model.draft({ description: 'anything' }, [])).rejects.toMatchObject({
      reason: 'no_grounding',
    });
  });
});

describe('the shipped default model (models/local-model.json)', () => {
  const shipped = createLocalModel({ knowledgeBase: kb });

  it('answers a forgotten password as level 1 with confidence at least 0.7', async () => {
    const { result } = await shipped.classify({
      description: "I forgot my password and can't log in",
    });
    expect(result.level).toBe(1);
    expect(result.confidence).toBeGreaterThanOrEqual(0.7);
  });

  it('sends a datacenter outage to level 3', async () => {
    const { result } = await shipped.classify({
      description: 'The whole datacenter network is down, no server responds',
    });
    expect(result.level).toBe(3);
  });

  it('classifies in well under 5 ms per ticket', async () => {
    const texts = [
      'outlook keeps asking for my password',
      'SAP posting job failed tonight',
      'new monitor for my desk',
      'VPN disconnects every hour',
    ];
    for (const t of texts) await shipped.classify({ description: t });
    const started = performance.now();
    for (let i = 0; i < 50; i++) await shipped.classify({ description: texts[i % texts.length]! });
    expect((performance.now() - started) / 50).toBeLessThan(5);
  });
});
