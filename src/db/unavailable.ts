import { sqlErrorCode } from './types.ts';

/**
 * The database could not be reached or did not answer in time: the request may be retried later.
 * For a write, its outcome is unknown (a commit whose answer was lost still happened), which is
 * why writes take an `Idempotency-Key`.
 */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the database is unavailable', { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** Socket-level failures (Node's error codes) on the way to the database. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that say "not now" rather than "wrong request": class 08 (connection exception),
 * too many connections, an administrator's or a crash's shutdown, a server still starting, and a
 * statement cancelled by `statement_timeout`.
 */
const unavailableStates = new Set(['53300', '57P01', '57P02', '57P03', '57014']);

/** pg's own messages for a lost, refused or timed-out connection or statement. */
const pgMessages = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /is not queryable/,
  /^Connection timed out/,
];

/** Whether `error` means the database is unreachable or too slow (not that the request is wrong). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = sqlErrorCode(error);
  if (code && (socketCodes.has(code) || unavailableStates.has(code) || code.startsWith('08')))
    return true;
  if (pgMessages.some((pattern) => pattern.test(error.message))) return true;
  // AggregateError (a connect to several addresses failed) carries the socket errors inside.
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return false;
}

/** Re-throws a connection failure as {@link DatabaseUnavailableError}, anything else as it is. */
export function asUnavailable(error: unknown): unknown {
  return !(error instanceof DatabaseUnavailableError) && isDatabaseUnavailable(error)
    ? new DatabaseUnavailableError(error)
    : error;
}
