import express, { type Express, type RequestHandler } from 'express';
import { requestLog } from './requestLog.ts';
import { corsPolicy, securityHeaders } from './securityHeaders.ts';
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import type { Workflow } from '../workflow/index.ts';
import { eventRoutes } from './events.ts';
import { problemHandler, sendProblem } from './problem.ts';
import { ticketRoutes } from './tickets.ts';
import { authenticate, requireAccess } from './auth.ts';
import { requireHost } from './clientError.ts';
import { commandRoutes } from './commands.ts';
import { queueRoutes } from './queues.ts';
import { timelineRoutes } from './timeline.ts';
import { userRoutes } from './users.ts';
import { apiDocsRoutes } from './apiDocs.ts';
import { rateLimits, type RateLimitSettings } from './rateLimit.ts';
import {
  canReadAuditLog,
  canReadEventLog,
  canReadReports,
  type UserDirectory,
} from '../auth/index.ts';
import { auditRoutes } from './audit.ts';
import { webhookRoutes } from './webhooks.ts';
import type { WebhookService } from '../webhooks/index.ts';
import { reportRoutes } from './reports.ts';
import { privacyRoutes, type PrivacyRoutesDeps } from './privacy.ts';

export interface HttpAppDeps {
  db: Database;
  store: EventStore;
  workflow: Workflow;
  logger: Logger;
  bodyLimit: string;
  maxWaitSeconds: number;
  /** Whether the process is ready to take traffic (migrated, projections started, not stopping). */
  isReady: () => boolean;
  /** Prometheus exposition of the process's metrics. */
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Users, roles and tokens (src/auth); `catchUp` brings read models up to date after a change. */
  users: UserDirectory;
  catchUp: () => Promise<void>;
  rateLimits: RateLimitSettings;
  /** Express's `trust proxy` (config TRUST_PROXY): which forwarded addresses name the client. */
  trustProxy: boolean | number | string;
  /** Origins allowed to call the API from a browser (CORS); none by default. */
  corsOrigins: readonly string[];
  /** Webhook endpoints and their delivery (docs/webhooks.md). */
  webhooks: WebhookService;
  /** The SSE stream's bound on a connection's unsent bytes, and how long it waits for a drain. */
  sse: { maxBufferBytes: number; drainTimeoutMs: number };
  /** The CloudEvents `source` of events (`?format=cloudevents`). */
  cloudEventSource: string;
  /** Erasure and access (docs/privacy.md). */
  privacy: Omit<PrivacyRoutesDeps, 'catchUp'>;
  /** The web UI at `/` (src/web), mounted after the API; none in tools that serve only the API. */
  web?: RequestHandler | undefined;
}

export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy);
  app.use(requireHost);
  app.use(requestLog(deps.logger));
  app.use(securityHeaders());
  app.use(corsPolicy(deps.corsOrigins));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await deps.db.query('SELECT 1');
      checks.database = 'ok';
    } catch {
      checks.database = 'unreachable';
    }
    checks.process = deps.isReady() ? 'ok' : 'starting or stopping';
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await deps.metrics();
    res.type(contentType).send(body);
  });

  // The API's description and its reference page: public, whoever calls (docs/api.md).
  app.use('/api', apiDocsRoutes());

  const api = express.Router();
  api.use(express.json({ limit: deps.bodyLimit, strict: true }));
  // Who is calling (docs/auth.md); each route then applies its rule from src/auth/policy.ts.
  api.use(authenticate({ db: deps.db, catchUp: deps.catchUp }));
  api.use(rateLimits(deps.rateLimits, deps.logger));
  api.use(
    ticketRoutes({ workflow: deps.workflow, db: deps.db, maxWaitSeconds: deps.maxWaitSeconds }),
  );
  api.use(timelineRoutes({ workflow: deps.workflow, users: deps.users }));
  api.use(commandRoutes({ workflow: deps.workflow, users: deps.users }));
  api.use(queueRoutes({ db: deps.db }));
  api.use(userRoutes({ db: deps.db, users: deps.users, catchUp: deps.catchUp }));
  api.use(privacyRoutes({ ...deps.privacy, catchUp: deps.catchUp }));
  // The global log and its live stream: integrators and auditors only.
  api.use('/events', requireAccess(canReadEventLog, 'the event log'));
  api.use(eventRoutes(deps.store, { sse: deps.sse, source: deps.cloudEventSource }));
  // Webhook endpoints: admins and integrators (their own).
  api.use(webhookRoutes({ db: deps.db, webhooks: deps.webhooks }));
  // The audit log's checkpoints and proofs: auditors only.
  api.use('/audit', requireAccess(canReadAuditLog, 'the audit log'));
  api.use(auditRoutes({ db: deps.db }));
  // Reports (docs/analytics.md): auditors and admins.
  api.use('/reports', requireAccess(canReadReports, 'the reports'));
  api.use(reportRoutes({ db: deps.db }));
  app.use('/api', api);
  if (deps.web) app.use(deps.web);

  app.use((req, res) => {
    sendProblem(res, {
      title: 'Not found',
      status: 404,
      detail: `no route for ${req.method} ${req.path}`,
    });
  });
  app.use(problemHandler);
  return app;
}
