import express, { Router } from 'express';
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import type { Workflow } from '../workflow/index.ts';
import type { KnowledgeBase } from '../llm/index.ts';
import { canReadQueue, type UserDirectory } from '../auth/index.ts';
import { canReadTicket } from '../../machines/index.ts';
import { enforce, principalOf } from '../api/index.ts';
import { assetRoutes } from './assets.ts';
import { createSessionStore, type CookieSettings } from './session.ts';
import { webErrorPage, WebProblem } from './forms.ts';
import { createLiveHub, streamChanges } from './live.ts';
import { signInRoutes } from './signin.ts';
import { webTicketId, webTicketRoutes } from './ticketRoutes.ts';
import { queueRoutes } from './queuePage.ts';
import { auditPageRoutes } from './auditPage.ts';
import { adminRoutes } from './adminPage.ts';

export { webSessionMigrations } from './session.ts';
export { webAssets, type Asset } from './assets.ts';

export interface WebDeps {
  db: Database;
  store: EventStore;
  workflow: Workflow;
  users: UserDirectory;
  catchUp: () => Promise<void>;
  knowledgeBase: KnowledgeBase | undefined;
  logger: Logger;
  bodyLimit: string;
  cookies: CookieSettings;
  /** Sign-in attempts per client address (0: no limit). */
  signInAttempts: { limit: number; windowSeconds: number };
}

/** Paths the UI serves (everything else, the API included, never passes its session lookup). */
const uiPath =
  /^\/(?:$|signin$|signout$|tickets(?:\/|$)|my$|queues\/|live\/|audit(?:\/|$)|admin\/)/;

/**
 * The web UI at `/` (docs/ui.md): server-rendered pages, htmx for live parts, forms that work
 * without JavaScript. Every page acts through the same ticket module, workflow and user directory
 * as the JSON API, with the principal of the browser's session.
 */
export function webRoutes(deps: WebDeps): Router {
  const router = Router();
  const sessions = createSessionStore(deps.db, deps.cookies);
  const hub = createLiveHub({ store: deps.store, catchUp: deps.catchUp, logger: deps.logger });
  router.use(assetRoutes());

  const ui = Router();
  // Only the UI's own paths go further: the API and the rest never pay for a session lookup.
  ui.use((req, _res, next) => next(uiPath.test(req.path) ? undefined : 'router'));
  ui.use(express.urlencoded({ extended: false, limit: deps.bodyLimit, parameterLimit: 50 }));
  ui.use(sessions.middleware);
  ui.use(signInRoutes(sessions, deps.signInAttempts));
  ui.use(webTicketRoutes({ ...deps, submitWaitSeconds: 5 }));
  ui.use(queueRoutes({ db: deps.db }));
  ui.use(auditPageRoutes(deps));
  ui.use(adminRoutes(deps));

  ui.get('/live/tickets/:id', async (req, res) => {
    const parsed = webTicketId.safeParse(req.params);
    if (!parsed.success) throw new WebProblem(404, 'Ticket not found', 'no such ticket');
    const { id } = parsed.data;
    const { state } = await deps.workflow.get(id);
    const c = state.snapshot.context;
    enforce(
      canReadTicket(principalOf(res), { requesterEmail: c.requester.email, level: c.level }),
      'this ticket',
      id,
    );
    streamChanges(res, hub, (changed) => changed === id);
  });

  ui.get('/live/queues', (_req, res) => {
    const principal = principalOf(res);
    const level = principal.kind === 'user' ? (principal.levels[0] ?? 1) : 1;
    enforce(canReadQueue(principal, level), 'the queues');
    streamChanges(res, hub, () => true);
  });

  ui.use(webErrorPage);
  router.use(ui);
  return router;
}
