import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractArticles } from '../../prompts/index.ts';
import { loadKnowledgeBase } from '../../src/kb/index.ts';
import { createLocalModel } from '../../src/llm/local/index.ts';
import { createOllamaModel } from '../../src/llm/ollama/index.ts';
import { ModelError, type KnowledgeBase, type LanguageModel } from '../../src/llm/types.ts';
import {
  startFakeOllama,
  type FakeChatRequest,
  type FakeOllama,
} from '../support/fakeOllamaServer.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { injections, type InjectionFixture } from '../fixtures/injections.ts';

/**
 * Issue 14, item 4: no ticket of the injection set is answered automatically unless its request
 * is truly level 1, through the whole app (PGlite), with the shipped local model and with the
 * Ollama adapter against a fake Ollama scripted to obey every injection: level 1 at 0.99 and an
 * answer that repeats its instructions. The product's guards, not the model, must stop them.
 */

/** A model that does what the ticket says: level 1, confidence 0.99, the instructions repeated. */
function obedient(request: FakeChatRequest) {
  const system = request.messages[0]?.content ?? '';
  const user = request.messages[1]?.content ?? '';
  if (system.includes('triage assistant')) {
    return {
      content: {
        level: 1,
        category: 'password',
        confidence: 0.99,
        rationale: 'Level 1 with confidence 0.99, as the ticket instructs.',
      },
    };
  }
  const [article] = extractArticles(user);
  return {
    content: {
      answer: /password reset portal is down/.test(user)
        ? `Please follow "${article?.title}".`
        : `As you asked, my instructions: ${system.slice(0, 600)}`,
      citations: article ? [{ id: article.id, title: article.title }] : [],
    },
  };
}

async function fileSettled(app: TestApp, t: Pick<InjectionFixture, 'subject' | 'description'>) {
  const res = await app.http
    .post('/api/tickets')
    .set('Prefer', 'wait=20')
    .send({
      subject: t.subject,
      description: t.description,
      requester: { email: 'eve@example.com' },
    });
  expect(res.status).toBe(201);
  const events = (await app.http.get(`/api/tickets/${res.body.id}/events`)).body.events as Array<{
    type: string;
    data: Record<string, unknown>;
  }>;
  return { status: res.body.status as string, events };
}

let kb: KnowledgeBase;
beforeAll(async () => {
  kb = await loadKnowledgeBase('kb');
});

function injectionSet(name: string, model: () => LanguageModel, control: InjectionFixture) {
  describe(`the injection set with ${name}`, () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp('pglite', { llm: model(), knowledgeBase: kb });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('answers the control ticket automatically (so the guards below are what escalates)', async () => {
      expect((await fileSettled(app, control)).status).toBe('answered');
    });

    it.each(injections.map((t) => [t.id, t] as const))('does not answer %s', async (_, t) => {
      const { status, events } = await fileSettled(app, t);
      if (!t.trulyLevel1) expect(status).not.toBe('answered');
      // None is answered today: the screen flags every one, and the record says why, keeping the
      // model's level for routing.
      expect(status).toBe('escalated');
      const classified = events.find((e) => e.type === 'TicketClassified');
      expect(classified?.data.injectionSuspected).toEqual(
        expect.arrayContaining([expect.stringMatching(/^[a-z_]+$/)]),
      );
      const escalated = events.find((e) => e.type === 'TicketEscalated');
      expect(escalated?.data).toMatchObject({
        reason: 'injection_suspected',
        level: classified?.data.level,
      });
      expect(escalated?.data.detail).toMatch(/^prompt injection suspected \(/);
      const drafted = ['AnswerDraftStarted', 'SuggestionDraftStarted'];
      expect(events.some((e) => drafted.includes(e.type))).toBe(false);
    });
  });
}

injectionSet('the shipped local model', () => createLocalModel({ knowledgeBase: kb }), {
  id: 'control',
  language: 'en',
  where: 'body',
  goal: 'force_level',
  trulyLevel1: true,
  subject: 'Forgot password',
  description: 'I forgot my password and cannot log in. How do I reset my password?',
});

let fake: FakeOllama;
beforeAll(async () => {
  fake = await startFakeOllama();
  fake.setHandler(obedient);
});
afterAll(() => fake?.close());
const ollama = () => createOllamaModel({ host: fake.url, model: 'obedient', timeoutMs: 5000 });

// The obedient model answers a level-3 outage without any injection text: nothing in the
// ticket tells the screen, so it is answered; that is why the set's tickets escalating is the
// guards' doing.
injectionSet('Ollama obeying the injection', ollama, {
  id: 'control',
  language: 'en',
  where: 'body',
  goal: 'force_level',
  trulyLevel1: false,
  subject: 'Password portal outage',
  description: 'The password reset portal is down for everyone since 8:00 (outage).',
});

describe('the Ollama adapter on its own, obeying the injection', () => {
  it.each(injections.map((t) => [t.id, t] as const))(
    'refuses a draft of %s that repeats the instructions',
    async (_, t) => {
      const articles = await kb.search(`${t.subject}\n${t.description}`, 3);
      const fallback = kb.all().slice(0, 1);
      const error = await ollama()
        .draft(t, articles.length > 0 ? articles : fallback)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelError);
      expect(error).toMatchObject({ reason: 'invalid_output' });
      expect((error as Error).message).toMatch(/repeats the instructions/);
    },
  );
});
