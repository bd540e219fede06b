import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/index.ts';
import type { LanguageModel } from '../../src/llm/types.ts';
import { allMigrations } from '../../src/server/database.ts';
import { tokenFor } from '../support/auth.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { scriptedModel } from '../support/scriptedModel.ts';

/** More digits than a `real` keeps (about 7), as many as the event's double does. */
const confidence = 0.123456789012;

/** The scripted model, always this sure of itself. */
function preciseModel(): LanguageModel {
  const base = scriptedModel();
  return {
    ...base,
    async classify(ticket, options) {
      const { result, trace } = await base.classify(ticket, options);
      return { result: { ...result, confidence }, trace };
    },
  };
}

async function fileTicket(app: TestApp): Promise<string> {
  const created = await app.http
    .post('/api/tickets')
    .set('Prefer', 'wait=10')
    .send({
      description: 'the ERP report totals are wrong',
      requester: { email: 'c@example.com' },
    });
  expect(created.status).toBe(201);
  await app.tf.projector.catchUp();
  return created.body.id as string;
}

async function listedConfidence(app: TestApp, id: string): Promise<unknown> {
  const { auth } = await tokenFor(app, 'auditor');
  const list = await app.http.get('/api/tickets').set(auth);
  expect(list.status).toBe(200);
  return (list.body.items as Array<{ id: string; confidence: unknown }>).find((t) => t.id === id)
    ?.confidence;
}

describe.each(databaseKinds)('a ticket confidence on %s', (kind) => {
  it('is listed exactly as the event and the replay hold it', async () => {
    const app = await startTestApp(kind, { llm: preciseModel() });
    try {
      const id = await fileTicket(app);
      const replayed = await app.http.get(`/api/tickets/${id}/state`);
      expect(replayed.body.confidence).toBe(confidence);
      expect(await listedConfidence(app, id)).toBe(confidence);
    } finally {
      await app.close();
    }
  });

  it('is exact after an existing install (a `real` column) is migrated and started', async () => {
    const db = await openTestDatabase(kind);
    try {
      // The install as it was before migration 103: a `real` column with rows written to it.
      await db.query(`ALTER TABLE tf_tickets ALTER COLUMN confidence TYPE real`);
      await db.query(`DELETE FROM tf_migrations WHERE id = '103_tickets_confidence_double'`);
      const before = await startTestApp(kind, { db, llm: preciseModel() });
      const id = await fileTicket(before);
      const rounded = await listedConfidence(before, id);
      await before.close();
      expect(rounded).not.toBe(confidence);
      expect(rounded).toBeCloseTo(confidence, 6);

      expect(await migrate(db, allMigrations)).toEqual(['103_tickets_confidence_double']);
      const after = await startTestApp(kind, { db, llm: preciseModel() });
      try {
        expect(await listedConfidence(after, id)).toBe(confidence);
      } finally {
        await after.close();
      }
    } finally {
      await db.close();
    }
  });
});
