import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';

type Auth = { Authorization: string };
interface Entry {
  version: number;
  eventId: string;
  type: string;
  actor: { id: string; role: string; kind: string };
  before: { status: string; level: number | null; assignee: string | null };
  after: { status: string; level: number | null; assignee: string | null };
  changes: Array<{ path: string; before: unknown; after: unknown }>;
  decision: null | {
    step: string;
    model: string;
    promptVersion: string | null;
    promptHash: string | null;
    input: { sha256: string; source: string };
    classification: { level: number; confidence: number } | null;
    threshold: number;
    articles: { source: string; items: Array<{ id: string; score: number | null }> };
    latencyMs: number;
    overriddenBy: Array<{ type: string; version: number; eventId: string; actorId: string }>;
  };
}
const entry = (entries: Entry[], type: string): Entry => {
  const found = entries.find((e) => e.type === type);
  if (!found) throw new Error(`no ${type} in ${entries.map((e) => e.type).join(', ')}`);
  return found;
};

describe.each(databaseKinds)('GET /api/tickets/:id/timeline on %s', (kind) => {
  let app: TestApp;
  let auditor: Auth;
  let ann: Auth; // the requester
  let una: Auth; // level-1 agent, with a display name
  const description = 'I forgot my password and cannot log in';
  let ticketId: string;
  const timeline = (who: Auth | Record<string, never>, query = '') =>
    app.http.get(`/api/tickets/${ticketId}/timeline${query}`).set(who);
  const command = async (who: Auth, body: object, withVersion = true) => {
    const req = app.http.post(`/api/tickets/${ticketId}/commands`).set(who);
    if (withVersion) {
      const { body: t } = await app.http.get(`/api/tickets/${ticketId}`).set(who);
      req.set('If-Match', `"${t.version}"`);
    }
    const res = await req.send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };

  beforeAll(async () => {
    app = await startTestApp(kind);
    auditor = (await tokenFor(app, 'auditor')).auth;
    ann = (await tokenFor(app, 'requester', { email: 'ann@example.com' })).auth;
    await app.tf.users.create(
      { email: 'una@example.com', name: 'Una Agent', role: 'agent', levels: [1] },
      { id: 'test-bootstrap', role: 'admin' },
    );
    una = (await tokenFor(app, 'agent', { email: 'una@example.com', levels: [1] })).auth;
    const res = await app.http
      .post('/api/tickets')
      .set(ann)
      .set('Prefer', 'wait=10')
      .send({ description });
    expect(res.body.status).toBe('answered');
    ticketId = res.body.id;
  });
  afterAll(async () => {
    await app?.close();
  });

  it("shows an auto-answered ticket's model decisions: model, prompt, input hash, threshold, articles, latency", async () => {
    const res = await timeline(auditor);
    expect(res.status).toBe(200);
    const entries = res.body.entries as Entry[];
    expect(entries.map((e) => e.type)).toEqual([
      'TicketReceived',
      'ClassificationStarted',
      'TicketClassified',
      'AnswerDraftStarted',
      'AnswerDrafted',
    ]);
    expect(entries.map((e) => e.actor.kind)).toEqual([
      'person',
      'automation',
      'model',
      'automation',
      'model',
    ]);
    expect(entries[0]!.actor).toEqual({ id: 'ann@example.com', role: 'requester', kind: 'person' });
    // The hash of exactly what the model actors receive, recomputed here independently.
    const input = createHash('sha256')
      .update(JSON.stringify({ ticketId, description }))
      .digest('hex');
    const classified = entry(entries, 'TicketClassified');
    expect(classified.before.status).toBe('classifying');
    expect(classified.after).toEqual({ status: 'classified', level: 1, assignee: null });
    expect(classified.changes.map((c) => c.path)).toContain('classification');
    expect(classified.decision).toMatchObject({
      step: 'classification',
      model: 'scripted',
      promptVersion: 'test-v1',
      promptHash: 'test',
      input: { sha256: input, source: 'computed_from_fold' },
      classification: { level: 1, confidence: 0.92 },
      // The scripted model, like Ollama, gives a level and a confidence, not a distribution.
      scoresPerLevel: null,
      threshold: 0.7,
      latencyMs: 1,
      overriddenBy: [],
    });
    const drafted = entry(entries, 'AnswerDrafted');
    expect(drafted.after.status).toBe('answered');
    expect(drafted.decision).toMatchObject({
      step: 'draft',
      input: { sha256: input },
      // What the knowledge base retrieved for the draft, with its search score.
      articles: { source: 'retrieved', items: [{ id: 'password-reset', score: 1 }] },
      overriddenBy: [],
    });
  });

  it('links the decisions to the human overrides after them: the rejected answer and the re-level', async () => {
    await command(ann, { type: 'reject_answer', comment: 'did not help' }, false);
    await command(una, { type: 'claim' });
    await command(una, { type: 'note', body: 'Requester is the CFO, handle with care' });
    await command(una, { type: 'relevel', level: 2, reason: 'needs an identity specialist' });
    const entries = (await timeline(auditor)).body.entries as Entry[];
    const rejected = entry(entries, 'AnswerRejected');
    const relevelled = entry(entries, 'TicketRelevelled');
    expect(relevelled.actor).toEqual({ id: 'una@example.com', role: 'agent', kind: 'person' });
    expect(relevelled.before).toEqual({
      status: 'assigned',
      level: 1,
      assignee: 'una@example.com',
    });
    expect(relevelled.after).toEqual({ status: 'escalated', level: 2, assignee: null });
    const link = (e: Entry) => ({ type: e.type, version: e.version, eventId: e.eventId });
    expect(entry(entries, 'AnswerDrafted').decision!.overriddenBy).toMatchObject([
      link(rejected),
      link(relevelled),
    ]);
    expect(entry(entries, 'TicketClassified').decision!.overriddenBy).toMatchObject([
      link(relevelled),
    ]);
    expect(JSON.stringify(entries)).toContain('handle with care');
  });

  it("shows the requester and capability-URL holders no internal note and no agent's email, only the display name", async () => {
    const mine = await timeline(ann);
    expect(mine.status).toBe(200);
    const entries = mine.body.entries as Entry[];
    const text = JSON.stringify(mine.body);
    expect(entries.map((e) => e.type)).not.toContain('InternalNoteAdded');
    expect(text).not.toContain('handle with care');
    expect(text).not.toContain('una@example.com');
    expect(entry(entries, 'TicketClaimed').actor).toEqual({
      id: 'agent: Una Agent',
      role: 'agent',
      kind: 'person',
    });
    expect(entry(entries, 'TicketClaimed').after.assignee).toBe('agent: Una Agent');
    // The requester's own identity and the model's decision stay.
    expect(entries[0]!.actor.id).toBe('ann@example.com');
    expect(entry(entries, 'AnswerDrafted').decision!.overriddenBy).toHaveLength(2);
    const anonymous = await timeline({});
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual(mine.body);
  });

  it('ends at a version or an instant, and refuses a version it does not have', async () => {
    const upTo3 = await timeline(auditor, '?version=3');
    expect(upTo3.body.version).toBe(3);
    expect((upTo3.body.entries as Entry[]).map((e) => e.type).at(-1)).toBe('TicketClassified');
    const all = (await timeline(auditor)).body.entries as Array<{ at: string }>;
    const atStart = await timeline(auditor, `?at=${encodeURIComponent(all[0]!.at)}`);
    expect(atStart.body.entries.length).toBeLessThan(all.length);
    expect(atStart.body.entries).toEqual(all.filter((e) => e.at <= all[0]!.at));
    expect((await timeline(auditor, '?version=999')).status).toBe(404);
    const bad = await timeline(auditor, '?version=abc');
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
