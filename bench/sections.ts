import { readFile, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as prettier from 'prettier';
import type { BenchContext, Run } from './context.ts';
import type { MachineInfo } from './machine.ts';

/**
 * The sections groups write themselves (ctx.sections) put into docs/benchmarks.md: each replaces
 * its own `## heading` up to the next heading of its level or above, or goes before "# Figures of
 * the run" the first time. The runs of those groups go to bench/results/sections-latest.json
 * (merged by group, so running one group keeps the other's figures).
 */
export async function upsertSections(
  ctx: BenchContext,
  machine: MachineInfo,
  command: string,
): Promise<string[]> {
  if (ctx.sections.size === 0) return [];
  const docs = path.resolve('docs/benchmarks.md');
  let text = await readFile(docs, 'utf8').catch(() => '# Benchmarks\n');
  const conditions = conditionsLine(machine, command);
  for (const [heading, body] of ctx.sections)
    text = upsert(text, heading, `${conditions}\n\n${body.trim()}\n`);
  const config = (await prettier.resolveConfig(docs)) ?? {};
  await writeFile(docs, await prettier.format(text, { ...config, parser: 'markdown' }));

  const json = path.resolve('bench/results/sections-latest.json');
  await mkdir(path.dirname(json), { recursive: true });
  const saved = JSON.parse(await readFile(json, 'utf8').catch(() => '{}')) as Record<
    string,
    unknown
  >;
  const groups = new Set(ctx.runs.map((r) => r.group));
  for (const g of groups) {
    saved[g] = {
      command,
      machine,
      runs: ctx.runs.filter((r: Run) => r.group === g),
      notes: ctx.notes.get(g) ?? [],
    };
  }
  await writeFile(
    json,
    await prettier.format(JSON.stringify(saved), { ...config, parser: 'json' }),
  );
  return [docs, json];
}

function conditionsLine(machine: MachineInfo, command: string): string {
  const end = machine.loadAverageAtEnd ?? os.loadavg().map((x) => Math.round(x * 100) / 100);
  return (
    `Measured by \`${command}\` from ${machine.startedAt} to ${machine.finishedAt ?? new Date().toISOString()}, ` +
    `commit ${machine.gitCommit ?? 'unknown'}${machine.gitDirty ? ' (with uncommitted changes)' : ''}; ` +
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB; PostgreSQL ${machine.postgresServer ?? 'not used'}; Node ${machine.node}. ` +
    `The machine is shared with other agents: load average (1/5/15 min) ${machine.loadAverageAtStart.join(' / ')} at the start, ${end.join(' / ')} at the end.`
  );
}

function upsert(text: string, heading: string, body: string): string {
  const lines = text.split('\n');
  const title = `## ${heading}`;
  const start = lines.findIndex((l) => l.trim() === title);
  const section = [title, '', ...body.split('\n')];
  if (start >= 0) {
    let end = lines.findIndex((l, i) => i > start && /^#{1,2} /.test(l));
    if (end < 0) end = lines.length;
    lines.splice(start, end - start, ...section);
    return lines.join('\n');
  }
  const figures = lines.findIndex((l) => l.trim() === '# Figures of the run');
  if (figures < 0) return `${text.trimEnd()}\n\n${section.join('\n')}\n`;
  lines.splice(figures, 0, ...section, '');
  return lines.join('\n');
}
