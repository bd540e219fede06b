import { pino } from 'pino';
import supertest from 'supertest';
import { loadConfig, type Config } from '../../src/config/index.ts';
import type { KnowledgeBase, LanguageModel } from '../../src/llm/types.ts';
import { createTicketflow, type Ticketflow } from '../../src/server/index.ts';
import type { Database } from '../../src/db/index.ts';
import { openTestDatabase, type DatabaseKind } from './databases.ts';
import { scriptedModel, tinyKnowledgeBase } from './scriptedModel.ts';

export interface TestApp {
  tf: Ticketflow;
  db: Database;
  http: ReturnType<typeof supertest>;
  close(): Promise<void>;
}

export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** The whole product on a fresh real database, with the model port chosen by the test. */
export async function startTestApp(
  kind: DatabaseKind,
  options: {
    llm?: LanguageModel;
    knowledgeBase?: KnowledgeBase;
    env?: Record<string, string>;
    db?: Database;
    /** A controllable clock for events and SLA timers (see test/support/clock.ts). */
    now?: () => Date;
  } = {},
): Promise<TestApp> {
  const config: Config = loadConfig({ LOG_LEVEL: 'silent', ...options.env });
  const db = options.db ?? (await openTestDatabase(kind));
  const tf = await createTicketflow(config, testLogger, {
    db,
    llm: options.llm ?? scriptedModel(),
    knowledgeBase: options.knowledgeBase ?? tinyKnowledgeBase(),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    tf,
    db,
    http: supertest(tf.app),
    async close() {
      await tf.stop();
      if (!options.db) await db.close();
    },
  };
}
