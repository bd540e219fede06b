import { Router, type Request, type RequestHandler, type Response } from 'express';
import { ipKeyGenerator, rateLimit, type Options, type RateLimitInfo } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { principalOf } from './auth.ts';
import { sendProblem } from './problem.ts';

/** One limit: at most `limit` requests per window; 0 turns it off. */
export interface Limit {
  limit: number;
  windowSeconds: number;
}

export interface RateLimitSettings {
  /** Anonymous `POST /api/tickets` per client address (`req.ip`, see TRUST_PROXY). */
  intakePerAddress: Limit;
  /** Anonymous `POST /api/tickets` per requester email in the body. */
  intakePerEmail: Limit;
  /** Every authenticated call, per token (its id, never the token itself). */
  perToken: Limit;
}

export function rateLimitSettingsFrom(config: Config): RateLimitSettings {
  return {
    intakePerAddress: {
      limit: config.RATE_LIMIT_INTAKE_PER_ADDRESS,
      windowSeconds: config.RATE_LIMIT_INTAKE_ADDRESS_WINDOW_SECONDS,
    },
    intakePerEmail: {
      limit: config.RATE_LIMIT_INTAKE_PER_EMAIL,
      windowSeconds: config.RATE_LIMIT_INTAKE_EMAIL_WINDOW_SECONDS,
    },
    perToken: {
      limit: config.RATE_LIMIT_PER_TOKEN,
      windowSeconds: config.RATE_LIMIT_TOKEN_WINDOW_SECONDS,
    },
  };
}

/**
 * The limits, as one router to mount right after authentication (they need the principal, and
 * the per-email limit the parsed body). A refused request stops here: nothing is written. Counts
 * are kept in the process's memory, so with several processes each allows the limit.
 */
export function rateLimits(settings: RateLimitSettings, logger: Logger): Router {
  const router = Router();
  const isAnonymous = (res: Response) => principalOf(res).kind === 'anonymous';
  router.use(
    limiter('per-token', settings.perToken, logger, {
      skip: (_req, res) => principalOf(res).kind !== 'user',
      keyGenerator: (_req, res) => {
        const principal = principalOf(res);
        return principal.kind === 'user' ? `token:${principal.tokenId}` : 'anonymous';
      },
      detail: 'too many requests with this token',
    }),
  );
  router.post(
    '/tickets',
    limiter('intake-per-address', settings.intakePerAddress, logger, {
      skip: (_req, res) => !isAnonymous(res),
      keyGenerator: (req) => `address:${ipKeyGenerator(req.ip ?? 'unknown')}`,
      detail: 'too many tickets from this address without a token',
    }),
    limiter('intake-per-email', settings.intakePerEmail, logger, {
      // A missing or malformed email is refused by validation later; it counts for no one.
      skip: (req, res) => !isAnonymous(res) || requesterEmailOf(req) === undefined,
      keyGenerator: (req) => `email:${requesterEmailOf(req)}`,
      // The same answer for every email, registered or not, so it reveals no account; and no
      // remaining count on success, which would tell how much others filed under the email.
      headers: false,
      detail: 'too many tickets for this requester without a token: sign in, or try later',
    }),
  );
  return router;
}

function requesterEmailOf(req: Request): string | undefined {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || !('requester' in body)) return undefined;
  const requester: unknown = body.requester;
  if (typeof requester !== 'object' || requester === null || !('email' in requester)) {
    return undefined;
  }
  return typeof requester.email === 'string' ? requester.email.trim().toLowerCase() : undefined;
}

interface LimiterOptions {
  skip: Options['skip'];
  keyGenerator: Options['keyGenerator'];
  detail: string;
  /** Standard RateLimit headers on every answer (default) or only on a refusal. */
  headers?: boolean;
}

function limiter(name: string, limit: Limit, logger: Logger, options: LimiterOptions) {
  if (limit.limit === 0) return passThrough;
  const windowMs = limit.windowSeconds * 1000;
  const requestPropertyName = `rateLimit-${name}`;
  return rateLimit({
    windowMs,
    limit: limit.limit,
    identifier: name,
    standardHeaders: options.headers === false ? false : 'draft-8',
    legacyHeaders: false,
    requestPropertyName,
    skip: options.skip,
    keyGenerator: options.keyGenerator,
    logger: logger.child({ component: 'rate-limit', limiter: name }),
    handler: (req, res) => {
      const info = (req as Request & Record<string, RateLimitInfo | undefined>)[
        requestPropertyName
      ];
      const retryAfter = secondsUntil(info?.resetTime, windowMs);
      if (!res.get('Retry-After')) {
        res.set('Retry-After', String(retryAfter));
        res.append('RateLimit', `"${name}"; r=0; t=${retryAfter}`);
        res.append('RateLimit-Policy', `"${name}"; q=${limit.limit}; w=${limit.windowSeconds}`);
      }
      sendProblem(res, {
        title: 'Too many requests',
        status: 429,
        detail: `${options.detail}; retry after ${retryAfter} s`,
        retryAfterSeconds: retryAfter,
      });
    },
  });
}

const passThrough: RequestHandler = (_req, _res, next) => next();

const secondsUntil = (resetTime: Date | undefined, windowMs: number) =>
  resetTime
    ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000))
    : Math.ceil(windowMs / 1000);
