import { CircuitOpenError } from './errors.ts';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (≥ 1). */
  failureThreshold: number;
  /** How long the circuit stays open before letting one probe through. */
  resetAfterMs: number;
  /**
   * Which errors count as failures of the dependency. Errors for which this returns false (for
   * example the caller aborting) neither count as failures nor as successes. Default: all errors.
   */
  isFailure?: (err: unknown) => boolean;
  onStateChange?: (from: CircuitState, to: CircuitState) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * A consecutive-failure circuit breaker.
 * - closed: calls pass; `failureThreshold` consecutive failures open it.
 * - open: calls fail fast with {@link CircuitOpenError} until `resetAfterMs` has elapsed.
 * - half_open: exactly one probe call passes (others fail fast); success closes the circuit,
 *   failure re-opens it for another `resetAfterMs`.
 */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly resetAfterMs: number;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probeInFlight = false;
  readonly #isFailure: (err: unknown) => boolean;
  readonly #onStateChange: ((from: CircuitState, to: CircuitState) => void) | undefined;
  readonly #now: () => number;

  constructor(options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) {
      throw new RangeError(`failureThreshold must be an integer ≥ 1`);
    }
    if (!(options.resetAfterMs >= 0)) throw new RangeError(`resetAfterMs must be ≥ 0`);
    this.failureThreshold = options.failureThreshold;
    this.resetAfterMs = options.resetAfterMs;
    this.#isFailure = options.isFailure ?? (() => true);
    this.#onStateChange = options.onStateChange;
    this.#now = options.now ?? Date.now;
  }

  /** The current state, with an elapsed open period reported as half_open. */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.resetAfterMs) {
      return 'half_open';
    }
    return this.#state;
  }

  /** Consecutive failures counted while closed. */
  get failures(): number {
    return this.#failures;
  }

  /** Whether a call made now would be let through (does not reserve the half-open probe). */
  canPass(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half_open' && !this.#probeInFlight);
  }

  /** Runs `fn` through the breaker; rejects with {@link CircuitOpenError} when not allowed. */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const isProbe = this.#admit();
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (this.#isFailure(err)) this.#recordFailure(isProbe);
      else if (isProbe) this.#probeInFlight = false; // neutral outcome: let another probe try
      throw err;
    }
    this.#recordSuccess(isProbe);
    return result;
  }

  /** Returns true when the admitted call is the half-open probe. */
  #admit(): boolean {
    if (this.#state === 'closed') return false;
    const elapsed = this.#now() - this.#openedAt;
    if (this.#state === 'open') {
      if (elapsed < this.resetAfterMs) throw new CircuitOpenError(this.resetAfterMs - elapsed);
      this.#transition('half_open');
    }
    // half_open
    if (this.#probeInFlight) throw new CircuitOpenError(0);
    this.#probeInFlight = true;
    return true;
  }

  #recordSuccess(isProbe: boolean): void {
    if (isProbe) this.#probeInFlight = false;
    this.#failures = 0;
    if (this.#state !== 'closed') this.#transition('closed');
  }

  #recordFailure(isProbe: boolean): void {
    if (isProbe) {
      this.#probeInFlight = false;
      this.#open();
      return;
    }
    if (this.#state !== 'closed') return; // a straggler that started before the circuit opened
    this.#failures++;
    if (this.#failures >= this.failureThreshold) this.#open();
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#failures = 0;
    this.#transition('open');
  }

  #transition(to: CircuitState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#onStateChange?.(from, to);
  }
}
