/**
 * `privacy erase --email ADDRESS [--basis BASIS]` and `privacy export --email ADDRESS`
 * (docs/privacy.md): on the server's database; with embedded PGlite, stop the server first.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { createPostgresEventStore } from '../eventstore/index.ts';
import { createLogger } from '../log/index.ts';
import {
  erasePerson,
  erasureBases,
  exportPerson,
  withPersonalDataSealed,
  type ErasureBasis,
} from '../privacy/index.ts';
import { createProjector } from '../projector/index.ts';
import { openDatabase } from '../server/index.ts';
import { slaSettingsFrom } from '../sla/index.ts';
import { createProjections } from '../../projections/index.ts';

export const privacyUsage = `  privacy erase --email EMAIL [--basis BASIS]              destroy their key, purge copies (docs/privacy.md)
  privacy export --email EMAIL                               everything held about them, as JSON`;

type Out = Pick<Console, 'log' | 'error'>;

export async function runPrivacyCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Out,
): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { email: { type: 'string' }, basis: { type: 'string' } },
  });
  const verb = positionals[1];
  const basis = (values.basis ?? 'data_subject_request') as ErasureBasis;
  if ((verb !== 'erase' && verb !== 'export') || !values.email?.includes('@')) {
    out.error(`usage:\n${privacyUsage}`);
    return 2;
  }
  if (!erasureBases.includes(basis)) {
    out.error(`error: --basis is one of ${erasureBases.join(', ')}`);
    return 2;
  }
  let db: Database | undefined;
  try {
    const config = loadConfig(env);
    db = await openDatabase(config);
    const store = withPersonalDataSealed(createPostgresEventStore(db), db, config);
    const projections = createProjections(slaSettingsFrom(config));
    const logger = createLogger({ LOG_LEVEL: 'warn' }, { destination: 2 });
    const projector = createProjector({ db, store, projections, logger });
    const now = () => new Date();
    try {
      // Read models up to date first: the purge re-projects what they had applied.
      await projector.start();
      await projector.catchUp();
      if (verb === 'export') {
        out.log(JSON.stringify(await exportPerson({ db, store, now }, values.email), null, 2));
        return 0;
      }
      const actor = { id: 'cli', role: 'admin' as const };
      const result = await erasePerson(
        { db, store, projections, now },
        {
          email: values.email,
          basis,
          actor,
        },
      );
      await projector.catchUp();
      out.log(
        result.erased
          ? `erased ${result.subjectId} at ${result.erasedAt}: ${result.tickets} tickets, ${result.streams} streams`
          : 'nothing held about this address',
      );
      return 0;
    } finally {
      await projector.stop();
    }
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await db?.close();
  }
}
