/** Errors raised by the resilience primitives. They are transport-agnostic: adapters map them. */
export { QueueFullError, QueueTimeoutError } from '../../shared/index.ts';
export { abortReason, isAbortLike } from '../../shared/index.ts';

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
