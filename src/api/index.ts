export { createHttpApp, type HttpAppDeps } from './app.ts';
export { HttpProblem, type Problem } from './problem.ts';
export { parsePreferWait } from './schemas.ts';
export { rateLimitSettingsFrom, type RateLimitSettings } from './rateLimit.ts';
export { answerClientErrors } from './clientError.ts';
