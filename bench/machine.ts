import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

function packageVersion(name: string): string | null {
  try {
    const file = path.resolve('node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

function git(...args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** The five busiest processes (CPU % since their start), as `ps` sees them. */
export function busiest(): string[] {
  try {
    const out = execFileSync('ps', ['-eo', 'pcpu,etime,args', '--sort=-pcpu'], {
      encoding: 'utf8',
    });
    return out
      .split('\n')
      .slice(1, 6)
      .map((l) => l.trim().replace(/\s+/g, ' ').slice(0, 110))
      .filter(Boolean);
  } catch {
    return [];
  }
}

export interface MachineInfo {
  hostname: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgresServer: string | null;
  /** How the bench reached it: a Unix-domain socket or TCP. */
  postgresVia?: string | null;
  pglite: string | null;
  pg: string | null;
  xstate: string | null;
  express: string | null;
  gitCommit: string | null;
  gitDirty: boolean;
  loadAverageAtStart: number[];
  /** The busiest other processes when the run started (the machine is shared). */
  busiestAtStart: string[];
  loadAverageAtEnd?: number[];
  startedAt: string;
  finishedAt?: string;
  options: Record<string, unknown>;
}

/** What the figures were measured on: hardware, versions, the commit and how busy the machine was. */
export async function describeMachine(
  postgresUrl: string | null,
  options: Record<string, unknown>,
): Promise<MachineInfo> {
  let postgresServer: string | null = null;
  if (postgresUrl) {
    const client = new pg.Client({ connectionString: postgresUrl });
    try {
      await client.connect();
      const { rows } = await client.query<{ v: string; s: string; f: string }>(
        `SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS s,
                current_setting('fsync') AS f`,
      );
      const r = rows[0];
      if (r) postgresServer = `${r.v} (synchronous_commit=${r.s}, fsync=${r.f})`;
    } catch {
      postgresServer = null;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const status = git('status', '--porcelain');
  return {
    hostname: os.hostname(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgresServer,
    postgresVia: postgresUrl
      ? /[?&]host=\//.test(postgresUrl)
        ? 'its Unix-domain socket'
        : 'TCP'
      : null,
    pglite: packageVersion('@electric-sql/pglite'),
    pg: packageVersion('pg'),
    xstate: packageVersion('xstate'),
    express: packageVersion('express'),
    gitCommit: git('rev-parse', 'HEAD'),
    gitDirty: status === null ? false : status.length > 0,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    busiestAtStart: busiest(),
    startedAt: new Date().toISOString(),
    options,
  };
}
