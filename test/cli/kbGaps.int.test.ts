import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { findKbGaps } from '../../src/cli/kbGaps.ts';
import { openPglite } from '../../src/db/index.ts';
import { createKnowledgeBase } from '../../src/kb/index.ts';
import { openDatabase } from '../../src/server/database.ts';
import { tokenFor } from '../support/auth.ts';
import { databaseKinds } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';

const requester = { email: 'ann@example.com', name: 'Ann' };

/**
 * Tickets filed through the app with the scripted model and its two-article knowledge base
 * (password, VPN): "log in" tickets are level 1 with no article, so they escalate `draft_failed`.
 */
const SAP_LOGIN = [
  'Cannot log in to the SAP portal since this morning',
  'SAP portal log in fails with an error',
  'log in to SAP portal impossible, error again',
];
const EXPENSES = 'Expenses tool: cannot log in to submit receipts';
const PRINTER_JAM = 'The printer on floor 2 has a paper jam';
const OUTAGE = 'The whole datacenter is down';
const PASSWORD = 'I forgot my password';

/** The articles `kb gaps` measures against: a printer-jam article, nothing about SAP. */
const gapArticles = [
  {
    id: 'printer-jam',
    title: 'Clear a paper jam in a printer',
    category: 'printing',
    tags: ['printer', 'paper jam'],
    body: 'Open the front cover and remove the jammed paper.',
  },
];

/** Files every kind of ticket; returns the ids of the password ticket (rejected) and others. */
async function fileTickets(app: TestApp): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const file = async (description: string) => {
    const submitted = await app.tf.workflow.submit({
      description,
      requester,
      actor: { id: 'ann', role: 'requester' },
    });
    await submitted.settled;
    ids[description] = submitted.ticketId;
  };
  for (const d of [...SAP_LOGIN, EXPENSES, PRINTER_JAM, OUTAGE, PASSWORD]) await file(d);
  // The requester rejects the automatic password answer: the article did not help.
  const ann = (await tokenFor(app, 'requester', { email: requester.email })).auth;
  const res = await app.http
    .post(`/api/tickets/${ids[PASSWORD]}/commands`)
    .set(ann)
    .send({ type: 'reject_answer', comment: 'did not help' });
  expect(res.status).toBe(200);
  return ids;
}

describe.each(databaseKinds)('kb gaps on %s', (kind) => {
  let app: TestApp;
  let ids: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp(kind);
    ids = await fileTickets(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('groups the tickets no article answered by topic, largest first, with examples', async () => {
    const kb = createKnowledgeBase(gapArticles, { minScore: 0 });
    const report = await findKbGaps(app.tf.store, kb);
    // The outage needed an agent anyway; the printer jam was only unsure, and an article fits it.
    expect(report.coveredLowConfidence).toBe(1);
    expect(report.tickets).toBe(5);
    const [first, ...rest] = report.groups;
    expect(first).toMatchObject({ category: 'account', tickets: 3 });
    expect(first!.reasons).toEqual({ no_grounding: 3 });
    expect(first!.terms).toEqual(expect.arrayContaining(['sap', 'portal']));
    expect(first!.examples.map((e) => e.ticketId).sort()).toEqual(
      SAP_LOGIN.map((d) => ids[d]).sort(),
    );
    expect(first!.examples[0]!.excerpt).toMatch(/SAP portal/);
    const others = rest.flatMap((g) => g.examples.map((e) => e.ticketId)).sort();
    expect(others).toEqual([ids[EXPENSES], ids[PASSWORD]].sort());
    expect(rest.find((g) => g.examples[0]!.ticketId === ids[PASSWORD])!.reasons).toEqual({
      rejected: 1,
    });
  });

  it('counts the unsure printer ticket as a gap when no article fits it', async () => {
    const report = await findKbGaps(app.tf.store, createKnowledgeBase([], { minScore: 0 }));
    expect(report.coveredLowConfidence).toBe(0);
    const printing = report.groups.filter((g) => g.category === 'printing');
    expect(printing).toMatchObject([
      { tickets: 1, reasons: { low_confidence: 1 }, examples: [{ ticketId: ids[PRINTER_JAM] }] },
    ]);
  });
});

/** `npm run cli -- kb gaps` on an embedded PGlite data directory (the server stopped). */
describe('npm run cli -- kb gaps', () => {
  let dataDir: string;
  let kbDir: string;
  let ids: Record<string, string>;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-kb-gaps-'));
    kbDir = path.join(dataDir, 'kb');
    const seed = await openPglite({
      dataDir: path.join(dataDir, 'pglite'),
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await seed.close();
    const db = await openDatabase({ DATA_DIR: dataDir });
    try {
      const app = await startTestApp('pglite', { db });
      try {
        ids = await fileTickets(app);
      } finally {
        await app.close();
      }
    } finally {
      await db.close();
    }
    await mkdir(kbDir);
    await writeFile(
      path.join(kbDir, 'printer-jam.md'),
      '---\nid: printer-jam\ntitle: Clear a paper jam in a printer\ncategory: printing\n' +
        'tags: printer, paper jam\n---\n\nOpen the front cover and remove the jammed paper.\n',
    );
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const run = async (args: string[]) => {
    const lines: string[] = [];
    const errors: string[] = [];
    const out = { log: (s: string) => lines.push(s), error: (s: string) => errors.push(s) };
    const code = await runCli(
      ['kb', 'gaps', '--kb', kbDir, ...args],
      {
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      },
      out as unknown as Console,
    );
    return { code, lines, errors };
  };

  it('prints the topics for people, the largest first with its example tickets', async () => {
    const { code, lines, errors } = await run([]);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    expect(lines[0]).toBe(
      '5 tickets without a good article in 3 topics (1 unsure escalations left out: an article fits them)',
    );
    expect(lines[2]).toMatch(/^3 {2}account: .*sap.* \(no_grounding 3\)$/);
    for (const d of SAP_LOGIN) {
      expect(lines.slice(3, 6).some((l) => l.includes(ids[d]!))).toBe(true);
    }
  });

  it('prints the same report as one JSON document with --json, and refuses a bad --limit', async () => {
    const { code, lines } = await run(['--json']);
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!);
    expect(report).toMatchObject({ tickets: 5, coveredLowConfidence: 1 });
    expect(report.groups.map((g: { tickets: number }) => g.tickets)).toEqual([3, 1, 1]);
    const bad = await run(['--limit', '0']);
    expect(bad.code).toBe(2);
    expect(bad.errors[0]).toMatch(/--limit/);
  });
});
