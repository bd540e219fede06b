/** Small primitives more than one layer needs; nothing here knows about tickets or models. */
export {
  QueueFullError,
  QueueTimeoutError,
  Semaphore,
  type Release,
  type SemaphoreOptions,
} from './semaphore.ts';
export { abortReason, isAbortLike } from './abort.ts';
