import type { Logger } from 'pino';
import type { Express } from 'express';
import { createHttpApp } from '../api/index.ts';
import { rateLimitSettingsFrom } from '../api/index.ts';
import { autoAnswerThresholdFor, suggestThresholdFor, type Config } from '../config/index.ts';
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
import {
  createSequencer,
  createWitness,
  signerFromConfig,
  type Sequencer,
} from '../audit/index.ts';
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
import {
  createRetentionScheduler,
  erasePerson,
  exportPerson,
  masterKeyFrom,
  type RetentionScheduler,
  withPersonalDataSealed,
  type PrivacyConfig,
  type PrivateEventStore,
} from '../privacy/index.ts';
import { createSlaScheduler, slaSettingsFrom, type SlaScheduler } from '../sla/index.ts';
import { openDatabase } from './database.ts';
import { webRoutes } from '../web/index.ts';
import { createMetrics } from './metrics.ts';
import { createWebhookService, secretKeyFrom, type WebhookService } from '../webhooks/index.ts';

export interface Ticketflow {
  app: Express;
  db: Database;
  /** The log, personal data sealed (its `keys`: the data keys; its `sealed`: the log as stored). */
  store: PrivateEventStore;
  projector: Projector;
  workflow: Workflow;
  llm: LanguageModel;
  /** Users, roles and tokens. */
  users: UserDirectory;
  /** Emits SLA warnings, breaches and auto-closes when due (`tick()` runs one pass now). */
  sla: SlaScheduler;
  /** Erases requesters' data after the configured retention (null: no retention configured). */
  retention: RetentionScheduler | null;
  /** The audit log's sequencer (docs/audit.md); null without a signing key or on EventStoreDB. */
  audit: Sequencer | null;
  /** Webhook endpoints and their delivery (docs/webhooks.md). */
  webhooks: WebhookService;
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
  /** Random numbers for retry jitter (tests make it fixed). */
  random?: () => number;
  /** False only to measure the privacy codec's cost (bench/privacy.ts): personal data unsealed. */
  sealPersonalData?: boolean;
}

function requireEsdbUrl(config: Pick<Config, 'ESDB_URL'>): string {
  if (!config.ESDB_URL)
    throw new Error(
      'EVENTSTORE=eventstoredb needs ESDB_URL (e.g. esdb://localhost:2113?tls=false)',
    );
  return config.ESDB_URL;
}

/**
 * The configured event log: PostgreSQL/PGlite (`db` itself) or EventStoreDB, with personal data
 * sealed per person (docs/privacy.md; the data keys in `db`).
 */
export function openEventStore(
  config: Pick<Config, 'EVENTSTORE' | 'ESDB_URL'> & PrivacyConfig,
  db: Database | undefined,
  options: { seal?: boolean } = {},
): PrivateEventStore {
  if (config.EVENTSTORE === 'eventstoredb') {
    const inner = createEventStoreDbStore({ connectionString: requireEsdbUrl(config) });
    return withPersonalDataSealed(inner, db, config, { ...options, logInDb: false });
  }
  if (!db) throw new Error('EVENTSTORE=postgres needs the database');
  return withPersonalDataSealed(createPostgresEventStore(db), db, config, options);
}

/** The audit log's sequencer, when a signing key is configured and the log is in `db`. */
function createAuditSequencer(config: Config, db: Database, logger: Logger): Sequencer | null {
  const signer = signerFromConfig(config);
  if (!signer || config.EVENTSTORE !== 'postgres') return null;
  const auditLogger = logger.child({ component: 'audit' });
  return createSequencer({
    db,
    lease: leaseFor(db),
    signer,
    everyEvents: config.AUDIT_CHECKPOINT_EVERY_EVENTS,
    everyMs: config.AUDIT_CHECKPOINT_EVERY_MS,
    pollMs: config.AUDIT_SEQUENCER_POLL_MS,
    checkpointFile: config.AUDIT_CHECKPOINT_FILE,
    witness: config.AUDIT_WITNESS_URL
      ? createWitness({ url: config.AUDIT_WITNESS_URL, db, logger: auditLogger })
      : undefined,
    logger: auditLogger,
  });
}

/** Webhook endpoints and delivery from the configuration (the secret key: docs/webhooks.md). */
function createWebhookFor(
  config: Config,
  deps: {
    db: Database;
    store: EventStore;
    logger: Logger;
    now: () => Date;
    projector: Projector;
    overrides: TicketflowOverrides;
  },
): WebhookService {
  const { key, derived } = secretKeyFrom(config);
  if (derived)
    deps.logger.warn('WEBHOOK_SECRET_KEY unset: webhook secrets use the development key');
  return createWebhookService({
    db: deps.db,
    store: deps.store,
    logger: deps.logger.child({ component: 'webhooks' }),
    now: deps.now,
    catchUp: () => deps.projector.catchUp(),
    ...(deps.overrides.random ? { random: deps.overrides.random } : {}),
    settings: {
      key,
      schedule: config.WEBHOOK_RETRY_SCHEDULE,
      jitter: config.WEBHOOK_RETRY_JITTER,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      allowHttp: config.WEBHOOK_ALLOW_HTTP,
      allowedAddresses: config.WEBHOOK_ALLOWED_ADDRESSES,
      disableAfterMs: config.WEBHOOK_DISABLE_AFTER_DAYS * 86_400_000,
      concurrency: config.WEBHOOK_CONCURRENCY,
      pollMs: config.WEBHOOK_POLL_MS,
      leaseMs: config.WEBHOOK_LEASE_MS,
      source: config.WEBHOOK_SOURCE,
      // Deliveries live in the read-model database; with EventStoreDB the log is elsewhere.
      deliver: config.WEBHOOK_DELIVERY && config.EVENTSTORE === 'postgres',
    },
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
  const store = openEventStore(config, db, { seal: overrides.sealPersonalData ?? true });
  if (masterKeyFrom(config).source === 'development')
    logger.warn(
      'PRIVACY_MASTER_KEY not set: personal data sealed under the public development key',
    );
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
  const suggest = suggestThresholdFor(config, llm, autoAnswer.threshold);
  logger.info(
    {
      autoAnswerThreshold: autoAnswer.threshold,
      source: autoAnswer.source,
      suggestThreshold: suggest.threshold ?? null,
      suggestSource: suggest.source,
      model: llm.name,
    },
    'automatic-answer and suggestion thresholds',
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
    suggestThreshold: suggest.threshold,
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
  const webhooks = createWebhookFor(config, { db, store, logger, now, projector, overrides });
  const retention = config.PRIVACY_RETENTION_DAYS
    ? createRetentionScheduler({
        db,
        store,
        projections,
        now,
        days: config.PRIVACY_RETENTION_DAYS,
        pollMs: config.PRIVACY_RETENTION_POLL_MS,
        logger: logger.child({ component: 'retention' }),
      })
    : null;
  let ready = false;
  const metrics = createMetrics({ db, projector, workflow, webhooks });
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
    webhooks,
    sse: {
      maxBufferBytes: config.SSE_MAX_BUFFER_BYTES,
      drainTimeoutMs: config.SSE_DRAIN_TIMEOUT_MS,
    },
    cloudEventSource: config.WEBHOOK_SOURCE,
    privacy: {
      erase: (request) => erasePerson({ db, store, projections, now }, request),
      export: (email) => exportPerson({ db, store, now }, email),
    },
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
  await webhooks.start();
  retention?.start();
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
    webhooks,
    retention,
    resumeStuck,
    async stop() {
      ready = false;
      clearInterval(sweep);
      await sla.stop();
      await audit?.stop();
      await webhooks.stop();
      await retention?.stop();
      await workflow.stop();
      await projector.stop();
      await store.close();
      if (!overrides.db) await db.close();
    },
  };
}
