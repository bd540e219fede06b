import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/server/database.ts';
import { startTestApp } from '../support/harness.ts';
import { tokenFor } from '../support/auth.ts';

describe('embedded PGlite in DATA_DIR', () => {
  it('keeps tickets and their events across a restart', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-data-'));
    try {
      const first = await startTestApp('pglite', { db: await openDatabase({ DATA_DIR: dataDir }) });
      const created = await first.http
        .post('/api/tickets')
        .set('Prefer', 'wait=5')
        .send({ description: 'forgot my password', requester: { email: 'c@example.com' } });
      expect(created.body.status).toBe('answered');
      // Listing needs a token; the token (events in the user's stream) survives the restart too.
      const { auth } = await tokenFor(first, 'auditor');
      await first.close();
      await first.db.close();

      const second = await startTestApp('pglite', {
        db: await openDatabase({ DATA_DIR: dataDir }),
      });
      const again = await second.http.get(`/api/tickets/${created.body.id}`);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: created.body.id, status: 'answered', version: 5 });
      const listed = await second.http.get('/api/tickets').set(auth);
      expect(listed.body.items.map((t: { id: string }) => t.id)).toContain(created.body.id);
      await second.close();
      await second.db.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
