import type { Projection, Projector } from '../projector/index.ts';

/** What `projections …` needs: the product's read models and a projector over them. */
export interface ProjectionsCommandDeps {
  projections: readonly Projection[];
  projector: Projector;
  out: Pick<Console, 'log' | 'error'>;
}

export class UnknownProjectionError extends Error {
  constructor(name: string, known: readonly Projection[]) {
    super(`unknown projection ${name} (known: ${known.map((p) => p.name).join(', ')})`);
  }
}

/** `projections list`: each read model, its tables, its checkpoint and how far behind it is. */
export async function listProjections({
  projections,
  projector,
  out,
}: ProjectionsCommandDeps): Promise<void> {
  const lag = new Map((await projector.lag()).map((l) => [l.name, l]));
  const rows = projections.map((p) => {
    const l = lag.get(p.name);
    return [
      p.name,
      p.tables.join(',') || '-',
      l ? String(l.position) : '-',
      l ? String(l.events) : 'reference data',
    ];
  });
  const table = [['name', 'tables', 'checkpoint', 'events behind'], ...rows];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  for (const row of table) {
    out.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
  }
}

/**
 * `projections rebuild [NAME]`: one read model, or every one that has tables, rebuilt from the
 * whole log with the projector's own rebuild (shadow tables swapped in; src/projector). Returns
 * the events applied per projection.
 */
export async function rebuildProjections(
  { projections, projector, out }: ProjectionsCommandDeps,
  name: string | undefined,
  say: (line: string) => void,
): Promise<Map<string, number>> {
  const chosen = name === undefined ? projections : projections.filter((p) => p.name === name);
  if (chosen.length === 0) throw new UnknownProjectionError(name ?? '', projections);
  const applied = new Map<string, number>();
  for (const projection of chosen.filter((p) => p.tables.length > 0)) {
    const events = await projector.rebuild(projection.name);
    applied.set(projection.name, events);
    say(`rebuilt ${projection.name} from ${events} events`);
  }
  if (applied.size === 0) out.error(`${name} is reference data: nothing to rebuild`);
  return applied;
}

/**
 * `projections verify [NAME]`: every read model (or NAME) rebuilt from the log into separate
 * tables and compared with the live ones row by row (docs/audit.md). Prints each differing row
 * and returns how many there are (the CLI exits 1 when any).
 */
export async function verifyProjections(
  { projections, projector, out }: ProjectionsCommandDeps,
  name: string | undefined,
  say: (line: string) => void,
): Promise<number> {
  const chosen = name === undefined ? projections : projections.filter((p) => p.name === name);
  if (chosen.length === 0) throw new UnknownProjectionError(name ?? '', projections);
  let differences = 0;
  for (const projection of chosen.filter((p) => p.tables.length > 0)) {
    const result = await projector.verify(projection.name);
    differences += result.differences.length;
    for (const d of result.differences) {
      out.log(`${result.projection} ${d.table} ${d.side} ${JSON.stringify(d.row)}`);
    }
    const verdict = result.differences.length === 0 ? 'matches' : 'DIFFERS from';
    say(
      `${result.projection} ${verdict} the log at position ${result.position} (${result.events} events` +
        `${result.differences.length ? `, ${result.differences.length} rows differ` : ''}` +
        `${result.truncated ? ', more not listed' : ''})`,
    );
  }
  return differences;
}
