import type { Logger } from 'pino';
import type { Checkpoints } from './checkpoints.ts';
import type { Lease } from './lease.ts';
import type { Projection } from './types.ts';

export interface LeaseKeeperOptions {
  active: readonly Projection[];
  lease: Lease;
  checkpoints: Checkpoints;
  logger: Logger;
  /** Whether the projector stopped (then no lock may be taken: it would be held past stop()). */
  stopped: () => boolean;
  /** Called when this process took over projections, which then need a run. */
  onTaken: () => void;
}

/**
 * Takes over projections nobody leads, and notices when this process lost its lease. One tick at
 * a time: `tickOnce` skips while one is in flight, and `idle` lets stop() wait for it before it
 * closes the lease.
 */
export function createLeaseKeeper(options: LeaseKeeperOptions) {
  let inFlight: Promise<void> | null = null;
  return {
    tick: () => tickLease(options),
    tickOnce(): void {
      inFlight ??= tickLease(options)
        .catch((error: unknown) =>
          options.logger.warn({ err: error }, 'projection lease check failed'),
        )
        .finally(() => {
          inFlight = null;
        });
    },
    idle: (): Promise<void> | null => inFlight,
  };
}

async function tickLease(options: LeaseKeeperOptions): Promise<void> {
  const { active, lease, checkpoints, logger, stopped } = options;
  if (stopped()) return;
  const wasLeading = active.filter((p) => lease.holds(p.name)).map((p) => p.name);
  if (wasLeading.length > 0 && !(await lease.check())) {
    logger.warn({ projections: wasLeading }, 'projection lease lost');
  }
  const taken: string[] = [];
  for (const projection of active) {
    // Stopped while this tick waited: taking a lock now would hold it past stop().
    if (stopped()) return;
    if (lease.holds(projection.name)) continue;
    try {
      if (await lease.tryAcquire(projection.name)) {
        // Another process ran it until now: its checkpoint must be read afresh.
        checkpoints.forget(projection.name);
        taken.push(projection.name);
      }
    } catch (error) {
      logger.warn({ err: error }, 'projection lease unavailable');
      return;
    }
  }
  if (taken.length > 0) {
    logger.info({ projections: taken }, 'leading projections');
    options.onTaken();
  }
}
