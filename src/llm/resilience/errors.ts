/** Errors raised by the resilience primitives. They are transport-agnostic: adapters map them. */

/** The wait queue is at capacity; the call was rejected without waiting. */
export class QueueFullError extends Error {
  constructor(readonly maxQueue: number) {
    super(`queue full (${maxQueue} waiting)`);
    this.name = 'QueueFullError';
  }
}

/** The call waited in the queue longer than allowed and was never started. */
export class QueueTimeoutError extends Error {
  constructor(readonly waitedMs: number) {
    super(`waited ${waitedMs} ms in queue without getting a slot`);
    this.name = 'QueueTimeoutError';
  }
}

/** The circuit breaker is open (or half-open with its probe already in flight). */
export class CircuitOpenError extends Error {
  constructor(readonly retryAfterMs: number) {
    super('circuit open');
    this.name = 'CircuitOpenError';
  }
}

/** A deadline set by {@link withTimeout} / {@link createDeadline} elapsed. */
export class TimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/** The reason an aborted signal carries, normalised to an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(reason === undefined ? 'aborted' : String(reason));
  err.name = 'AbortError';
  return err;
}

/** True for errors that mean "someone aborted" (AbortError, or a DOMException TimeoutError). */
export function isAbortLike(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
