import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Database } from '../db/index.ts';
import {
  anonymous,
  bearerToken,
  principalForToken,
  tokenPrefix,
  type Access,
  type Principal,
} from '../auth/index.ts';
import { TicketNotFoundError } from '../workflow/index.ts';
import { HttpProblem } from './problem.ts';

export interface AuthDeps {
  db: Database;
  /** Brings the token read model up to date (a token issued a moment ago must work at once). */
  catchUp?: () => Promise<void>;
}

/**
 * `Authorization: Bearer <token>` → `res.locals.principal`. No header: anonymous (routes decide
 * what anonymous callers may do). A malformed, unknown or revoked token: 401, whatever the route.
 */
export function authenticate(deps: AuthDeps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined) {
      res.locals.principal = anonymous;
      return next();
    }
    if (token === null) return next(unauthenticated('use Authorization: Bearer <token>'));
    let principal = await principalForToken(deps.db, token);
    // Only something we could have issued is worth waiting for.
    if (!principal && deps.catchUp && token.startsWith(tokenPrefix)) {
      // Read-your-writes for a token issued a moment ago (by the CLI or another process).
      // Bounded: an unknown token must not hold the request (another process may lead projections).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        deps.catchUp().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
      ]);
      clearTimeout(timer);
      principal = await principalForToken(deps.db, token);
    }
    if (!principal) return next(unauthenticated('the token is unknown or revoked'));
    res.locals.principal = principal;
    next();
  };
}

export const principalOf = (res: Response): Principal =>
  (res.locals.principal as Principal | undefined) ?? anonymous;

function unauthenticated(detail: string): HttpProblem {
  return new HttpProblem({ title: 'Unauthorized', status: 401, detail });
}

/** Turns a policy outcome into its HTTP answer (nothing for `ok`). */
export function enforce(access: Access, what = 'this', ticketId?: string): void {
  switch (access) {
    case 'ok':
      return;
    case 'unauthenticated':
      throw unauthenticated(`${what} needs Authorization: Bearer <token>`);
    case 'forbidden':
      throw new HttpProblem({
        title: 'Forbidden',
        status: 403,
        detail: `your role may not use ${what}`,
      });
    case 'not_found':
      // Exactly the answer for a ticket that does not exist.
      throw new TicketNotFoundError(ticketId ?? 'unknown');
  }
}

/** Guards a whole router with one rule. */
export function requireAccess(rule: (p: Principal) => Access, what: string): RequestHandler {
  return (_req, res, next) => {
    try {
      enforce(rule(principalOf(res)), what);
      next();
    } catch (error) {
      next(error);
    }
  };
}
