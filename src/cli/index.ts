import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../config/index.ts';
import { openDatabase } from '../server/database.ts';
import { createPostgresEventStore } from '../eventstore/index.ts';
import { createProjector } from '../projector/index.ts';
import { createProjections } from '../../projections/index.ts';
import { createUserDirectory, userIdFor } from '../auth/index.ts';
import { userRoleSchema, type UserRole } from '../events/index.ts';
import type { SupportLevel } from '../llm/types.ts';
import { slaSettingsFrom } from '../sla/index.ts';

const usage = `usage: npm run cli -- <command> [options]

  users create  --email EMAIL --role ROLE [--name NAME] [--levels 1,2,3] [--lead]
  users grant   --email EMAIL --role ROLE [--levels 1,2,3] [--lead]
  tokens create --email EMAIL [--role ROLE] [--label TEXT]     prints the token once
  tokens revoke --email EMAIL --id TOKEN_ID

ROLE: requester | agent | auditor | integrator | admin. The database is the server's
(DATA_DIR or DATABASE_URL). With embedded PGlite, stop the server first (one process per data dir).`;

/** The operator's CLI: bootstrap users and tokens on a fresh install (docs/auth.md). */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out = console,
): Promise<number> {
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [noun, verb] = positionals;
  if (values.help || !noun || !verb) {
    out.log(usage);
    return values.help ? 0 : 2;
  }
  const fail = (message: string) => {
    out.error(`error: ${message}\n\n${usage}`);
    return 2;
  };
  if (!values.email) return fail('--email is required');
  const role = values.role === undefined ? undefined : userRoleSchema.safeParse(values.role);
  if (role && !role.success) return fail(`unknown role ${values.role}`);
  const levels = values.levels?.split(',').map(Number) as SupportLevel[] | undefined;
  if (levels?.some((l) => ![1, 2, 3].includes(l)))
    return fail('--levels takes 1, 2 and/or 3, comma-separated');

  const config = loadConfig(env);
  const logger = pino({ level: 'warn' });
  let db: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    db = await openDatabase(config);
    const store = createPostgresEventStore(db);
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
      out.log(`created user ${user.email} (${user.userId}) with role ${roleValue}`);
    } else if (key === 'users grant') {
      if (!roleValue) return fail('--role is required');
      await users.grant(
        values.email,
        { role: roleValue, ...(levels ? { levels } : {}), ...(values.lead ? { lead: true } : {}) },
        actor,
      );
      out.log(`granted ${roleValue} to ${values.email}`);
    } else if (key === 'tokens create') {
      const issued = await users.issueToken(
        values.email,
        { role: roleValue, label: values.label },
        actor,
      );
      out.error(
        `token ${issued.tokenId} for ${values.email} as ${issued.role}; shown once, store it now:`,
      );
      out.log(issued.token);
    } else if (key === 'tokens revoke') {
      if (!values.id) return fail('--id is required');
      await users.revokeToken(userIdFor(values.email), values.id, actor);
      out.log(`revoked token ${values.id}`);
    } else {
      return fail(`unknown command ${key}`);
    }
    // Bring the read models up to date, so the token works as soon as a server runs.
    // (Where a server runs against the same PostgreSQL, it leads the projections and does this.)
    const projector = createProjector({
      db,
      store,
      projections: createProjections(slaSettingsFrom(config)),
      logger,
    });
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

const invokedDirectly =
  process.argv[1] !== undefined &&
  import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  process.exitCode = await runCli(process.argv.slice(2), process.env);
}
