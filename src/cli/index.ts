import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/index.ts';
import { openDatabase } from '../server/index.ts';
import { createPostgresEventStore, type EventStore } from '../eventstore/index.ts';
import { withPersonalDataSealed } from '../privacy/index.ts';
import { createProjector } from '../projector/index.ts';
import { createProjections } from '../../projections/index.ts';
import { createUserDirectory, userIdFor } from '../auth/index.ts';
import { userRoleSchema, type UserRole } from '../events/index.ts';
import type { SupportLevel } from '../llm/index.ts';
import { slaSettingsFrom } from '../sla/index.ts';
import { createLogger } from '../log/index.ts';
import type { Database } from '../db/index.ts';
import {
  listProjections,
  rebuildProjections,
  UnknownProjectionError,
  verifyProjections,
} from './projections.ts';
import { replayTicket } from './replay.ts';
import { findTicketAnomalies } from './ticketsCheck.ts';
import { backupPglite, BackupRefusedError, restorePglite } from './backup.ts';
import { findKbGaps, formatKbGaps } from './kbGaps.ts';
import { loadKnowledgeBase } from '../kb/index.ts';
import { auditUsage, runAuditCli } from './audit.ts';
import { analyticsUsage, runAnalyticsCli } from './analytics.ts';
import { privacyUsage, runPrivacyCli } from './privacy.ts';

const usage = `usage: npm run cli -- <command> [options]

  users create  --email EMAIL --role ROLE [--name NAME] [--levels 1,2,3] [--lead]
  users grant   --email EMAIL --role ROLE [--levels 1,2,3] [--lead]
  tokens create --email EMAIL [--role ROLE] [--label TEXT]     prints the token once
  tokens revoke --email EMAIL --id TOKEN_ID
  projections list                                             checkpoints and lag
  projections rebuild [NAME]                                   every read model, or NAME, from the log
  projections verify [NAME]                                    rebuild aside and diff with the live rows
  replay TICKET [--version N | --at ISO] [--json]              the ticket's timeline (docs/audit.md)
  tickets check                                                stored events no machine version places
  backup FILE                                                  the PGlite data dir as a gzipped tarball
  restore FILE [--force]                                       DATA_DIR becomes the backup (--force: replace)
  kb gaps [--json] [--limit 20] [--min-score 0.4] [--kb DIR]   topics the knowledge base lacks, largest first
${auditUsage}
${analyticsUsage}
${privacyUsage}

  --quiet, -q   print only the answer (tokens create: the token alone, for TOKEN=$(...))

ROLE: requester | agent | auditor | integrator | admin. The database is the server's
(DATA_DIR or DATABASE_URL). With embedded PGlite, stop the server first (one process per data dir).`;

/** The operator's CLI: bootstrap users and tokens on a fresh install (docs/auth.md). */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out = console,
): Promise<number> {
  if (argv[0] === 'keys' || argv[0] === 'verify') return runAuditCli(argv, env, out);
  if (argv[0] === 'import' || argv[0] === 'export' || argv[0] === 'report')
    return runAnalyticsCli(argv, env, out);
  if (argv[0] === 'privacy') return runPrivacyCli(argv, env, out);
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      levels: { type: 'string' },
      lead: { type: 'boolean' },
      label: { type: 'string' },
      id: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      json: { type: 'boolean' },
      limit: { type: 'string' },
      'min-score': { type: 'string' },
      kb: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      force: { type: 'boolean' },
      version: { type: 'string' },
      at: { type: 'string' },
    },
  });
  const [noun, verb] = positionals;
  if ((noun === 'backup' || noun === 'restore') && verb && !values.help) {
    return runBackupCommand(noun, verb, values.force === true, env, out);
  }
  if (values.help || !noun || !verb) {
    out.log(usage);
    return values.help ? 0 : 2;
  }
  const fail = (message: string) => {
    out.error(`error: ${message}\n\n${usage}`);
    return 2;
  };
  // Informative lines; --quiet leaves only the answer a script reads (a token, a table).
  const say = (line: string) => {
    if (!values.quiet) out.log(line);
  };
  if (noun === 'projections') return runProjectionsCommand(verb, positionals[2], env, out, say);
  if (noun === 'tickets' && verb === 'check') return runTicketsCheck(env, out);
  if (noun === 'replay') {
    const version = values.version === undefined ? undefined : Number(values.version);
    const at = values.at === undefined ? undefined : new Date(values.at);
    if (version !== undefined && !(Number.isInteger(version) && version > 0))
      return fail('--version takes a positive integer');
    if (at !== undefined && Number.isNaN(at.getTime())) return fail('--at takes an ISO instant');
    if (version !== undefined && at !== undefined) return fail('give --version or --at, not both');
    return runReplay({ ticketId: verb, version, at, json: values.json === true }, env, out);
  }
  if (noun === 'kb' && verb === 'gaps') {
    const limit = Number(values.limit ?? 20);
    const minScore = Number(values['min-score'] ?? 0.4);
    if (!Number.isInteger(limit) || limit < 1)
      return fail('--limit takes a whole number, 1 or more');
    if (!(minScore >= 0 && minScore <= 1)) return fail('--min-score takes a number from 0 to 1');
    return runKbGaps(env, out, { json: values.json ?? false, limit, minScore, kbDir: values.kb });
  }
  if (!values.email) return fail('--email is required');
  const role = values.role === undefined ? undefined : userRoleSchema.safeParse(values.role);
  if (role && !role.success) return fail(`unknown role ${values.role}`);
  const levels = values.levels?.split(',').map(Number) as SupportLevel[] | undefined;
  if (levels?.some((l) => ![1, 2, 3].includes(l)))
    return fail('--levels takes 1, 2 and/or 3, comma-separated');

  const config = loadConfig(env);
  let db: Database | undefined;
  try {
    db = await openDatabase(config);
    const store = withPersonalDataSealed(createPostgresEventStore(db), db, config);
    const users = createUserDirectory(store);
    const actor = { id: 'cli', role: 'admin' as const };
    const roleValue = role?.data as UserRole | undefined;
    const key = `${noun} ${verb}`;
    if (key === 'users create') {
      if (!roleValue) return fail('--role is required');
      const user = await users.create(
        {
          email: values.email,
          name: values.name,
          role: roleValue,
          ...(levels ? { levels } : {}),
          ...(values.lead ? { lead: true } : {}),
        },
        actor,
      );
      say(`created user ${user.email} (${user.userId}) with role ${roleValue}`);
    } else if (key === 'users grant') {
      if (!roleValue) return fail('--role is required');
      await users.grant(
        values.email,
        { role: roleValue, ...(levels ? { levels } : {}), ...(values.lead ? { lead: true } : {}) },
        actor,
      );
      say(`granted ${roleValue} to ${values.email}`);
    } else if (key === 'tokens create') {
      const issued = await users.issueToken(
        values.email,
        { role: roleValue, label: values.label },
        actor,
      );
      // The note on stderr, the token alone on stdout: TOKEN=$(npm run -s cli -- tokens create …).
      if (!values.quiet) {
        out.error(
          `token ${issued.tokenId} for ${values.email} as ${issued.role}; shown once, store it now:`,
        );
      }
      out.log(issued.token);
    } else if (key === 'tokens revoke') {
      if (!values.id) return fail('--id is required');
      await users.revokeToken(userIdFor(values.email), values.id, actor);
      say(`revoked token ${values.id}`);
    } else {
      return fail(`unknown command ${key}`);
    }
    // Bring the read models up to date, so the token works as soon as a server runs.
    // (Where a server runs against the same PostgreSQL, it leads the projections and does this.)
    const { projector } = projectorFor(db, config);
    try {
      await projector.start();
      await projector.catchUp();
    } finally {
      await projector.stop();
    }
    return 0;
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await db?.close();
  }
}

/** The product's read models and a projector over them; its log goes to stderr, at warn. */
function projectorFor(db: Database, config: ReturnType<typeof loadConfig>) {
  const projections = createProjections(slaSettingsFrom(config));
  const logger = createLogger({ LOG_LEVEL: 'warn' }, { destination: 2 });
  const store = withPersonalDataSealed(createPostgresEventStore(db), db, config);
  return { projections, projector: createProjector({ db, store, projections, logger }) };
}

/** `projections list` and `projections rebuild [NAME]` (README, "Commands"). */
async function runProjectionsCommand(
  verb: string,
  name: string | undefined,
  env: Record<string, string | undefined>,
  out: Pick<Console, 'log' | 'error'>,
  say: (line: string) => void,
): Promise<number> {
  if (verb !== 'list' && verb !== 'rebuild' && verb !== 'verify') {
    out.error(`error: unknown command projections ${verb}\n\n${usage}`);
    return 2;
  }
  let db: Database | undefined;
  try {
    const config = loadConfig(env);
    db = await openDatabase(config);
    const { projections, projector } = projectorFor(db, config);
    try {
      if (verb === 'list') {
        await listProjections({ projections, projector, out });
      } else if (verb === 'verify') {
        // Compared at each read model's checkpoint: no need to lead or catch up.
        const differences = await verifyProjections({ projections, projector, out }, name, say);
        return differences > 0 ? 1 : 0;
      } else {
        // Everything else caught up first, so the rebuilt tables swap in beside current ones.
        await projector.start();
        await rebuildProjections({ projections, projector, out }, name, say);
      }
    } finally {
      await projector.stop();
    }
    return 0;
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof UnknownProjectionError ? 2 : 1;
  } finally {
    await db?.close();
  }
}

type Out = Pick<Console, 'log' | 'error'>;

/**
 * Runs a read-only command on the log the server wrote: the database opened as it is (nothing
 * created or migrated), its store, and an exit code; any error is printed and exits 1.
 */
async function onExistingLog(
  env: Record<string, string | undefined>,
  out: Out,
  run: (store: EventStore, config: Config) => Promise<number>,
): Promise<number> {
  let db: Database | undefined;
  try {
    const config = loadConfig(env);
    db = await openDatabase(config, { existing: true });
    return await run(withPersonalDataSealed(createPostgresEventStore(db), db, config), config);
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await db?.close();
  }
}

/** `tickets check`: one line per anomaly, exit 1 when there is any (docs/architecture.md). */
const runTicketsCheck = (env: Record<string, string | undefined>, out: Out) =>
  onExistingLog(env, out, async (store) => {
    const { tickets, anomalies } = await findTicketAnomalies(store);
    for (const a of anomalies) {
      out.log(
        `ticket ${a.ticketId} version ${a.version}: ${a.type} does not fit state ${a.status}`,
      );
    }
    out.error(`${tickets} tickets checked, ${anomalies.length} anomalies`);
    return anomalies.length > 0 ? 1 : 0;
  });

/** `backup FILE` and `restore FILE [--force]` (docs/operations.md, "Backups"). */
async function runBackupCommand(
  command: 'backup' | 'restore',
  file: string,
  force: boolean,
  env: Record<string, string | undefined>,
  out: Pick<Console, 'log' | 'error'>,
): Promise<number> {
  try {
    if (command === 'backup') {
      const { bytes } = await backupPglite(env, file);
      out.error(`backed up ${env.DATA_DIR ?? './data'} to ${file} (${bytes} bytes)`);
    } else {
      await restorePglite(env, file, force);
      out.error(`restored ${file} into ${env.DATA_DIR ?? './data'}`);
    }
    return 0;
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof BackupRefusedError ? 2 : 1;
  }
}

/** `replay TICKET`: exit 1 when the ticket has no events. */
const runReplay = (
  options: Parameters<typeof replayTicket>[1],
  env: Record<string, string | undefined>,
  out: Out,
) =>
  onExistingLog(env, out, async (store) => {
    if (await replayTicket(store, options, out)) return 0;
    out.error(`error: no ticket ${options.ticketId}`);
    return 1;
  });

/** `kb gaps`: the topics escalated and rejected tickets found no good article for (README). */
const runKbGaps = (
  env: Record<string, string | undefined>,
  out: Out,
  options: { json: boolean; limit: number; minScore: number; kbDir: string | undefined },
) =>
  onExistingLog(env, out, async (store, config) => {
    // Weak matches too: how close the nearest article came is part of the report.
    const kb = await loadKnowledgeBase(options.kbDir ?? config.KB_DIR, { minScore: 0 });
    const report = await findKbGaps(store, kb, { minScore: options.minScore });
    if (options.json) out.log(JSON.stringify(report));
    else for (const line of formatKbGaps(report, options.limit)) out.log(line);
    return 0;
  });

const invokedDirectly =
  process.argv[1] !== undefined &&
  import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  process.exitCode = await runCli(process.argv.slice(2), process.env);
}
