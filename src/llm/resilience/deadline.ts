import { TimeoutError, abortReason } from './errors.ts';

/**
 * A signal that aborts when `timeoutMs` elapses or when `parent` aborts, whichever comes first.
 * Hand-rolled rather than `AbortSignal.any([parent, AbortSignal.timeout(ms)])` so the timer and the
 * parent listener are released deterministically by `dispose()` (no timers left behind per call).
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** True once the deadline itself (not the parent) aborted the signal. */
  readonly timedOut: boolean;
  /** Clears the timer and detaches from the parent. Idempotent. */
  dispose(): void;
}

export function createDeadline(timeoutMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onParentAbort = (): void => {
    controller.abort(parent ? abortReason(parent) : undefined);
  };
  const dispose = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    parent?.removeEventListener('abort', onParentAbort);
  };

  if (parent?.aborted) {
    controller.abort(abortReason(parent));
  } else {
    parent?.addEventListener('abort', onParentAbort, { once: true });
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(
        () => {
          timedOut = true;
          parent?.removeEventListener('abort', onParentAbort);
          controller.abort(new TimeoutError(timeoutMs));
        },
        Math.max(0, timeoutMs),
      );
    }
  }

  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose,
  };
}

/**
 * Runs `fn` with a signal bounded by `timeoutMs` and `parent`. Rejects with {@link TimeoutError}
 * when the deadline elapses, or with the parent's abort reason when the parent aborts, even if
 * `fn` ignores its signal (the promise is raced against the abort).
 */
export async function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  parent?: AbortSignal,
): Promise<T> {
  const deadline = createDeadline(timeoutMs, parent);
  const { signal } = deadline;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined); // never an unhandled rejection if fn settles first
  try {
    if (signal.aborted) throw abortReason(signal);
    return await Promise.race([fn(signal), aborted]);
  } catch (err) {
    // fn may reject with its own abort error; report the deadline's reason consistently.
    if (signal.aborted) throw abortReason(signal);
    throw err;
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    deadline.dispose();
  }
}
