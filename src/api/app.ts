import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import type { Workflow } from '../workflow/index.ts';
import { eventRoutes } from './events.ts';
import { problemHandler, sendProblem } from './problem.ts';
import { ticketRoutes } from './tickets.ts';
import { authenticate, requireAccess } from './auth.ts';
import { commandRoutes } from './commands.ts';
import { queueRoutes } from './queues.ts';
import { userRoutes } from './users.ts';
import { canReadEventLog, type UserDirectory } from '../auth/index.ts';

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
}

export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id =
          typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
    }),
  );

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

  const api = express.Router();
  api.use(express.json({ limit: deps.bodyLimit, strict: true }));
  // Who is calling (docs/auth.md); each route then applies its rule from src/auth/policy.ts.
  api.use(authenticate({ db: deps.db, catchUp: deps.catchUp }));
  api.use(
    ticketRoutes({ workflow: deps.workflow, db: deps.db, maxWaitSeconds: deps.maxWaitSeconds }),
  );
  api.use(commandRoutes({ workflow: deps.workflow, users: deps.users }));
  api.use(queueRoutes({ db: deps.db }));
  api.use(userRoutes({ db: deps.db, users: deps.users, catchUp: deps.catchUp }));
  // The global log and its live stream: integrators and auditors only.
  api.use('/events', requireAccess(canReadEventLog, 'the event log'));
  api.use(eventRoutes(deps.store));
  app.use('/api', api);

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
