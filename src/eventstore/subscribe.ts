import type { Database } from '../db/index.ts';
import type { StoredEvent } from '../events/index.ts';
import type { SubscribeOptions, Subscription, SubscriptionItem } from './types.ts';

/**
 * Where a PostgreSQL reader stands in the global order: the commit-order key of the last event it
 * has passed. `xid` is the event's transaction id (xid8, as text), `position` its sequence number.
 */
export interface CommitCursor {
  xid: string;
  position: number;
}

const startCursor: CommitCursor = { xid: '0', position: 0 };

/** Something that wakes sleeping subscribers when events may have been committed. */
export interface Wakeups {
  register(): Waiter;
  /** Calls `listener` on every wake-up (appends here, NOTIFY from elsewhere); returns its removal. */
  listen(listener: () => void): () => void;
  close(): Promise<void>;
}

export interface Waiter {
  /** Resolves after `ms`, or at once / as soon as a wake-up came since the last `consume()`. */
  wait(ms: number, signal?: AbortSignal): Promise<'woken' | 'timeout'>;
  /** Forgets wake-ups seen so far (call right before reading). */
  consume(): void;
  dispose(): void;
}

/**
 * One hub per store: in-process appends (`onAppended`) plus, lazily on the first subscriber, one
 * LISTEN on the events channel (a PostgreSQL server: other processes' commits; PGlite: its
 * in-process notifications). Without LISTEN, subscribers fall back to polling.
 */
export function createWakeups(
  db: Database,
  channel: string,
  onAppended: (listener: () => void) => () => void,
): Wakeups {
  const waiters = new Set<{ dirty: boolean; wake: () => void }>();
  const listeners = new Set<() => void>();
  let listening: Promise<(() => Promise<void>) | null> | null = null;
  const wakeAll = () => {
    for (const w of waiters) {
      w.dirty = true;
      w.wake();
    }
    for (const listener of listeners) listener();
  };
  const offAppended = onAppended(wakeAll);
  // One LISTEN connection per store, opened when the first waiter or listener needs it.
  const startListening = () => void (listening ??= db.listen(channel, wakeAll).catch(() => null));

  return {
    listen(listener) {
      startListening();
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    register() {
      startListening();
      const state = { dirty: false, wake: () => undefined as void };
      waiters.add(state);
      return {
        consume() {
          state.dirty = false;
        },
        wait(ms, signal) {
          if (state.dirty || signal?.aborted) return Promise.resolve('woken');
          return new Promise((resolve) => {
            const done = (how: 'woken' | 'timeout') => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', onAbort);
              state.wake = () => undefined;
              resolve(how);
            };
            const onAbort = () => done('woken');
            const timer = setTimeout(() => done('timeout'), ms);
            signal?.addEventListener('abort', onAbort, { once: true });
            state.wake = () => done('woken');
          });
        },
        dispose() {
          state.wake();
          waiters.delete(state);
        },
      };
    },
    async close() {
      offAppended();
      wakeAll();
      waiters.clear();
      listeners.clear();
      const unlisten = await listening;
      listening = null;
      await unlisten?.().catch(() => undefined);
    },
  };
}

export interface PostgresSubscribeDeps {
  db: Database;
  wakeups: Wakeups;
  toStoredEvent: (row: Record<string, unknown>) => StoredEvent;
  /** Longest sleep between reads when no wake-up comes (the polling fallback). */
  pollMs: number;
}

/** The cursor of an event position, or null when no event has that position. */
export async function cursorAt(db: Database, position: number): Promise<CommitCursor | null> {
  if (position === 0) return startCursor;
  const { rows } = await db.query<{ xid: string }>(
    `SELECT transaction_id::text AS xid FROM tf_events WHERE position = $1`,
    [position],
  );
  return rows[0] ? { xid: rows[0].xid, position } : null;
}

interface PageRow {
  tail: boolean;
  xid: string;
  position: number | string;
}

/**
 * Reads the next page after `cursor` in commit order, below the oldest running transaction (so
 * no later-committing writer can ever land behind the cursor). With a filter, the statement also
 * returns the last event it could see at all (`tail`): when the page is short, the scan cursor
 * moves there, past events the filter skipped. Both parts share one snapshot, hence one statement.
 */
async function readPage(
  db: Database,
  cursor: CommitCursor,
  options: { types: readonly string[] | null; prefix: string | null; limit: number },
): Promise<{ rows: Array<PageRow & Record<string, unknown>>; tail: CommitCursor | null }> {
  const filtered = options.types !== null || options.prefix !== null;
  const { rows } = await db.query<PageRow & Record<string, unknown>>(
    `WITH horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
     page AS (
       SELECT * FROM tf_events
       WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
         AND transaction_id < (SELECT xmin FROM horizon)
         AND ($3::text[] IS NULL OR type = ANY($3::text[]))
         AND ($4::text IS NULL OR starts_with(stream_id, $4::text))
       ORDER BY transaction_id, position
       LIMIT $5
     )
     SELECT false AS tail, transaction_id::text AS xid, position, event_id, stream_id, version, type,
            schema_version, data, metadata, created_at, encode(hash, 'hex') AS hash
     FROM page
     UNION ALL
     (SELECT true, transaction_id::text, position, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
      FROM tf_events
      WHERE $6::boolean
        AND (transaction_id, position) > ($1::xid8, $2::bigint)
        AND transaction_id < (SELECT xmin FROM horizon)
      ORDER BY transaction_id DESC, position DESC
      LIMIT 1)`,
    [cursor.xid, cursor.position, options.types, options.prefix, options.limit, filtered],
  );
  const tailRow = rows.find((r) => r.tail);
  const page = rows.filter((r) => !r.tail);
  page.sort((a, b) => compareCursors(cursorOf(a), cursorOf(b)));
  return { rows: page, tail: tailRow ? cursorOf(tailRow) : null };
}

const cursorOf = (row: PageRow): CommitCursor => ({ xid: row.xid, position: Number(row.position) });

export function compareCursors(a: CommitCursor, b: CommitCursor): number {
  const ax = BigInt(a.xid);
  const bx = BigInt(b.xid);
  if (ax !== bx) return ax < bx ? -1 : 1;
  return a.position - b.position;
}

/**
 * A subscription over the PostgreSQL log: catch-up from `from`, then live. Pull-based: a page is
 * read only when the consumer has taken every item of the previous one. Between pages at the head
 * it sleeps until a wake-up (append in this process, NOTIFY from another) or `pollMs`; when a
 * wake-up finds nothing new (the commit is held back behind an older open transaction), it
 * re-reads with a short backoff instead of waiting a full poll interval.
 */
export function subscribePostgres(
  deps: PostgresSubscribeDeps,
  options: SubscribeOptions = {},
): Subscription {
  const { db, wakeups } = deps;
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const types = options.filter?.types?.length ? [...options.filter.types] : null;
  const prefix = options.filter?.streamPrefix ?? null;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const toStored = deps.toStoredEvent;

  async function* run(): AsyncGenerator<SubscriptionItem> {
    const from = options.from ?? 0;
    // Registered before the first read, so no wake-up between a read and a sleep is lost.
    const waiter = wakeups.register();
    try {
      let cursor = await cursorAt(db, from);
      if (!cursor) throw new RangeError(`no event at position ${from}`);
      let announced = false;
      let heldBackMs = 0;
      let lastWake: 'woken' | 'timeout' = 'timeout';
      while (!signal.aborted) {
        waiter.consume();
        const { rows, tail } = await readPage(db, cursor, { types, prefix, limit: batchSize });
        for (const row of rows) {
          cursor = cursorOf(row);
          announced = false;
          yield { kind: 'event', event: toStored(row), position: cursor.position };
          if (signal.aborted) return;
        }
        if (rows.length === batchSize) continue;
        const moved = !!tail && compareCursors(tail, cursor) > 0;
        if (tail && moved) {
          cursor = tail;
          announced = false;
        }
        if (!announced) {
          announced = true;
          yield { kind: 'caughtUp', position: cursor.position };
          if (signal.aborted) return;
        }
        // A wake-up that brings nothing means the commit is hidden behind an older open
        // transaction: look again soon (10, 20, 40 ... ms up to pollMs) until it shows.
        if (rows.length > 0 || moved) heldBackMs = 0;
        else if (heldBackMs > 0) heldBackMs = heldBackMs * 2 >= deps.pollMs ? 0 : heldBackMs * 2;
        else if (lastWake === 'woken') heldBackMs = 10;
        lastWake = await waiter.wait(heldBackMs || deps.pollMs, signal);
      }
    } finally {
      waiter.dispose();
    }
  }

  const iterator = run();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      stop.abort();
      await iterator.return(undefined);
    },
  };
}
