import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { z } from 'zod';
import { ConcurrencyError } from '../eventstore/index.ts';
import { IllegalTransitionError } from '../../machines/index.ts';
import {
  CommandRefusedError,
  IdempotencyConflictError,
  StaleVersionError,
  TicketNotFoundError,
} from '../workflow/index.ts';
import { UserError } from '../auth/index.ts';
import { isDatabaseUnavailable } from '../db/index.ts';
import { WebhookError } from '../webhooks/index.ts';
import { webhookProblem } from './webhooks.ts';

/** An RFC 9457 problem detail. Extra members carry what a client needs to recover. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  [member: string]: unknown;
}

/** An error that already knows its HTTP answer. */
export class HttpProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'HttpProblem';
  }
}

const problemTypeBase = 'https://ticketflow.dev/problems/';

export function sendProblem(res: Response, problem: Problem): void {
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({
      type: problemType(problem.title),
      ...problem,
      instance: res.req.originalUrl,
    });
}

/** The `type` URI of a problem, from its title. */
export const problemType = (title: string): string => `${problemTypeBase}${slug(title)}`;

const slug = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export function validationProblem(error: z.ZodError, where: string): HttpProblem {
  return new HttpProblem({
    title: 'Invalid request',
    status: 422,
    detail: `the ${where} is not valid`,
    errors: error.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message })),
  });
}

/** Maps every error type to its HTTP answer, in one place. Unknown errors are 500 and logged. */
export const problemHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  // Already answered (the request timed out, or a stream failed midway): nothing more to say.
  if (res.headersSent) return void (res.writableEnded || res.end());
  sendProblem(res, problemOf(error, req, res));
};

/**
 * The problem an error stands for (headers such as ETag or Retry-After are set on `res`); the web
 * UI renders the same problem as a page (src/web).
 */
export function problemOf(error: unknown, req: Request, res: Response): Problem {
  const body = bodyParserProblem(error) ?? clientHttpErrorProblem(error);
  if (body) return body;
  if (error instanceof HttpProblem) return error.problem;
  if (error instanceof z.ZodError) return validationProblem(error, 'request').problem;
  if (error instanceof TicketNotFoundError) {
    return { title: 'Ticket not found', status: 404, detail: error.message };
  }
  if (error instanceof IdempotencyConflictError) {
    return {
      title: 'Idempotency key reused',
      status: 422,
      // Nothing about the other ticket: whoever sends this may not be the one who filed it.
      detail: 'this Idempotency-Key was already used for a different request; use a new key',
    };
  }
  if (error instanceof CommandRefusedError) return refusalProblem(error);
  if (error instanceof StaleVersionError) {
    res.set('ETag', `"${error.current}"`);
    return {
      title: 'Stale version',
      status: 412,
      detail: `${error.message}: read the ticket again and decide on its current state`,
      currentVersion: error.current,
    };
  }
  if (error instanceof UserError) {
    const status = error.code === 'exists' ? 409 : error.code === 'role_not_granted' ? 422 : 404;
    return {
      title: error.code === 'exists' ? 'User exists' : 'User error',
      status,
      detail: error.message,
    };
  }
  if (error instanceof WebhookError) return webhookProblem(error);
  if (error instanceof ConcurrencyError) {
    return {
      title: 'Conflict',
      status: 409,
      detail: error.message,
      expectedVersion: error.expected,
      actualVersion: error.actual,
    };
  }
  if (error instanceof IllegalTransitionError) {
    return {
      title: 'Command not allowed',
      status: 409,
      detail: error.message,
      state: error.status,
      allowed: error.allowed,
    };
  }
  if (isDatabaseUnavailable(error)) {
    req.log?.warn({ err: error }, 'database unavailable');
    res.set('Retry-After', '5');
    return {
      title: 'Service unavailable',
      status: 503,
      detail:
        'the database is unavailable; retry later (a write may or may not have been stored: retry it with the same Idempotency-Key)',
    };
  }
  req.log?.error({ err: error }, 'unhandled error');
  return {
    title: 'Internal error',
    status: 500,
    detail: 'the server failed; nothing was changed by this request unless it says otherwise',
  };
}

/** The HTTP answer to each kind of refusal of the ticket's rules. */
function refusalProblem({ ticketId, refusal }: CommandRefusedError): Problem {
  switch (refusal.kind) {
    case 'unauthenticated':
      return {
        title: 'Unauthorized',
        status: 401,
        detail: `the ${refusal.command} command on this ticket needs Authorization: Bearer <token>`,
      };
    case 'forbidden':
      return {
        title: 'Forbidden',
        status: 403,
        detail: `your role may not use the ${refusal.command} command on this ticket`,
      };
    case 'not_found':
      // Exactly the answer for a ticket that does not exist: nothing leaks.
      return { title: 'Ticket not found', status: 404, detail: `ticket ${ticketId} not found` };
    case 'invalid':
      return {
        title: refusal.title,
        status: 422,
        detail: refusal.detail,
        ...(refusal.field ? { errors: [{ path: refusal.field, message: refusal.detail }] } : {}),
      };
    case 'not_allowed':
      return {
        title: 'Command not allowed',
        status: 409,
        detail: `${refusal.command} is not allowed in state ${refusal.status}`,
        state: refusal.status,
        allowed: refusal.allowed,
      };
  }
}

/**
 * Any other error that carries a 4xx `status` or `statusCode` (http-errors, as express, its router
 * and body-parser throw them: a path with a broken percent-encoding, a body that does not inflate):
 * the client's fault, answered with that status. Its message is shown only when it says it may be.
 */
function clientHttpErrorProblem(error: unknown): Problem | null {
  if (typeof error !== 'object' || error === null) return null;
  const { status, statusCode, expose, message } = error as Record<string, unknown>;
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 400 || code > 499) return null;
  if (error instanceof URIError) {
    return {
      title: 'Malformed URL',
      status: 400,
      detail: 'the path has a broken percent-encoding',
    };
  }
  return {
    title: STATUS_CODES[code] ?? 'Client error',
    status: code,
    ...(expose === true && typeof message === 'string' ? { detail: message } : {}),
  };
}

/** Errors thrown by express.json(): malformed JSON, oversize body, wrong charset. */
function bodyParserProblem(error: unknown): Problem | null {
  if (typeof error !== 'object' || error === null || !('type' in error)) return null;
  const type = (error as { type: unknown }).type;
  switch (type) {
    case 'entity.parse.failed':
      return { title: 'Malformed JSON', status: 400, detail: 'the request body is not valid JSON' };
    case 'entity.too.large':
      return {
        title: 'Body too large',
        status: 413,
        detail: 'the request body exceeds the size limit',
        limit: (error as { limit?: number }).limit,
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { title: 'Unsupported encoding', status: 415, detail: 'send UTF-8 JSON' };
    default:
      return null;
  }
}
