import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // PGlite instances are heavy; two cores: keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    // On a PostgreSQL server the read horizon (pg_snapshot_xmin) is cluster-wide: the tests that
    // hold a transaction open on purpose would stall readers in every other test file's schema.
    // So with TEST_DATABASE_URL the files run one after another.
    fileParallelism: !process.env.TEST_DATABASE_URL,
    globalSetup: ['test/support/globalSetup.ts'],
  },
});
