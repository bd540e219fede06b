import { pino } from 'pino';
import supertest from 'supertest';
import { loadConfig, type Config } from '../../src/config/index.ts';
import type { KnowledgeBase, LanguageModel } from '../../src/llm/types.ts';
import { createTicketflow, type Ticketflow } from '../../src/server/index.ts';
import type { Database } from '../../src/db/index.ts';
import type { TicketMachine } from '../../machines/index.ts';
import { openTestDatabase, type DatabaseKind } from './databases.ts';
import { scriptedModel, tinyKnowledgeBase } from './scriptedModel.ts';
import { noRateLimits } from './rateLimits.ts';
import { checkedAgainstDocument } from './openapi.ts';

export interface TestApp {
  tf: Ticketflow;
  db: Database;
  http: ReturnType<typeof supertest>;
  close(): Promise<void>;
}

/**
 * The number of events in the log once the workflow has no automatic step in flight, so that a
 * test asserting "this request wrote nothing" does not count a background classification.
 */
export async function settledEventCount(app: TestApp): Promise<number> {
  for (let i = 0; i < 2000 && app.tf.workflow.inFlightCount() > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tf_events');
  return rows[0]!.n;
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
    /** The rules that decide new events (a test tightens one). */
    rules?: TicketMachine;
    /** Check every answer `http` receives against the OpenAPI document (test/support/openapi.ts). */
    checkResponses?: boolean;
  } = {},
): Promise<TestApp> {
  const config: Config = loadConfig({ LOG_LEVEL: 'silent', ...noRateLimits, ...options.env });
  const db = options.db ?? (await openTestDatabase(kind));
  const tf = await createTicketflow(config, testLogger, {
    db,
    llm: options.llm ?? scriptedModel(),
    knowledgeBase: options.knowledgeBase ?? tinyKnowledgeBase(),
    ...(options.now ? { now: options.now } : {}),
    ...(options.rules ? { rules: options.rules } : {}),
  });
  return {
    tf,
    db,
    http: options.checkResponses ? checkedAgainstDocument(supertest(tf.app)) : supertest(tf.app),
    async close() {
      await tf.stop();
      if (!options.db) await db.close();
    },
  };
}
