import { defineConfig } from 'vitest/config';

const unit = 'test/**/*.unit.test.ts';
const e2e = 'test/**/*.e2e.test.ts';

/**
 * Three tiers, chosen by file name (`npm run test:unit`, `test:integration`, `test:e2e`; `npm test`
 * runs all three, one tier after the other):
 * - unit (`*.unit.test.ts`): no database, socket or process (test/support/unitIsolation.ts refuses
 *   them), so no PGlite dump either;
 * - integration (`*.int.test.ts`, and any test file not yet named by tier): PGlite, PostgreSQL with
 *   TEST_DATABASE_URL, in-process HTTP servers;
 * - e2e (`*.e2e.test.ts`): starts the server, the CLI or projection runners as processes.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // PGlite instances are heavy; two cores: keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Pure code without mocks or globals: one module cache per worker, not per file
          // (a third of the tier's CPU time went to importing the same modules again).
          isolate: false,
          include: [unit],
          setupFiles: ['test/support/unitIsolation.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [unit, e2e],
          // On a PostgreSQL server the read horizon (pg_snapshot_xmin) is cluster-wide: the tests
          // that hold a transaction open on purpose would stall readers in every other test
          // file's schema. So with TEST_DATABASE_URL the files run one after another (and the
          // tiers, by groupOrder, never overlap).
          fileParallelism: !process.env.TEST_DATABASE_URL,
          globalSetup: ['test/support/globalSetup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: [e2e],
          // Some seed a server's data directory from the migrated dump.
          globalSetup: ['test/support/globalSetup.ts'],
          fileParallelism: !process.env.TEST_DATABASE_URL,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
