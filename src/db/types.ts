/** The small SQL surface the store and projections need; PGlite and a pg.Pool both provide it. */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<{ rows: Row[] }>;
}

export interface QueryOptions {
  /**
   * Keep the statement prepared on each server connection (parsed and planned once). For the hot,
   * fixed statements of the store: on PostgreSQL parsing and planning the append's CTE cost more
   * than executing it. Ignored by PGlite, which has no named statements in its API.
   */
  prepared?: boolean;
}

export interface Database extends SqlExecutor {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; returns a function that stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** SQLSTATE codes the store reacts to. */
export const sqlState = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
} as const;

export function sqlErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
