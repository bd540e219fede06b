export { CircuitBreaker } from './circuitBreaker.ts';
export type { CircuitBreakerOptions, CircuitState } from './circuitBreaker.ts';
export { Semaphore } from '../../shared/index.ts';
export type { Release, SemaphoreOptions } from '../../shared/index.ts';
export { createDeadline, withTimeout } from './deadline.ts';
export type { Deadline } from './deadline.ts';
export {
  CircuitOpenError,
  QueueFullError,
  QueueTimeoutError,
  TimeoutError,
  abortReason,
  isAbortLike,
} from './errors.ts';
