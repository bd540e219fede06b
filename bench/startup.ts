import type { BenchContext } from './context.ts';
import type { DbKind } from './db.ts';

/** Start-up and footprint (issue 15, item 6): filled in below. */
export async function benchStartup(ctx: BenchContext, dbs: DbKind[]): Promise<void> {
  void ctx;
  void dbs;
}
