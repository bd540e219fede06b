/**
 * Retention (docs/privacy.md, "Retention"): a requester's personal data is erased N days after
 * their last ticket closed, when none of their tickets is open. Safe with several processes and
 * exactly once: every process may run the pass, but an erasure takes effect only in the process
 * whose conditional destroy of the key succeeds (`erased_at IS NULL`), and only that one records
 * the `PersonalDataErased` event and purges; the others find the person already gone.
 */
import type { Logger } from 'pino';
import { erasePerson, type ErasureDeps } from './erase.ts';

export interface RetentionOptions extends ErasureDeps {
  days: number;
  pollMs: number;
  logger: Logger;
  batchSize?: number;
}

export const retentionActor = { id: 'privacy-retention', role: 'system' } as const;

/**
 * Requesters whose every ticket is closed, the last one longer than the retention ago (a closed
 * ticket's last change is its close: tickets are not changed after), and who are not staff (an
 * agent's or admin's identity is kept while they work here; erase them by request).
 */
async function expiredRequesters(deps: RetentionOptions, cutoff: Date, limit: number) {
  const { rows } = await deps.db.query<{ email: string }>(
    `SELECT t.requester_email AS email FROM tf_tickets t
     WHERE t.requester_email NOT LIKE '[erased:%'
       AND NOT EXISTS (SELECT 1 FROM tf_users u WHERE u.email = t.requester_email
                       AND u.roles && ARRAY['agent', 'auditor', 'integrator', 'admin'])
     GROUP BY t.requester_email
     HAVING bool_and(t.status = 'closed') AND max(t.updated_at) < $1
     ORDER BY max(t.updated_at) LIMIT $2`,
    [cutoff.toISOString(), limit],
  );
  return rows.map((r) => r.email);
}

export function createRetentionScheduler(options: RetentionOptions) {
  const batchSize = options.batchSize ?? 50;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  /** One pass: erases every expired requester now; returns how many this process erased. */
  async function tickOnce(): Promise<number> {
    const at = options.now();
    const cutoff = new Date(at.getTime() - options.days * 86_400_000);
    let erased = 0;
    for (;;) {
      const emails = await expiredRequesters(options, cutoff, batchSize);
      let progressed = 0;
      for (const email of emails) {
        const result = await erasePerson(options, {
          email,
          basis: 'retention_policy',
          actor: retentionActor,
        });
        // Not erased here: another process did (its purge is under way); not counted twice.
        if (result.erased) progressed++;
      }
      erased += progressed;
      if (emails.length < batchSize || progressed === 0) break;
    }
    if (erased > 0) options.logger.info({ erased }, 'retention: personal data erased');
    return erased;
  }

  const tick = () => (running ??= tickOnce().finally(() => (running = null)));

  return {
    tick,
    start() {
      timer ??= setInterval(() => {
        tick().catch((error: unknown) =>
          options.logger.error({ err: error }, 'retention pass failed'),
        );
      }, options.pollMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}

export type RetentionScheduler = ReturnType<typeof createRetentionScheduler>;
