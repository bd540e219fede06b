import type { Logger } from 'pino';
import type { Express } from 'express';
import { createHttpApp } from '../api/index.ts';
import { rateLimitSettingsFrom } from '../api/index.ts';
import { autoAnswerThresholdFor, type Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { createPostgresEventStore, type EventStore } from '../eventstore/index.ts';
import { createEventStoreDbStore } from '../eventstore/eventstoredb/index.ts';
import {
  createLanguageModel,
  openKnowledgeBase,
  withInjectionScreening,
  type KnowledgeBase,
  type LanguageModel,
} from '../llm/index.ts';
import { createProjector, leaseFor, type Projector } from '../projector/index.ts';
import { createSequencer, signerFromConfig, type Sequencer } from '../audit/index.ts';
import {
  createSqlIdempotencyKeys,
  createTicketActors,
  createWorkflow,
  ticketActorLogic,
  type Workflow,
} from '../workflow/index.ts';
import { ticketMachine, type TicketMachine } from '../../machines/index.ts';
import { createProjections, ticketsAwaitingWorkflow } from '../../projections/index.ts';
import { createUserDirectory, type UserDirectory } from '../auth/index.ts';
import { createSlaScheduler, slaSettingsFrom, type SlaScheduler } from '../sla/index.ts';
import { openDatabase } from './database.ts';
import { webRoutes } from '../web/index.ts';
import { createMetrics } from './metrics.ts';

export interface Ticketflow {
  app: Express;
  db: Database;
  store: EventStore;
  projector: Projector;
  workflow: Workflow;
  llm: LanguageModel;
  /** Users, roles and tokens. */
  users: UserDirectory;
  /** Emits SLA warnings, breaches and auto-closes when due (`tick()` runs one pass now). */
  sla: SlaScheduler;
  /** The audit log's sequencer (docs/audit.md); null without a signing key or on EventStoreDB. */
  audit: Sequencer | null;
  /** Finds tickets whose automatic steps never finished and runs them again. */
  resumeStuck(olderThanMs: number): Promise<number>;
  stop(): Promise<void>;
}

export interface TicketflowOverrides {
  db?: Database;
  llm?: LanguageModel;
  knowledgeBase?: KnowledgeBase;
  /** The clock events are stamped with and SLA timers compare against (tests move it). */
  now?: () => Date;
  /** The rules that decide new events (tests tighten one); the current ticket machine by default. */
  rules?: TicketMachine;
}

function requireEsdbUrl(config: Pick<Config, 'ESDB_URL'>): string {
  if (!config.ESDB_URL)
    throw new Error(
      'EVENTSTORE=eventstoredb needs ESDB_URL (e.g. esdb://localhost:2113?tls=false)',
    );
  return config.ESDB_URL;
}

/** The configured event log: PostgreSQL/PGlite (`db` itself) or EventStoreDB. */
export function openEventStore(
  config: Pick<Config, 'EVENTSTORE' | 'ESDB_URL'>,
  db: Database | undefined,
): EventStore {
  if (config.EVENTSTORE === 'eventstoredb') {
    return createEventStoreDbStore({ connectionString: requireEsdbUrl(config) });
  }
  if (!db) throw new Error('EVENTSTORE=postgres needs the database');
  return createPostgresEventStore(db);
}

/** The audit log's sequencer, when a signing key is configured and the log is in `db`. */
function createAuditSequencer(config: Config, db: Database, logger: Logger): Sequencer | null {
  const signer = signerFromConfig(config);
  if (!signer || config.EVENTSTORE !== 'postgres') return null;
  return createSequencer({
    db,
    lease: leaseFor(db),
    signer,
    everyEvents: config.AUDIT_CHECKPOINT_EVERY_EVENTS,
    everyMs: config.AUDIT_CHECKPOINT_EVERY_MS,
    pollMs: config.AUDIT_SEQUENCER_POLL_MS,
    checkpointFile: config.AUDIT_CHECKPOINT_FILE,
    logger: logger.child({ component: 'audit' }),
  });
}

/**
 * The composition root: opens the database, builds every component from the configuration and
 * resumes what a previous process left unfinished. Nothing below this reads configuration itself.
 */
export async function createTicketflow(
  config: Config,
  logger: Logger,
  overrides: TicketflowOverrides = {},
): Promise<Ticketflow> {
  const db = overrides.db ?? (await openDatabase(config));
  // The log lives in PostgreSQL/PGlite or EventStoreDB; read models and checkpoints stay in `db`.
  const store = openEventStore(config, db);
  const now = overrides.now ?? (() => new Date());
  const slaSettings = slaSettingsFrom(config);
  const projections = createProjections(slaSettings);
  const projector = createProjector({
    db,
    store,
    projections,
    logger: logger.child({ component: 'projector' }),
  });
  const knowledgeBase = overrides.knowledgeBase ?? (await openKnowledgeBase(config.KB_DIR));
  // Whatever the model, a ticket that tries to instruct it is escalated, never answered by it.
  const llm = withInjectionScreening(
    overrides.llm ?? (await createLanguageModel(config, knowledgeBase)),
  );
  const autoAnswer = autoAnswerThresholdFor(config, llm);
  logger.info(
    { autoAnswerThreshold: autoAnswer.threshold, source: autoAnswer.source, model: llm.name },
    'automatic-answer threshold',
  );
  const actors = createTicketActors(llm, knowledgeBase, {
    classifyMs: config.CLASSIFY_TIMEOUT_MS,
    draftMs: config.DRAFT_TIMEOUT_MS,
  });
  const workflow = createWorkflow({
    store,
    // The machine invokes the model; here is where its actors get their implementations.
    machine: (overrides.rules ?? ticketMachine).provide({ actors: ticketActorLogic(actors) }),
    modelName: actors.modelName,
    logger: logger.child({ component: 'workflow' }),
    autoAnswerThreshold: autoAnswer.threshold,
    suggestThreshold: config.SUGGEST_THRESHOLD,
    maxConcurrentTickets: config.MAX_CONCURRENT_TICKETS,
    // In the read-model database even when EventStoreDB holds the log.
    idempotency: createSqlIdempotencyKeys(db),
    now,
    reopenWindowMs: config.REOPEN_WINDOW_HOURS * 3_600_000,
  });
  const users = createUserDirectory(store, now);
  const sla = createSlaScheduler({
    db,
    store,
    settings: slaSettings,
    logger: logger.child({ component: 'sla' }),
    now,
    pollMs: config.SLA_POLL_MS,
    leaseMs: config.SLA_LEASE_MS,
  });
  const audit = createAuditSequencer(config, db, logger);
  let ready = false;
  const metrics = createMetrics({ db, projector, workflow });
  const app = createHttpApp({
    db,
    store,
    workflow,
    logger,
    bodyLimit: config.BODY_LIMIT,
    maxWaitSeconds: config.MAX_WAIT_SECONDS,
    isReady: () => ready,
    metrics: () => metrics.render(),
    users,
    catchUp: () => projector.catchUp(),
    rateLimits: rateLimitSettingsFrom(config),
    trustProxy: config.TRUST_PROXY,
    corsOrigins: config.CORS_ORIGINS,
    web: webRoutes({
      db,
      store,
      workflow,
      users,
      catchUp: () => projector.catchUp(),
      knowledgeBase,
      logger: logger.child({ component: 'web' }),
      bodyLimit: config.BODY_LIMIT,
      cookies: { secure: config.WEB_COOKIE_SECURE, maxAgeSeconds: config.WEB_SESSION_HOURS * 3600 },
      signInAttempts: {
        limit: config.RATE_LIMIT_INTAKE_PER_ADDRESS,
        windowSeconds: config.RATE_LIMIT_INTAKE_ADDRESS_WINDOW_SECONDS,
      },
    }),
  });

  async function resumeStuck(olderThanMs: number): Promise<number> {
    await projector.catchUp();
    return workflow.resume(await ticketsAwaitingWorkflow(db, olderThanMs));
  }

  await projector.start();
  // At start every unfinished ticket is this process's to resume: the one that took it is gone
  // (or, with several processes, its step will lose the expected-version race harmlessly).
  const resumed = await resumeStuck(0);
  if (resumed > 0) logger.info({ resumed }, 'resumed unfinished tickets');
  const sweep = setInterval(
    () => {
      resumeStuck(config.STUCK_TICKET_AFTER_MS).catch((error: unknown) =>
        logger.error({ err: error }, 'stuck-ticket sweep failed'),
      );
    },
    Math.max(1000, config.STUCK_TICKET_AFTER_MS / 2),
  );
  sweep.unref();
  // Timers that fell due while no process ran are emitted now, then on every poll.
  await sla.tick().catch((error: unknown) => logger.error({ err: error }, 'SLA catch-up failed'));
  sla.start();
  audit?.start();
  ready = true;

  return {
    app,
    db,
    store,
    projector,
    workflow,
    llm,
    users,
    sla,
    audit,
    resumeStuck,
    async stop() {
      ready = false;
      clearInterval(sweep);
      await sla.stop();
      await audit?.stop();
      await workflow.stop();
      await projector.stop();
      await store.close();
      if (!overrides.db) await db.close();
    },
  };
}
