import type { AttemptOutcome } from './sender.ts';

export interface RetryPolicy {
  /** Delays before the 2nd, 3rd … try in ms (the first try is immediate). */
  schedule: readonly number[];
  /** Share of a delay by which it is moved either way at random. */
  jitter: number;
  random: () => number;
}

/** What to do after a try: done, try again at a time, dead-letter, or stop the endpoint (410). */
export type Verdict =
  { kind: 'delivered' } | { kind: 'retry'; delayMs: number } | { kind: 'dead' } | { kind: 'gone' };

/**
 * After try number `attempt` (1-based) came to `outcome`: a 2xx is delivered; 410 Gone disables
 * the endpoint (the delivery waits for it to be enabled again); any other answer or none is
 * retried on the schedule (with jitter; a 429/503's Retry-After instead, capped at the schedule's
 * longest delay) until the schedule is spent, then dead-lettered.
 */
export function verdictFor(attempt: number, outcome: AttemptOutcome, policy: RetryPolicy): Verdict {
  if (outcome.error === null && outcome.status !== null && outcome.status < 300) {
    return { kind: 'delivered' };
  }
  if (outcome.status === 410) return { kind: 'gone' };
  const scheduled = policy.schedule[attempt - 1];
  if (scheduled === undefined) return { kind: 'dead' };
  const longest = Math.max(...policy.schedule);
  if (outcome.retryAfterSeconds !== null) {
    return { kind: 'retry', delayMs: Math.min(outcome.retryAfterSeconds * 1000, longest) };
  }
  const spread = scheduled * policy.jitter * (policy.random() * 2 - 1);
  return { kind: 'retry', delayMs: Math.max(0, Math.round(scheduled + spread)) };
}
