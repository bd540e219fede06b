/**
 * The one counting semaphore of the product: the ticket workflow bounds how many tickets it works
 * at once with it, the Ollama adapter how many model calls are in flight. It lives here, outside
 * both, so neither imports the other's internals.
 */
import { abortReason } from './abort.ts';

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

export interface SemaphoreOptions {
  /** Calls allowed to run at once (≥ 1). */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot; beyond that, {@link QueueFullError}. Default: unbounded. */
  maxQueue?: number | undefined;
  /** Longest a call may wait for a slot before {@link QueueTimeoutError}. Default: unbounded. */
  maxQueueWaitMs?: number | undefined;
  /** Clock, for tests. */
  now?: () => number;
}

/** Returned by {@link Semaphore.acquire}; call it exactly once (extra calls are ignored). */
export type Release = () => void;

interface Waiter {
  enqueuedAt: number;
  grant: (release: Release) => void;
  cleanup: () => void;
}

/**
 * A counting semaphore with a bounded FIFO wait queue and an optional maximum queue wait.
 * Waiters are served strictly in arrival order; a waiter whose signal aborts or whose wait
 * times out leaves the queue without taking a slot.
 */
export class Semaphore {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly maxQueueWaitMs: number;
  #active = 0;
  #maxActiveSeen = 0;
  readonly #queue: Waiter[] = [];
  readonly #now: () => number;

  /** A number is the slot count alone: an unbounded queue, waited on for as long as it takes. */
  constructor(optionsOrMaxConcurrent: SemaphoreOptions | number) {
    const options =
      typeof optionsOrMaxConcurrent === 'number'
        ? { maxConcurrent: optionsOrMaxConcurrent }
        : optionsOrMaxConcurrent;
    if (!Number.isInteger(options.maxConcurrent) || options.maxConcurrent < 1) {
      throw new RangeError(`maxConcurrent must be an integer ≥ 1, got ${options.maxConcurrent}`);
    }
    const maxQueue = options.maxQueue ?? Number.POSITIVE_INFINITY;
    if (!(maxQueue >= 0)) throw new RangeError(`maxQueue must be ≥ 0, got ${maxQueue}`);
    this.maxConcurrent = options.maxConcurrent;
    this.maxQueue = maxQueue;
    this.maxQueueWaitMs = options.maxQueueWaitMs ?? Number.POSITIVE_INFINITY;
    this.#now = options.now ?? Date.now;
  }

  /** Calls currently holding a slot. */
  get active(): number {
    return this.#active;
  }

  /** Calls currently waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Highest number of slots ever held at once (for metrics and tests). */
  get maxActiveSeen(): number {
    return this.#maxActiveSeen;
  }

  /** Waits for a slot. Rejects with QueueFullError, QueueTimeoutError or the signal's reason. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#hasFreeSlot()) return Promise.resolve(this.#take());
    if (this.#queue.length >= this.maxQueue) {
      return Promise.reject(new QueueFullError(this.maxQueue));
    }
    return new Promise<Release>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = (err: Error): void => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        waiter.cleanup();
        reject(err);
      };
      const onAbort = (): void => leave(abortReason(signal as AbortSignal));
      const waiter: Waiter = {
        enqueuedAt: this.#now(),
        grant: (release) => {
          waiter.cleanup();
          resolve(release);
        },
        cleanup: () => {
          if (timer !== undefined) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.#queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(this.maxQueueWaitMs)) {
        timer = setTimeout(
          () => leave(new QueueTimeoutError(this.#now() - waiter.enqueuedAt)),
          this.maxQueueWaitMs,
        );
      }
    });
  }

  /**
   * Runs `fn` while holding a slot; the slot is released however `fn` ends. With a slot free,
   * `fn` starts before `run` returns (the workflow counts on a ticket being under way at once).
   */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release =
      !signal?.aborted && this.#hasFreeSlot() ? this.#take() : await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** A slot is free and nobody queued before this call (waiters are served in arrival order). */
  #hasFreeSlot(): boolean {
    return this.#active < this.maxConcurrent && this.#queue.length === 0;
  }

  #take(): Release {
    this.#active++;
    if (this.#active > this.#maxActiveSeen) this.#maxActiveSeen = this.#active;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.#dispatch();
    };
  }

  #dispatch(): void {
    while (this.#active < this.maxConcurrent && this.#queue.length > 0) {
      const next = this.#queue.shift() as Waiter;
      next.grant(this.#take());
    }
  }
}
