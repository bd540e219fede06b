import { createServer } from 'node:net';
import { ModelError } from '../../../src/llm/types.ts';

/** A port on 127.0.0.1 with nothing listening (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Awaits a promise expected to reject with a ModelError and returns it. */
export async function modelError(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ModelError) return err;
    throw new Error(`expected a ModelError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a ModelError, but the call succeeded');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
