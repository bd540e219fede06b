/**
 * The audit commands (docs/audit.md): `keys create`, `verify BUNDLE --key KEY` (offline: no
 * database, no server) and `verify --all` (the whole log in the database).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  formatFinding,
  generateKeys,
  parseVerifierKey,
  readCheckpointFile,
  verifyAll,
  verifyBundle,
  type VerifierKey,
} from '../audit/index.ts';
import { loadConfig } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { openDatabase } from '../server/index.ts';

export const auditUsage = `  keys create --origin NAME --out FILE                          signer key to FILE (0600), verifier key to FILE.pub and stdout
  verify BUNDLE --key KEY                                      a proof bundle, offline (KEY: a verifier key or a file holding one)
  verify --all [--key KEY] [--checkpoints FILE]                every chain, the tree, every checkpoint (defaults:
                                                               AUDIT_VERIFIER_KEY, AUDIT_CHECKPOINT_FILE)`;

type Out = Pick<Console, 'log' | 'error'>;

export async function runAuditCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Out,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        origin: { type: 'string' },
        out: { type: 'string' },
        key: { type: 'string' },
        all: { type: 'boolean' },
        checkpoints: { type: 'string' },
      },
    });
  } catch (error) {
    return usageError(out, error instanceof Error ? error.message : 'bad arguments');
  }
  const { positionals, values } = parsed;
  try {
    if (positionals[0] === 'keys' && positionals[1] === 'create') return createKeys(values, out);
    if (positionals[0] === 'verify' && values.all) return await verifyLog(values, env, out);
    if (positionals[0] === 'verify' && positionals[1])
      return verifyBundleFile(positionals[1], values.key, out);
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  return usageError(out, `unknown command ${positionals.join(' ')}`);
}

function usageError(out: Out, message: string): number {
  out.error(`error: ${message}\n\nusage: npm run cli -- <command>\n${auditUsage}`);
  return 2;
}

function createKeys(values: { origin?: string; out?: string }, out: Out): number {
  if (!values.origin || !values.out) return usageError(out, 'keys create needs --origin and --out');
  if (existsSync(values.out)) return usageError(out, `${values.out} exists: not overwriting a key`);
  const { signer, verifier } = generateKeys(values.origin);
  writeFileSync(values.out, `${signer}\n`, { mode: 0o600, flag: 'wx' });
  writeFileSync(`${values.out}.pub`, `${verifier}\n`, { mode: 0o644 });
  out.error(`signer key written to ${values.out} (AUDIT_SIGNING_KEY_FILE); verifier key:`);
  out.log(verifier);
  return 0;
}

/** A verifier key given as text, or as the path of a file holding it. */
function readKey(text: string | undefined): VerifierKey {
  if (!text) throw new Error('a verifier key is needed: --key KEY (or AUDIT_VERIFIER_KEY)');
  return parseVerifierKey(existsSync(text) ? readFileSync(text, 'utf8') : text);
}

function verifyBundleFile(path: string, keyText: string | undefined, out: Out): number {
  const key = readKey(keyText);
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    bundle = null; // reported as "not a proof bundle"
  }
  const report = verifyBundle(bundle, key);
  for (const finding of report.findings) out.log(formatFinding(finding));
  const events = Array.isArray((bundle as { events?: unknown } | null)?.events)
    ? (bundle as { events: unknown[] }).events.length
    : 0;
  const covered =
    report.checkpointSize === null
      ? 'no checkpoint to prove against'
      : `against the signed tree of ${report.checkpointSize} events` +
        (report.uncovered.length > 0
          ? `; versions ${report.uncovered.join(', ')} came after it (chained, not yet provable)`
          : '');
  out.error(`${events} events checked ${covered}: ${report.findings.length} findings`);
  return report.findings.length > 0 || report.checkpointSize === null ? 1 : 0;
}

async function verifyLog(
  values: { key?: string; checkpoints?: string },
  env: Record<string, string | undefined>,
  out: Out,
): Promise<number> {
  const config = loadConfig(env);
  const key = readKey(values.key ?? config.AUDIT_VERIFIER_KEY);
  const file = values.checkpoints ?? config.AUDIT_CHECKPOINT_FILE;
  const published = file && existsSync(file) ? readCheckpointFile(file) : [];
  let db: Database | undefined;
  try {
    db = await openDatabase(config, { existing: true });
    const report = await verifyAll(db, { key, published });
    for (const finding of report.findings) out.log(formatFinding(finding));
    out.error(
      `${report.events} events, ${report.leaves} audit leaves, ${report.checkpoints} signed checkpoints checked: ${report.findings.length} findings`,
    );
    return report.findings.length > 0 ? 1 : 0;
  } finally {
    await db?.close();
  }
}
