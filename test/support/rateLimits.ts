/**
 * Tests file tickets in bursts under one email: the rate limits are off unless a test sets them
 * (test/api/rateLimit.test.ts does).
 */
export const noRateLimits = {
  RATE_LIMIT_INTAKE_PER_ADDRESS: '0',
  RATE_LIMIT_INTAKE_PER_EMAIL: '0',
  RATE_LIMIT_PER_TOKEN: '0',
} as const;
