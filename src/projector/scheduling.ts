/** When the projector's work runs: one batch at a time, one catch-up at a time, wake-ups coalesced. */

/** Runs work one piece at a time, in call order; a failure does not stop the pieces after it. */
export function createExclusive() {
  /** The tail of the queue (the projector's batches and rebuild swaps, which never overlap). */
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(work: () => Promise<T>): Promise<T> {
      const next = tail.then(work, work);
      tail = next.catch(() => undefined);
      return next;
    },
    /** Settles when everything queued so far has run. */
    idle: (): Promise<unknown> => tail,
  };
}

/**
 * One run at a time of `work`; calls during a run share it, and it goes round once more so that
 * what they asked for is covered.
 */
export function createSharedRun(work: () => Promise<void>) {
  let running: Promise<void> | null = null;
  let again = false;
  return {
    run(): Promise<void> {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await work();
          } while (again);
        } finally {
          running = null;
        }
      })();
      return running;
    },
    /** The run in progress, if any. */
    current: (): Promise<void> | null => running,
  };
}

/**
 * Turns wake-ups into runs of `run`, at most one per `coalesceMs` (see ProjectorOptions.coalesceMs
 * for why), none once stopped.
 */
export function createWaker(coalesceMs: number, run: () => void) {
  let timer: NodeJS.Timeout | null = null;
  let lastRun = 0;
  let stopped = false;
  return {
    wake(): void {
      if (stopped || timer) return;
      const wait = Math.max(0, lastRun + coalesceMs - Date.now());
      timer = setTimeout(() => {
        timer = null;
        lastRun = Date.now();
        run();
      }, wait);
    },
    start(): void {
      stopped = false;
    },
    /** No more runs: a pending one is cancelled. */
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
    get stopped(): boolean {
      return stopped;
    },
  };
}
