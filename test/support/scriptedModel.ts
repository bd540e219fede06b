import {
  ModelError,
  type Classification,
  type KbArticle,
  type KnowledgeBase,
  type LanguageModel,
} from '../../src/llm/types.ts';

/**
 * A test double at the model port (the database is always real): classifies by a few keywords,
 * counts its calls, and can be told to fail or hang, so workflow tests control every branch.
 */
export function scriptedModel(options: { hangOn?: RegExp; failOn?: RegExp } = {}) {
  const calls = { classify: 0, draft: 0 };
  const trace = (ms = 1) => ({
    model: 'scripted',
    promptVersion: 'test-v1',
    promptHash: 'test',
    latencyMs: ms,
    attempts: 1,
  });
  const model: LanguageModel & { calls: typeof calls } = {
    name: 'scripted',
    calls,
    async classify(ticket, callOptions) {
      calls.classify++;
      const text = `${ticket.subject ?? ''} ${ticket.description}`.toLowerCase();
      if (options.failOn?.test(text)) throw new ModelError('unavailable', 'model unavailable');
      if (options.hangOn?.test(text)) {
        await new Promise((_, reject) =>
          callOptions?.signal?.addEventListener('abort', () =>
            reject(new ModelError('timeout', 'model timed out')),
          ),
        );
      }
      let result: Classification = {
        level: 2,
        category: 'application',
        confidence: 0.8,
        rationale: 'default',
      };
      if (/password|log ?in|vpn/.test(text))
        result = { level: 1, category: 'account', confidence: 0.92, rationale: 'account access' };
      // Level 1, between the suggestion and the auto-answer thresholds: a suggestion for agents.
      if (/sometimes/.test(text))
        result = { level: 1, category: 'network', confidence: 0.6, rationale: 'somewhat sure' };
      if (/printer/.test(text))
        result = { level: 1, category: 'printing', confidence: 0.4, rationale: 'unsure' };
      if (/datacenter|outage|down/.test(text))
        result = { level: 3, category: 'infrastructure', confidence: 0.95, rationale: 'outage' };
      return { result, trace: trace() };
    },
    async draft(_ticket, articles) {
      calls.draft++;
      const first = articles[0];
      if (!first) throw new ModelError('no_grounding', 'no article');
      return {
        result: {
          answer: `Please follow "${first.title}".`,
          citations: [{ id: first.id, title: first.title }],
        },
        trace: trace(),
      };
    },
  };
  return model;
}

/** A two-article knowledge base with keyword search, for workflow tests. */
export function tinyKnowledgeBase(): KnowledgeBase {
  const articles: KbArticle[] = [
    {
      id: 'password-reset',
      title: 'Reset a forgotten password',
      category: 'account',
      tags: ['password', 'login'],
      body: 'Use the self-service portal.',
    },
    {
      id: 'vpn-connect',
      title: 'Connect to the VPN',
      category: 'network',
      tags: ['vpn'],
      body: 'Open the VPN client.',
    },
  ];
  return {
    async search(query, limit) {
      const words = query.toLowerCase().split(/\W+/);
      return articles
        .map((a) => ({
          ...a,
          score: a.tags.filter((t) => words.some((w) => w.startsWith(t))).length,
        }))
        .filter((a) => a.score > 0)
        .sort((x, y) => y.score - x.score)
        .slice(0, limit);
    },
    get: (id) => articles.find((a) => a.id === id),
    all: () => articles,
  };
}
