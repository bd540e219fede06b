/** What an aborted `AbortSignal` means, for the semaphore and the model adapters alike. */

/** The reason an aborted signal carries, normalised to an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(reason === undefined ? 'aborted' : String(reason));
  err.name = 'AbortError';
  return err;
}

/** True for errors that mean "someone aborted" (AbortError, or a DOMException TimeoutError). */
export function isAbortLike(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
