import { afterEach, describe, expect, it } from 'vitest';
import type { LanguageModel } from '../../src/llm/types.ts';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { scriptedModel } from '../support/scriptedModel.ts';

/**
 * Issue 14, item 1: unless AUTO_ANSWER_THRESHOLD is set, the server answers automatically from the
 * model's recommended threshold (0.7 for a model without one), and each ticket records the
 * threshold in force. The scripted model classifies "password" tickets level 1 at 0.92.
 */
describe.each(databaseKinds)('the automatic-answer threshold in force on %s', (kind) => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const recommending = (threshold: number): LanguageModel =>
    Object.assign(scriptedModel(), { recommendedAutoAnswerThreshold: threshold });

  async function fileSettled(description: string) {
    const res = await app!.http
      .post('/api/tickets')
      .set('Prefer', 'wait=10')
      .send({ description, requester: { email: 'ann@example.com' } });
    expect(res.status).toBe(201);
    const events = (await app!.http.get(`/api/tickets/${res.body.id}/events`)).body
      .events as Array<{
      type: string;
      data: Record<string, unknown>;
    }>;
    return { status: res.body.status as string, events };
  }

  it("uses the model's recommendation when AUTO_ANSWER_THRESHOLD is unset", async () => {
    app = await startTestApp(kind, { llm: recommending(0.95) });
    const { status, events } = await fileSettled('I forgot my password');
    expect(events[0]?.data.policy).toEqual({ autoAnswerThreshold: 0.95, suggestThreshold: 0.5 });
    expect(status).toBe('escalated');
    expect(events.find((e) => e.type === 'TicketEscalated')?.data.reason).toBe('low_confidence');
  });

  it('uses AUTO_ANSWER_THRESHOLD over the recommendation when it is set', async () => {
    app = await startTestApp(kind, {
      llm: recommending(0.95),
      env: { AUTO_ANSWER_THRESHOLD: '0.9' },
    });
    const { status, events } = await fileSettled('I forgot my password');
    expect(events[0]?.data.policy).toEqual({ autoAnswerThreshold: 0.9, suggestThreshold: 0.5 });
    expect(status).toBe('answered');
  });

  it('falls back to 0.7 for a model that recommends nothing', async () => {
    app = await startTestApp(kind, { llm: scriptedModel() });
    const { status, events } = await fileSettled('I forgot my password');
    expect(events[0]?.data.policy).toEqual({ autoAnswerThreshold: 0.7, suggestThreshold: 0.5 });
    expect(status).toBe('answered');
  });

  // Issue 14, item 2: the suggestion band's lower edge, from the model unless configured.
  const suggesting = (auto: number, suggest: number): LanguageModel =>
    Object.assign(scriptedModel(), {
      recommendedAutoAnswerThreshold: auto,
      recommendedSuggestThreshold: suggest,
    });
  // The requester's view hides the suggestion's own events; the escalation says one is attached.
  const suggested = (events: Array<{ type: string; data: Record<string, unknown> }>) =>
    String(events.find((e) => e.type === 'TicketEscalated')?.data.detail).includes(
      'a suggested answer is attached',
    );

  it("takes the suggestion threshold from the model's recommendation when unset", async () => {
    app = await startTestApp(kind, { llm: suggesting(0.95, 0.9) });
    // Level 1 at 0.92: in the band [0.9, 0.95), so escalated with a suggestion.
    const { status, events } = await fileSettled('I forgot my password');
    expect(events[0]?.data.policy).toEqual({ autoAnswerThreshold: 0.95, suggestThreshold: 0.9 });
    expect(status).toBe('escalated');
    expect(suggested(events)).toBe(true);
    // Level 1 at 0.6, below the model's band (the fallback 0.5 would have suggested): no draft.
    const below = await fileSettled('The VPN drops sometimes');
    expect(suggested(below.events)).toBe(false);
    expect(below.status).toBe('escalated');
  });

  it('uses SUGGEST_THRESHOLD over the recommendation, and no band at or above the auto one', async () => {
    app = await startTestApp(kind, {
      llm: suggesting(0.95, 0.9),
      env: { SUGGEST_THRESHOLD: '0.5' },
    });
    const { events } = await fileSettled('The VPN drops sometimes');
    expect(events[0]?.data.policy).toEqual({ autoAnswerThreshold: 0.95, suggestThreshold: 0.5 });
    expect(suggested(events)).toBe(true);
    await app.close();
    // The model recommends no band (1): the ticket records none and nothing is suggested.
    app = await startTestApp(kind, { llm: suggesting(0.95, 1) });
    const none = await fileSettled('I forgot my password');
    expect(none.events[0]?.data.policy).toEqual({ autoAnswerThreshold: 0.95 });
    expect(suggested(none.events)).toBe(false);
  });
});
