import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate, openPglite } from '../../src/db/index.ts';
import { allMigrations } from '../../src/server/database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteDump: string;
  }
}

/**
 * Creating a PGlite database costs seconds (initdb); loading a dump of a migrated one costs ~1 s.
 * So the suite migrates one database once and every test starts from its dump.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-test-'));
  const db = await openPglite();
  await migrate(db, allMigrations);
  const dump = await db.pglite.dumpDataDir('none');
  await db.close();
  const file = path.join(dir, 'migrated.tar');
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteDump', file);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
