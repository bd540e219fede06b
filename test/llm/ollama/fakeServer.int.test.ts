import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderClassifyPrompt, renderDraftPrompt } from '../../../prompts/index.ts';
import {
  checkOllama,
  createOllamaEmbedder,
  createOllamaModel,
} from '../../../src/llm/ollama/index.ts';
import {
  hashedEmbedding,
  heuristicClassify,
  startFakeOllama,
  type FakeOllama,
} from '../../support/fakeOllamaServer.ts';
import { closedPort, modelError } from './helpers.ts';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await startFakeOllama();
});
afterAll(() => fake.close());

const classifyMessages = (description: string) => {
  const p = renderClassifyPrompt({ description });
  return [
    { role: 'system', content: p.system },
    { role: 'user', content: p.user },
  ];
};

describe('fake Ollama server', () => {
  it('streams NDJSON chat chunks that the ollama client parses', async () => {
    fake.reset();
    fake.script({
      content: { level: 1, category: 'vpn', confidence: 0.9, rationale: 'r' },
      chunkSize: 5,
    });
    const client = new Ollama({ host: fake.url });
    const stream = await client.chat({
      model: 'any',
      messages: classifyMessages('vpn'),
      stream: true,
    });
    let content = '';
    let chunks = 0;
    let last:
      | { done: boolean; done_reason: string; eval_count: number; prompt_eval_count: number }
      | undefined;
    for await (const part of stream) {
      chunks++;
      content += part.message.content;
      last = part;
    }
    expect(chunks).toBeGreaterThan(5);
    expect(JSON.parse(content)).toEqual({
      level: 1,
      category: 'vpn',
      confidence: 0.9,
      rationale: 'r',
    });
    expect(last).toMatchObject({ done: true, done_reason: 'stop' });
    expect(last!.eval_count).toBeGreaterThan(0);
    expect(last!.prompt_eval_count).toBeGreaterThan(0);
  });

  it('answers non-streamed chats the way Ollama does, through the ollama client', async () => {
    const client = new Ollama({ host: fake.url });
    const reply = await client.chat({
      model: 'any',
      messages: classifyMessages('server outage'),
      stream: false,
    });
    expect(JSON.parse(reply.message.content)).toMatchObject({ level: 3 });
    expect(reply).toMatchObject({ done: true, done_reason: 'stop', model: 'any' });
    expect(reply.total_duration).toBeGreaterThan(0);
    expect(typeof reply.eval_duration).toBe('number');
  });

  it('sends Ollama-style errors', async () => {
    const strict = await startFakeOllama({ models: ['llama3.2:latest'] });
    try {
      const client = new Ollama({ host: strict.url });
      await expect(client.chat({ model: 'nope', messages: [] })).rejects.toMatchObject({
        status_code: 404,
        error: 'model "nope" not found, try pulling it first',
      });
      strict.script({ status: 500, error: 'out of memory' });
      await expect(client.chat({ model: 'llama3.2', messages: [] })).rejects.toMatchObject({
        status_code: 500,
        error: 'out of memory',
      });
      const list = await client.list();
      expect(list.models.map((m) => m.name)).toEqual(['llama3.2:latest']);
    } finally {
      await strict.close();
    }
  });

  it('queues requests beyond its capacity and records the in-flight peak', async () => {
    // Long enough that all six arrive before the first two are done, even on a loaded machine.
    const limited = await startFakeOllama({ latencyMs: 250, capacity: 2 });
    try {
      const started = Date.now();
      await Promise.all(
        Array.from({ length: 6 }, () =>
          fetch(`${limited.url}/api/chat`, {
            method: 'POST',
            body: JSON.stringify({ model: 'm', stream: false, messages: classifyMessages('wifi') }),
          }).then((r) => r.json()),
        ),
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(740); // 3 rounds of 250 ms
      expect(limited.maxInFlight).toBe(6); // all six reached the server; two processed at a time
    } finally {
      await limited.close();
    }
  });

  it('the heuristic stand-in follows its keyword rules and drafts from the first article', async () => {
    expect(heuristicClassify('Cannot login to the portal')).toMatchObject({
      level: 1,
      confidence: 0.9,
    });
    expect(heuristicClassify('Security breach on a laptop').level).toBe(3);
    expect(heuristicClassify('Need a new monitor')).toMatchObject({ level: 2, confidence: 0.6 });
    const p = renderDraftPrompt({ description: 'printer' }, [
      { id: 'A-1', title: 'Printers', category: 'printer', tags: [], body: 'Turn it off and on.' },
      { id: 'A-2', title: 'Other', category: 'x', tags: [], body: 'No.' },
    ]);
    const m = createOllamaModel({ host: fake.url, model: 'm' });
    fake.reset();
    const { result } = await m.draft({ description: 'printer' }, [
      { id: 'A-1', title: 'Printers', category: 'printer', tags: [], body: 'Turn it off and on.' },
      { id: 'A-2', title: 'Other', category: 'x', tags: [], body: 'No.' },
    ]);
    expect(result.citations).toEqual([{ id: 'A-1', title: 'Printers' }]);
    expect(result.answer).toContain('Turn it off and on.');
    expect(fake.chatRequests()[0]!.messages[1]!.content).toBe(p.user);
  });
});

describe('embedder and readiness', () => {
  it('embeds texts in order, deterministically, in batches', async () => {
    fake.reset();
    const embedder = createOllamaEmbedder({
      host: fake.url,
      model: 'nomic-embed-text',
      batchSize: 2,
    });
    const texts = ['reset password', 'vpn client', 'printer jam', 'reset password', 'wifi'];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(5);
    expect(vectors[0]).toHaveLength(64);
    expect(vectors[0]).toEqual(vectors[3]);
    expect(vectors[0]).toEqual(hashedEmbedding('reset password'));
    expect(Math.hypot(...vectors[1]!)).toBeCloseTo(1, 6);
    const embeds = fake.requests.filter((r) => r.path === '/api/embed');
    expect(embeds.map((r) => (r.body as { input: string[] }).input.length)).toEqual([2, 2, 1]);
    expect(await embedder.embed([])).toEqual([]);
  });

  it('maps embed failures to ModelError', async () => {
    const port = await closedPort();
    const down = createOllamaEmbedder({ host: `http://127.0.0.1:${port}`, model: 'e' });
    expect((await modelError(down.embed(['x']))).reason).toBe('unavailable');
  });

  it('exposes an embedder on the model when embedModel is set', async () => {
    const m = createOllamaModel({ host: fake.url, model: 'm', embedModel: 'e' });
    expect(await m.embedder?.embed(['a b'])).toEqual([hashedEmbedding('a b')]);
    expect(createOllamaModel({ host: fake.url, model: 'm' }).embedder).toBeUndefined();
  });

  it('checkOllama reports readiness from /api/tags', async () => {
    const health = await checkOllama(fake.url);
    expect(health.ok).toBe(true);
    expect(health.models).toContain('heuristic-stand-in:latest');
    expect((await checkOllama(fake.url, { require: ['heuristic-stand-in'] })).ok).toBe(true);
    const missing = await checkOllama(fake.url, { require: ['llama3.2'] });
    expect(missing).toMatchObject({ ok: false, error: 'model not pulled: llama3.2' });
    const port = await closedPort();
    const down = await checkOllama(`127.0.0.1:${port}`);
    expect(down.ok).toBe(false);
    expect(down.error).toMatch(/unreachable/);
  });
});
