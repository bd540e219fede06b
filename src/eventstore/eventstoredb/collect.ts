import type { StreamingRead } from '@eventstore/db-client';

/** Drains a read, cancelling it when it outlives `deadlineMs` (reads have no gRPC deadline). */
export async function collect<T>(
  read: StreamingRead<T>,
  deadlineMs: number,
  onTimeout: () => Error,
) {
  const items: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const drained = (async () => {
    for await (const item of read) items.push(item);
  })();
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void read.cancel().catch(() => undefined);
      reject(onTimeout());
    }, deadlineMs);
  });
  drained.catch(() => undefined); // settled after a timeout: nobody waits for it any more
  try {
    await Promise.race([drained, timedOut]);
    return items;
  } finally {
    clearTimeout(timer);
  }
}
