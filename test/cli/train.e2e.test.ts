import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import type { ClassifierFile } from '../../src/llm/local/index.ts';
import { openDatabase } from '../../src/server/index.ts';
import { ticketStreamId } from '../../src/workflow/index.ts';
import { toyRows } from '../llm/local/fixtures.ts';
import { received, relevelled } from '../workflow/correctionEvents.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tf-train-'));
const dataDir = join(dir, 'data');
const seeds = join(dir, 'seeds.jsonl');
const corrected = 'the label printer in hall 4 needs a new driver profile';

async function train(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/train.ts', '--data', seeds, '--quiet', ...args],
      { env: { ...process.env, DATABASE_URL: '', EVENTSTORE: 'postgres', ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  writeFileSync(
    seeds,
    toyRows()
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  // A product database whose log holds one ticket an agent moved from level 1 to level 3.
  const db = await openDatabase(loadConfig({ DATA_DIR: dataDir }));
  const store = createPostgresEventStore(db);
  const ticketId = randomUUID();
  await store.appendToStream(
    ticketStreamId(ticketId),
    [received(ticketId, corrected), relevelled(1, 3)],
    'no_stream',
  );
  await store.close();
  await db.close();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run train -- --from-events', () => {
  it('trains on the seed rows plus the tickets agents re-levelled in the product’s log', async () => {
    const out = join(dir, 'model.json');
    const r = await train(['--from-events', '--out', out], { DATA_DIR: dataDir });
    expect(r.stderr).toContain(
      'event log: 1 tickets settled by agents (1 re-levelled, 0 suggestions sent',
    );
    expect(r.code).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8')) as ClassifierFile;
    const i = file.memory.texts.findIndex((t) => t.includes('label printer in hall'));
    expect(i).toBeGreaterThanOrEqual(0);
    expect(file.memory.levels[i]).toBe(3);
  }, 60_000);

  it('refuses to write the shipped model file with customers’ tickets in it', async () => {
    const r = await train(['--from-events'], { DATA_DIR: dataDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/explicit --out/);
  }, 60_000);

  it('fails clearly instead of creating an empty database where none is', async () => {
    const r = await train(['--from-events', '--out', join(dir, 'x.json')], {
      DATA_DIR: join(dir, 'typo'),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no ticketflow database/);
  }, 60_000);
});
